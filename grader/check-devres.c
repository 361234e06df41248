/*
 * Exercise 8, devres: the learner's platform driver allocates managed
 * memory (devm_kzalloc, devm_kmalloc, dmam_alloc_coherent) in probe() and
 * frees nothing; its module unbinds and rebinds the device, then unloads.
 *
 * Ground truth is the dev:devres_log trace event, enabled from boot by
 * the exercise's kernel command line (trace_event=dev:devres_log): every
 * managed resource is logged as ADD when it is added and REL when the
 * driver core releases it on unbind.  The grader reads the trace while
 * the module is loaded (the second probe's memory must still be there),
 * then unbinds and binds the device once more through sysfs with two hist
 * triggers counting ADD and REL by size, and reads both again after rmmod
 * (everything released).  The ADDed sizes are compared with the sizes= it
 * asked for; nothing about devres's own sizes (the dmam_release record) is
 * typed in here: the expected histograms come from the trace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ktap.h"

#define MAX_SIZES 6
#define ROUNDS 2
#define MAX_EVENTS 256
#define DEV_PREFIX "devres_ex"
#define KMALLOC_NAME "devm_kzalloc_release"	/* devm_kmalloc's release function */
#define DMA_NAME "dmam_release"			/* dmam_alloc_coherent's */

struct devres_priv {
	unsigned sizes[MAX_SIZES];
	int nsizes;
	unsigned dma_size;
	int looked;			/* while_loaded read the trace */
	struct strbuf trace_loaded;	/* devres_log lines while loaded */
	struct strbuf trace_after;	/* and after rmmod */
	struct strbuf hist_loaded;	/* the histogram after the sysfs rebind */
	struct strbuf hist_after;	/* and after rmmod */
};

/* One devres_log event: "devres_ex ADD 00000000c0ffee00 name (40 bytes)". */
struct dr_event {
	char op[8];
	char node[40];
	char name[64];
	unsigned long long size;
};

static const char *const devres_checks[] = {
	"ktap", "nonce", "allocs", "devres_add", "while_bound", "sysfs_rebind", "released", NULL,
};

/*
 * Two to six buffers of random sizes, from tiny to above a page, and a
 * coherent DMA buffer: a module that prints remembered sizes, or allocates
 * a fixed set, does not match the trace.
 */
static void devres_prepare(struct attempt *a)
{
	struct devres_priv *p = xcalloc(1, sizeof(*p));
	struct strbuf sb = STRBUF_INIT;

	p->nsizes = (int)random_range(2, MAX_SIZES);
	for (int i = 0; i < p->nsizes; i++)
		p->sizes[i] = i == 0 ? random_range(4097, 12000) : random_range(1, 3000);
	/* The big one anywhere in the list. */
	{
		int j = (int)random_range(0, (uint32_t)p->nsizes - 1);
		unsigned t = p->sizes[0];

		p->sizes[0] = p->sizes[j];
		p->sizes[j] = t;
	}
	p->dma_size = random_range(1, 16384);
	for (int i = 0; i < p->nsizes; i++)
		strbuf_addf(&sb, "%s%u", i ? "," : "", p->sizes[i]);
	a->priv = p;
	a->params = xasprintf("sizes=%s dma_size=%u nonce=%s", sb.buf, p->dma_size, a->nonce);
	a->inputs = xstrdup(a->params);
	strbuf_release(&sb);
}

/*
 * The devres_log lines of the trace buffer (the whole buffer is small),
 * or why they could not be read, for the transcript.
 */
static void read_trace(struct vm *vm, struct strbuf *out, struct strbuf *transcript)
{
	struct vm_exec ex;
	int r = vm_sh(vm, "grep ' devres_log: ' /sys/kernel/tracing/trace", 10000, 256 << 10,
		      &ex);

	if (r == VM_OK)
		strbuf_add(out, ex.out.buf, ex.out.len);
	if (r != VM_OK || ex.status > 1 || ex.signal)
		strbuf_addf(transcript, "(reading the trace failed: %s, status %d, signal %d: %s)\n",
			    r == VM_OK ? "ran" : "did not run", ex.status, ex.signal,
			    strbuf_str(&ex.err));
	vm_exec_release(&ex);
}

