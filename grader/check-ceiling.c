/*
 * Exercise 3, ceiling: the learner's module grows a kmalloc() request from
 * start by step until kmalloc() fails, and reports the largest success,
 * the first failure, their page-allocator orders and KMALLOC_MAX_SIZE.
 *
 * Ground truth, all from the same VM run: the probe (mode=ceiling) runs
 * the same loop with the same start and step, bisects the exact ceiling,
 * and prints the page allocator's counters once it has freed everything;
 * after the learner's module is unloaded, /proc/vmstat and /proc/meminfo
 * show whether it really allocated that much (pgalloc_*) and gave it all
 * back (MemFree).  A WARNING in the learner's kernel log means it forgot
 * __GFP_NOWARN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ktap.h"

/* What one module (the learner's or the probe) reported. */
struct ceiling_report {
	int have_largest;	/* an "ok N largest_success" line with size= */
	int have_failure;
	int have_max;		/* kmalloc_max_size (learner) or ceiling (probe) */
	unsigned long long largest, largest_order, successes;
	unsigned long long failure, failure_order;
	unsigned long long max, max_order;
};

struct ceiling_priv {
	unsigned long start, step;
};

static const char *const ceiling_checks[] = {
	"ktap", "nonce", "largest", "first_failure", "order", "max_size",
	"nowarn", "allocated", "freed", NULL
};

/*
 * start is odd and step even, so every size tried is odd: no round
 * number (a page-allocator limit is a power of two) is ever the largest
 * success, and a module printing a remembered limit cannot pass.  The
 * ranges keep the loop between about 8 and 100 tries.
 */
static void ceiling_prepare(struct attempt *a)
{
	struct ceiling_priv *p = xcalloc(1, sizeof(*p));

	p->start = attempt_random(a, 1u << 20, 2u << 20) | 1;
	p->step = attempt_random(a, 32u << 10, 256u << 10) & ~1u;
	a->priv = p;
	a->params = xasprintf("start=%lu step=%lu nonce=%s", p->start, p->step, a->nonce);
	a->inputs = xstrdup(a->params);
}

static char *ceiling_probe_params(struct attempt *a)
{
	struct ceiling_priv *p = a->priv;

	return xasprintf("mode=ceiling ceiling_start=%lu ceiling_step=%lu nonce=%s", p->start,
			 p->step, a->nonce);
}

/* The page allocator's counters once the learner's module is gone. */
static int ceiling_observe(struct attempt *a, struct vm *vm)
{
	attempt_read(a, vm, "counters",
		     "awk '/^pgalloc_/ { n += $2 } END { print \"pgalloc=\" n }' /proc/vmstat; "
		     "awk '/^MemFree:/ { print \"memfree_kb=\" $2 }' /proc/meminfo",
		     10000, 4096, 0, NULL);
	return 0;
}

static void read_report(const struct ktap_doc *d, const char *max_name, struct ceiling_report *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < d->nresults; i++) {
		const struct ktap_result *t = &d->results[i];
		const char *c = t->comment;

		if (!t->ok)
			continue;
		if (!strcmp(t->name, "largest_success")) {
			r->have_largest = ktap_kv_ulong(c, "size", &r->largest) == 1;
			ktap_kv_ulong(c, "order", &r->largest_order);
			ktap_kv_ulong(c, "successes", &r->successes);
		} else if (!strcmp(t->name, "first_failure")) {
			r->have_failure = ktap_kv_ulong(c, "size", &r->failure) == 1;
			ktap_kv_ulong(c, "order", &r->failure_order);
		} else if (!strcmp(t->name, max_name)) {
			r->have_max = ktap_kv_ulong(c, "size", &r->max) == 1;
			ktap_kv_ulong(c, "order", &r->max_order);
		}
	}
}

/* key=value from "# ..." diagnostics or from "key=value" lines. */
static unsigned long long find_ull(char **lines, int n, const char *key)
{
	unsigned long long v = 0;

	for (int i = 0; i < n; i++)
		if (ktap_kv_ulong(lines[i], key, &v) == 1)
			return v;
	return 0;
}