/*
 * Two histograms of the device's devres_log events by size, one for ADD
 * and one for REL (keyed on op itself, a char pointer, they would show
 * addresses on this kernel), set up after the module's own two probes, then one more unbind and bind
 * through sysfs, as an administrator would do it: the unbind must release
 * probe 2's resources and the bind add a third set.
 */
#define HIST "/sys/kernel/tracing/events/dev/devres_log/hist"
static const char sysfs_rebind[] =
	"cd /sys/kernel/tracing/events/dev/devres_log && "
	"echo 'hist:keys=size:vals=hitcount if op == \"ADD\" && devname ~ \"" DEV_PREFIX "*\"' "
	">> trigger && "
	"echo 'hist:keys=size:vals=hitcount if op == \"REL\" && devname ~ \"" DEV_PREFIX "*\"' "
	">> trigger && d=/sys/bus/platform/drivers/" DEV_PREFIX " && "
	"dev=$(cd $d && ls -d " DEV_PREFIX "* | head -n 1) && [ -n \"$dev\" ] && "
	"echo $dev > $d/unbind && echo $dev > $d/bind && cat " HIST;

static int devres_while_loaded(struct attempt *a, struct vm *vm)
{
	struct devres_priv *p = a->priv;
	struct vm_exec ex;
	int r;

	read_trace(vm, &p->trace_loaded, &a->transcript);
	p->looked = 1;
	strbuf_addf(&a->transcript, "\n== while loaded: devres_log\n%s",
		    strbuf_str(&p->trace_loaded));
	r = vm_sh(vm, sysfs_rebind, 10000, 64 << 10, &ex);
	if (r == VM_OK)
		strbuf_add(&p->hist_loaded, ex.out.buf, ex.out.len);
	strbuf_addf(&a->transcript, "\n== while loaded: sysfs unbind and bind, %s\n%s%s",
		    HIST, strbuf_str(&ex.out), strbuf_str(&ex.err));
	vm_exec_release(&ex);
	return 0;
}

static int devres_observe(struct attempt *a, struct vm *vm)
{
	struct devres_priv *p = a->priv;
	struct vm_exec ex;

	read_trace(vm, &p->trace_after, &a->transcript);
	strbuf_addf(&a->transcript, "\n== after rmmod: devres_log\n%s",
		    strbuf_str(&p->trace_after));
	/* The whole buffer: from boot, through the unbind and bind, to rmmod. */
	strbuf_addf(&a->trace, "dev:devres_log, from boot to after rmmod "
		    "(/sys/kernel/tracing/trace):\n%s", strbuf_str(&p->trace_after));
	if (vm_sh(vm, "cat " HIST, 10000, 64 << 10, &ex) == VM_OK)
		strbuf_add(&p->hist_after, ex.out.buf, ex.out.len);
	strbuf_addf(&a->transcript, "\n== after rmmod: %s\n%s", HIST, strbuf_str(&ex.out));
	vm_exec_release(&ex);
	return 0;
}

/* The events of the learner's device ("devres_ex", "devres_ex.0", ...). */
static int parse_trace(const char *text, struct dr_event *ev, int max)
{
	int n = 0;

	for (const char *l = text; l && *l && n < max;) {
		const char *t = strstr(l, " devres_log: ");
		const char *eol = strchr(l, '\n');
		char dev[64];

		if (t && (!eol || t < eol) &&
		    sscanf(t + 13, "%63s %7s %39s %63s (%llu bytes)", dev, ev[n].op, ev[n].node,
			   ev[n].name, &ev[n].size) == 5 &&
		    !strncmp(dev, DEV_PREFIX, strlen(DEV_PREFIX)) &&
		    (!dev[strlen(DEV_PREFIX)] || dev[strlen(DEV_PREFIX)] == '.'))
			n++;
		l = eol ? eol + 1 : NULL;
	}
	return n;
}

/* Which probe round added each event: a new round starts at an ADD after a REL. */
static int split_rounds(const struct dr_event *ev, int n, int *round_of)
{
	int rounds = 0, after_rel = 1;

	for (int i = 0; i < n; i++) {
		round_of[i] = 0;
		if (!strcmp(ev[i].op, "ADD")) {
			if (after_rel)
				rounds++;
			after_rel = 0;
			round_of[i] = rounds;
		} else if (!strcmp(ev[i].op, "REL")) {
			after_rel = 1;
		}
	}
	return rounds;
}

/* Was node released (REL, or removed by devm_kfree: REM) after event i? */
static int released_after(const struct dr_event *ev, int n, int i)
{
	for (int j = i + 1; j < n; j++)
		if (!strcmp(ev[j].node, ev[i].node) &&
		    (!strcmp(ev[j].op, "REL") || !strcmp(ev[j].op, "REM")))
			return 1;
	return 0;
}

/* Counts by size: one devres_log histogram, or the expected one. */
struct size_hist {
	unsigned long long size[MAX_EVENTS];
	unsigned long long count[MAX_EVENTS];
	int n;
};

static void hist_add(struct size_hist *h, unsigned long long size, unsigned long long count)
{
	for (int i = 0; i < h->n; i++)
		if (h->size[i] == size) {
			h->count[i] += count;
			return;
		}
	if (h->n < MAX_EVENTS) {
		h->size[h->n] = size;
		h->count[h->n++] = count;
	}
}

/*
 * The histogram whose trigger filters on op == "<op>" in the text of a
 * 'cat hist' (one section per trigger): "{ size: 51 } hitcount: 2" lines.
 */
static void hist_parse(const char *text, const char *op, struct size_hist *h)
{
	char want[32];
	int in = 0;

	memset(h, 0, sizeof(*h));
	snprintf(want, sizeof(want), "op == \"%s\"", op);
	for (const char *l = text; l && *l;) {
		const char *eol = strchr(l, '\n');
		int len = eol ? (int)(eol - l) : (int)strlen(l);
		unsigned long long size, count;

		if (!strncmp(l, "# trigger info:", 15))
			in = memmem(l, (size_t)len, want, strlen(want)) != NULL;
		else if (in && sscanf(l, "{ size: %llu } hitcount: %llu", &size, &count) == 2)
			hist_add(h, size, count);
		l = eol ? eol + 1 : NULL;
	}
}

static int hist_cmp(const void *x, const void *y)
{
	const unsigned long long *a = x, *b = y;

	return a[0] < b[0] ? -1 : a[0] > b[0];
}

/* "51x1 474x1 ..." sorted by size; "none" when empty. */
static void hist_print(const struct size_hist *h, unsigned long long times, struct strbuf *sb)
{
	unsigned long long pairs[MAX_EVENTS][2];

	for (int i = 0; i < h->n; i++) {
		pairs[i][0] = h->size[i];
		pairs[i][1] = h->count[i] * times;
	}
	qsort(pairs, (size_t)h->n, sizeof(pairs[0]), hist_cmp);
	for (int i = 0; i < h->n; i++)
		strbuf_addf(sb, "%s%llux%llu", i ? " " : "", pairs[i][0], pairs[i][1]);
	if (!h->n)
		strbuf_addstr(sb, "none");
}

static int hist_equal(const struct size_hist *h, const struct size_hist *want,
		      unsigned long long times)
{
	if (h->n != want->n)
		return 0;
	for (int i = 0; i < want->n; i++) {
		int found = 0;

		for (int j = 0; j < h->n; j++)
			if (h->size[j] == want->size[i])
				found = h->count[j] == want->count[i] * times;
		if (!found)
			return 0;
	}
	return 1;
}