/* The first line of text that holds needle, allocated, or NULL. */
static char *line_with(const char *text, const char *needle)
{
	const char *hit = strstr(text, needle), *bol, *eol;

	if (!hit)
		return NULL;
	for (bol = hit; bol > text && bol[-1] != '\n'; bol--)
		;
	eol = strchr(hit, '\n');
	return xstrndup(bol, eol ? (size_t)(eol - bol) : strlen(bol));
}

static void grade_loop(struct attempt *a, const struct ceiling_report *me,
		       const struct ceiling_report *tr)
{
	struct ceiling_priv *p = a->priv;
	char *exp, *obs, *hint;
	int ok;

	/* largest */
	exp = xasprintf("largest_success size=%llu successes=%llu (start=%lu, +%lu each time)",
			tr->largest, tr->successes, p->start, p->step);
	obs = me->have_largest ? xasprintf("largest_success size=%llu successes=%llu",
					   me->largest, me->successes)
			       : xstrdup("no 'ok 1 largest_success # size=N' line: "
					 "no allocation succeeded");
	ok = me->have_largest && me->largest == tr->largest && me->successes == tr->successes;
	if (!me->have_largest)
		hint = xstrdup("TODO 1: call kmalloc(size, GFP_KERNEL | __GFP_NOWARN) and keep "
			       "the pointer in p; the loop stops at the first NULL");
	else if (me->largest == tr->max && tr->max != tr->largest)
		hint = xasprintf("%llu is the kernel's limit, not a size your loop tried: "
				 "report the last size from start + k * step that kmalloc served",
				 me->largest);
	else if (me->largest == tr->largest)
		hint = xasprintf("count every success once: %llu sizes from %lu to %llu "
				 "succeeded", tr->successes, p->start, tr->largest);
	else
		hint = xasprintf("start at start=%lu, add step=%lu after each success, and "
				 "remember the last size kmalloc served before it returned NULL",
				 p->start, p->step);
	attempt_add(a, "largest", ok, exp, obs, hint);
	free(exp);
	free(obs);
	free(hint);

	/* first_failure */
	exp = xasprintf("first_failure size=%llu", tr->failure);
	obs = me->have_failure ? xasprintf("first_failure size=%llu", me->failure)
			       : xstrdup("no 'ok 2 first_failure # size=N' line");
	ok = me->have_failure && me->failure == tr->failure;
	hint = xasprintf("the first failure is the size kmalloc returned NULL for: one step "
			 "(%lu) past the largest success, %llu here", p->step, tr->failure);
	attempt_add(a, "first_failure", ok, exp, obs, hint);
	free(exp);
	free(obs);
	free(hint);

	/* order */
	exp = xasprintf("largest_success order=%llu, first_failure order=%llu",
			tr->largest_order, tr->failure_order);
	{
		char l[32] = "?", f[32] = "?";

		if (me->have_largest)
			snprintf(l, sizeof(l), "%llu", me->largest_order);
		if (me->have_failure)
			snprintf(f, sizeof(f), "%llu", me->failure_order);
		obs = xasprintf("largest_success order=%s, first_failure order=%s", l, f);
	}
	ok = me->have_largest && me->have_failure && me->largest_order == tr->largest_order &&
	     me->failure_order == tr->failure_order;
	hint = xasprintf("TODO 3: get_order(bytes) is the order of the 2^order-page block "
			 "the page allocator needs: %llu bytes need order %llu, one order more "
			 "than %llu bytes",
			 tr->failure, tr->failure_order, tr->largest);
	attempt_add(a, "order", ok, exp, obs, hint);
	free(exp);
	free(obs);
	free(hint);

	/* max_size: the probe bisected the exact ceiling between the two. */
	exp = xasprintf("kmalloc_max_size size=%llu order=%llu (the largest size kmalloc "
			"served here, found by bisection)",
			tr->max, tr->max_order);
	obs = me->have_max ? xasprintf("kmalloc_max_size size=%llu order=%llu", me->max,
				       me->max_order)
			   : xstrdup("no 'ok 3 kmalloc_max_size # size=N' line");
	ok = me->have_max && me->max == tr->max && me->max_order == tr->max_order;
	attempt_add(a, "max_size", ok, exp, obs,
		    "TODO 4: KMALLOC_MAX_SIZE (from <linux/slab.h>) is the limit, and "
		    "get_order(KMALLOC_MAX_SIZE) its order");
	free(exp);
	free(obs);
}