static int cmp_uint(const void *x, const void *y)
{
	unsigned a = *(const unsigned *)x, b = *(const unsigned *)y;

	return a < b ? -1 : a > b;
}

/* "devm_kzalloc_release 7,100,4096 + dmam_release (16 B)" for one round. */
static int describe_round(const struct dr_event *ev, int n, const int *round_of, int r,
			  const struct devres_priv *p, struct strbuf *sb)
{
	unsigned got[MAX_EVENTS];
	unsigned want[MAX_SIZES];
	int ng = 0, ndma = 0, nother = 0;

	for (int i = 0; i < n; i++) {
		if (round_of[i] != r)
			continue;
		if (!strcmp(ev[i].name, KMALLOC_NAME))
			got[ng++] = (unsigned)ev[i].size;
		else if (!strcmp(ev[i].name, DMA_NAME))
			ndma++;
		else
			nother++;
	}
	qsort(got, (size_t)ng, sizeof(got[0]), cmp_uint);
	strbuf_addf(sb, "probe %d: " KMALLOC_NAME " ", r);
	for (int i = 0; i < ng; i++)
		strbuf_addf(sb, "%s%u", i ? "," : "", got[i]);
	if (!ng)
		strbuf_addstr(sb, "none");
	strbuf_addf(sb, " + %d " DMA_NAME, ndma);
	if (nother)
		strbuf_addf(sb, " + %d other", nother);

	memcpy(want, p->sizes, sizeof(want));
	qsort(want, (size_t)p->nsizes, sizeof(want[0]), cmp_uint);
	if (ng != p->nsizes || ndma != 1)
		return 0;
	for (int i = 0; i < ng; i++)
		if (got[i] != want[i])
			return 0;
	return 1;
}