static void grade_kernel(struct attempt *a, char **truth_diag, int ntruth)
{
	const struct ceiling_priv *p = a->priv;
	char **lines = NULL;
	int nlines = 0;
	unsigned long long loop, end, memfree_end, pgalloc, memfree;
	char *exp, *obs, *warn;
	int ok, seen;

	/* nowarn */
	warn = line_with(strbuf_str(&a->learner.text), "WARNING: ");
	attempt_add(a, "nowarn", !warn, "no WARNING in the kernel log while your module ran",
		    warn ? warn : "no WARNING",
		    "add __GFP_NOWARN to kmalloc's flags (GFP_KERNEL | __GFP_NOWARN): without "
		    "it a request above the limit is reported as a bug, with a stack trace "
		    "through kmalloc_large and __alloc_pages");
	free(warn);

	/* The observed counters, one key=value a line. */
	for (const char *s = attempt_reading(a, "counters"), *nl; *s; s = nl + 1) {
		nl = strchr(s, '\n');
		lines = xrealloc(lines, (size_t)(nlines + 1) * sizeof(*lines));
		lines[nlines++] = xstrndup(s, nl ? (size_t)(nl - s) : strlen(s));
		if (!nl)
			break;
	}
	loop = find_ull(truth_diag, ntruth, "pgalloc_loop");
	end = find_ull(truth_diag, ntruth, "pgalloc_end");
	memfree_end = find_ull(truth_diag, ntruth, "memfree_kb_end");
	pgalloc = find_ull(lines, nlines, "pgalloc");
	memfree = find_ull(lines, nlines, "memfree_kb");
	seen = end && pgalloc >= end && memfree;

	/*
	 * allocated: the learner's identical loop takes the same pages from
	 * the page allocator as the probe's did.  Loading the module and
	 * copying it into the VM only add to the count, so "at least 90% of
	 * the probe's loop" leaves room for noise and none for a module that
	 * printed its numbers without allocating.
	 */
	exp = xasprintf("at least %llu pages allocated while your module ran (the probe's "
			"identical loop took %llu)",
			loop * 9 / 10, loop);
	obs = seen ? xasprintf("%llu pages (/proc/vmstat pgalloc_*)", pgalloc - end)
		   : xstrdup("could not read /proc/vmstat in the lab VM");
	ok = seen && loop && pgalloc - end >= loop * 9 / 10;
	attempt_add(a, "allocated", ok, exp, obs,
		    "really call kmalloc() for every size from start, step by step: the "
		    "grader counts the pages the kernel handed out during your run");
	free(exp);
	free(obs);

	/*
	 * freed: MemFree after the learner's module is unloaded is back where
	 * the probe left it, within start bytes (one block, the smallest the
	 * loop asks for): the module file copied into the VM and per-CPU
	 * page lists move MemFree by far less than that.
	 */
	exp = xasprintf("MemFree back within %lu kB of %llu kB once your module is unloaded",
			p->start / 1024, memfree_end);
	if (!seen)
		obs = xstrdup("could not read /proc/meminfo in the lab VM");
	else if (memfree < memfree_end)
		obs = xasprintf("MemFree %llu kB (%llu kB less)", memfree, memfree_end - memfree);
	else
		obs = xasprintf("MemFree %llu kB (not less)", memfree);
	ok = seen && memfree + p->start / 1024 >= memfree_end;
	attempt_add(a, "freed", ok, exp, obs,
		    "kfree(p) every block that kmalloc served before asking for a bigger one; "
		    "a block whose pointer is lost can never be freed");
	free(exp);
	free(obs);

	for (int i = 0; i < nlines; i++)
		free(lines[i]);
	free(lines);
}

static void ceiling_grade(struct attempt *a)
{
	struct ceiling_report me, tr;

	read_report(&a->report, "kmalloc_max_size", &me);
	read_report(&a->truth_report, "ceiling", &tr);

	attempt_check_ktap(a, 3, "report line");
	grade_loop(a, &me, &tr);
	grade_kernel(a, a->truth_report.diag, a->truth_report.ndiag);
}

const struct checker checker_ceiling = {
	.name = "ceiling",
	.checks = ceiling_checks,
	.prepare = ceiling_prepare,
	.probe_params = ceiling_probe_params,
	.observe = ceiling_observe,
	.grade = ceiling_grade,
};