static void devres_grade(struct attempt *a)
{
	struct devres_priv *p = a->priv;
	struct ktap_doc mine;
	struct strbuf exp = STRBUF_INIT, obs = STRBUF_INIT;
	struct dr_event *ev = xcalloc(MAX_EVENTS, sizeof(*ev));
	int *round_of = xcalloc(MAX_EVENTS, sizeof(int));
	int per = p->nsizes + 1, plan = ROUNDS * per, n, rounds, ok;
	unsigned sorted[MAX_SIZES];

	ktap_parse(strbuf_str(&a->learner.text), &mine);
	attempt_check_ktap(a, &mine, plan, "allocation in each of the two probes");

	/* allocs: what the module says it allocated, in order. */
	ok = mine.nresults == plan;
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < per; i++)
			strbuf_addf(&exp, "%s%u", r || i ? "," : "size=",
				    i < p->nsizes ? p->sizes[i] : p->dma_size);
	strbuf_addstr(&obs, "size=");
	for (int i = 0; i < mine.nresults; i++) {
		unsigned long long got = 0;
		int have = ktap_kv_ulong(mine.results[i].comment, "size", &got) == 1;
		unsigned want = i % per < p->nsizes ? p->sizes[i % per] : p->dma_size;

		strbuf_addf(&obs, "%s%s", i ? "," : "", mine.results[i].ok ? "" : "not ok:");
		if (have)
			strbuf_addf(&obs, "%llu", got);
		else
			strbuf_addch(&obs, '?');
		if (i >= plan || !have || got != want || !mine.results[i].ok ||
		    mine.results[i].number != i + 1)
			ok = 0;
	}
	if (mine.missing)
		strbuf_addf(&obs, " (%d planned results missing)", mine.missing);
	attempt_add(a, "allocs", ok, exp.buf, obs.buf,
		    "probe() runs twice (bind, then rebind): report 'ok N ... # size=S' for each "
		    "buffer of sizes= and then the DMA buffer, each time; a 'not ok' means the "
		    "allocation returned NULL (TODO 1 and TODO 2)");

	/* devres_add: what the driver core saw added, per probe. */
	n = parse_trace(strbuf_str(&p->trace_after), ev, MAX_EVENTS);
	rounds = split_rounds(ev, n, round_of);
	memcpy(sorted, p->sizes, sizeof(sorted));
	qsort(sorted, (size_t)p->nsizes, sizeof(sorted[0]), cmp_uint);
	strbuf_reset(&exp);
	strbuf_reset(&obs);
	strbuf_addf(&exp, "the module's %d probes each ADD " KMALLOC_NAME " ", ROUNDS);
	for (int i = 0; i < p->nsizes; i++)
		strbuf_addf(&exp, "%s%u", i ? "," : "", sorted[i]);
	strbuf_addstr(&exp, " + 1 " DMA_NAME " for device " DEV_PREFIX);
	/* A third round, if any, is the grader's own sysfs bind. */
	ok = rounds == ROUNDS || rounds == ROUNDS + 1;
	if (!rounds)
		strbuf_addstr(&obs, "no devres_log ADD event for device " DEV_PREFIX
			      " in the trace");
	for (int r = 1; r <= rounds && r <= ROUNDS + 1; r++) {
		if (r > 1)
			strbuf_addstr(&obs, "; ");
		if (!describe_round(ev, n, round_of, r, p, &obs) && r <= ROUNDS)
			ok = 0;
		if (r > ROUNDS)
			strbuf_addstr(&obs, " (the grader's sysfs bind)");
	}
	attempt_add(a, "devres_add", ok, exp.buf, obs.buf,
		    !rounds ? "only managed allocations appear in devres_log: allocate with "
			      "devm_kzalloc()/devm_kmalloc() and dmam_alloc_coherent() on &pdev->dev "
			      "inside probe(), not with kmalloc()"
		    : rounds < ROUNDS ? "the device must be bound twice: after the first probe, "
					 "device_release_driver() then device_attach() (TODO 3)"
				       : "allocate exactly the sizes= buffers and one DMA buffer "
					 "in probe(), each with a devm_/dmam_ function");

	/* while_bound: probe 1's memory went with the unbind, probe 2's is there. */
	strbuf_reset(&exp);
	strbuf_reset(&obs);
	strbuf_addf(&exp, "while loaded: probe 1's %d resources released (REL), probe 2's %d "
		    "still allocated", per, per);
	if (!p->looked) {
		strbuf_addstr(&obs, "not read: the module did not stay loaded");
		ok = 0;
	} else {
		int nl = parse_trace(strbuf_str(&p->trace_loaded), ev, MAX_EVENTS);
		int rl = split_rounds(ev, nl, round_of);
		int added[ROUNDS + 1] = { 0 }, gone[ROUNDS + 1] = { 0 };

		for (int i = 0; i < nl; i++)
			if (round_of[i] >= 1 && round_of[i] <= ROUNDS) {
				added[round_of[i]]++;
				gone[round_of[i]] += released_after(ev, nl, i);
			}
		strbuf_addf(&obs, "while loaded: %d probe(s) seen; probe 1: %d added, %d "
			    "released; probe 2: %d added, %d released", rl, added[1], gone[1],
			    added[2], gone[2]);
		ok = rl == ROUNDS && added[1] == per && gone[1] == per && added[2] == per &&
		     gone[2] == 0;
	}
	attempt_add(a, "while_bound", ok, exp.buf, obs.buf,
		    "managed memory lives exactly as long as the binding: the unbind "
		    "(device_release_driver) releases probe 1's, and probe 2's stays until the "
		    "device goes away; never free it yourself");

	/*
	 * sysfs_rebind: after the module's own rebind the grader unbinds and
	 * binds through sysfs, with a histogram by size of ADD and REL.  Each
	 * probe adds the same resources, so the expected histogram is probe
	 * 2's ADD events from the trace (the dmam_release node's size too).
	 */
	strbuf_reset(&exp);
	strbuf_reset(&obs);
	{
		struct size_hist *want = xcalloc(4, sizeof(*want)), *add = want + 1,
				 *rel = want + 2, *rel_after = want + 3;
		int nl = parse_trace(strbuf_str(&p->trace_loaded), ev, MAX_EVENTS);

		split_rounds(ev, nl, round_of);
		for (int i = 0; i < nl; i++)
			if (round_of[i] == ROUNDS)
				hist_add(want, ev[i].size, 1);
		hist_parse(strbuf_str(&p->hist_loaded), "ADD", add);
		hist_parse(strbuf_str(&p->hist_loaded), "REL", rel);
		hist_parse(strbuf_str(&p->hist_after), "REL", rel_after);
		strbuf_addstr(&exp, "sysfs unbind+bind: ADD ");
		hist_print(want, 1, &exp);
		strbuf_addstr(&exp, ", REL ");
		hist_print(want, 1, &exp);
		strbuf_addstr(&exp, "; after rmmod REL ");
		hist_print(want, 2, &exp);
		strbuf_addstr(&obs, "sysfs unbind+bind: ADD ");
		hist_print(add, 1, &obs);
		strbuf_addstr(&obs, ", REL ");
		hist_print(rel, 1, &obs);
		strbuf_addstr(&obs, "; after rmmod REL ");
		hist_print(rel_after, 1, &obs);
		ok = want->n && hist_equal(add, want, 1) && hist_equal(rel, want, 1) &&
		     hist_equal(rel_after, want, 2);
		attempt_add(a, "sysfs_rebind", ok, exp.buf, obs.buf,
			    !want->n ? "the driver had nothing managed bound when the grader "
				       "unbound it through /sys/bus/platform/drivers/devres_ex/unbind"
				     : "every probe must allocate the same managed set, and every "
				       "unbind (sysfs included) release it: keep no state that "
				       "only works for the first two probes");
		free(want);
	}

	/* released: after rmmod every ADD has its REL. */
	strbuf_reset(&exp);
	strbuf_reset(&obs);
	{
		int added = 0, gone = 0, freed_by_hand = 0;

		n = parse_trace(strbuf_str(&p->trace_after), ev, MAX_EVENTS);
		for (int i = 0; i < n; i++) {
			if (strcmp(ev[i].op, "ADD"))
				continue;
			added++;
			gone += released_after(ev, n, i);
		}
		for (int i = 0; i < n; i++)
			freed_by_hand += !strcmp(ev[i].op, "REM");
		strbuf_addf(&exp, "after rmmod: all %d added resources (%d probes) released by "
			    "the driver core (REL)", (ROUNDS + 1) * per, ROUNDS + 1);
		strbuf_addf(&obs, "after rmmod: %d added, %d released", added, gone);
		if (freed_by_hand)
			strbuf_addf(&obs, " (%d removed by hand with REM)", freed_by_hand);
		ok = added == (ROUNDS + 1) * per && gone == added && !freed_by_hand;
		attempt_add(a, "released", ok, exp.buf, obs.buf,
			    !added ? "nothing managed was added, so nothing could be released: "
				     "memory from plain kmalloc() stays allocated after rmmod "
				     "(a leak) unless you kfree() it"
				   : "let the driver core release managed memory when the device "
				     "is unbound: no devm_kfree(), no kfree(), no remove() cleanup");
	}

	ktap_doc_release(&mine);
	strbuf_release(&exp);
	strbuf_release(&obs);
	free(ev);
	free(round_of);
}

static void devres_release(struct attempt *a)
{
	struct devres_priv *p = a->priv;

	if (!p)
		return;
	strbuf_release(&p->trace_loaded);
	strbuf_release(&p->trace_after);
	strbuf_release(&p->hist_loaded);
	strbuf_release(&p->hist_after);
	free(p);
	a->priv = NULL;
}

const struct checker checker_devres = {
	.name = "devres",
	.checks = devres_checks,
	.prepare = devres_prepare,
	.while_loaded = devres_while_loaded,
	.observe = devres_observe,
	.grade = devres_grade,
	.release = devres_release,
};
