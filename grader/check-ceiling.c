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
	a->probe_params = xasprintf("mode=ceiling ceiling_start=%lu ceiling_step=%lu nonce=%s",
				    p->start, p->step, a->nonce);
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

/* key=value from one of lines (diagnostics or "key=value" lines), 0 when absent. */
static unsigned long long find_ull(char **lines, int n, const char *key)
{
	unsigned long long v = 0;

	for (int i = 0; i < n; i++)
		if (ktap_kv_ulong(lines[i], key, &v) == 1)
			return v;
	return 0;
}

static void grade_loop(struct attempt *a, const struct ceiling_report *me,
		       const struct ceiling_report *tr)
{
	struct ceiling_priv *p = a->priv;
	char l[32] = "?", f[32] = "?";

	/* largest */
	strbuf_addf(&a->exp, "largest_success size=%llu successes=%llu (start=%lu, +%lu each time)",
		    tr->largest, tr->successes, p->start, p->step);
	if (me->have_largest)
		strbuf_addf(&a->obs, "largest_success size=%llu successes=%llu", me->largest,
			    me->successes);
	else
		strbuf_addstr(&a->obs, "no 'ok 1 largest_success # size=N' line: no allocation "
				      "succeeded");
	if (!me->have_largest)
		strbuf_addstr(&a->hint, "TODO 1: call kmalloc(size, GFP_KERNEL | __GFP_NOWARN) and "
				       "keep the pointer in p; the loop stops at the first NULL");
	else if (me->largest == tr->max && tr->max != tr->largest)
		strbuf_addf(&a->hint, "%llu is the kernel's limit, not a size your loop tried: "
				     "report the last size from start + k * step that kmalloc served",
			    me->largest);
	else if (me->largest == tr->largest)
		strbuf_addf(&a->hint, "count every success once: %llu sizes from %lu to %llu "
				     "succeeded", tr->successes, p->start, tr->largest);
	else
		strbuf_addf(&a->hint, "start at start=%lu, add step=%lu after each success, and "
				     "remember the last size kmalloc served before it returned NULL",
			    p->start, p->step);
	attempt_add_text(a, "largest", me->have_largest && me->largest == tr->largest &&
					       me->successes == tr->successes, NULL);

	/* first_failure */
	strbuf_addf(&a->exp, "first_failure size=%llu", tr->failure);
	if (me->have_failure)
		strbuf_addf(&a->obs, "first_failure size=%llu", me->failure);
	else
		strbuf_addstr(&a->obs, "no 'ok 2 first_failure # size=N' line");
	strbuf_addf(&a->hint, "the first failure is the size kmalloc returned NULL for: one step "
			     "(%lu) past the largest success, %llu here", p->step, tr->failure);
	attempt_add_text(a, "first_failure", me->have_failure && me->failure == tr->failure,
			 NULL);

	/* order */
	strbuf_addf(&a->exp, "largest_success order=%llu, first_failure order=%llu",
		    tr->largest_order, tr->failure_order);
	if (me->have_largest)
		snprintf(l, sizeof(l), "%llu", me->largest_order);
	if (me->have_failure)
		snprintf(f, sizeof(f), "%llu", me->failure_order);
	strbuf_addf(&a->obs, "largest_success order=%s, first_failure order=%s", l, f);
	strbuf_addf(&a->hint, "TODO 3: get_order(bytes) is the order of the 2^order-page block "
			     "the page allocator needs: %llu bytes need order %llu, one order more "
			     "than %llu bytes",
		    tr->failure, tr->failure_order, tr->largest);
	attempt_add_text(a, "order", me->have_largest && me->have_failure &&
					     me->largest_order == tr->largest_order &&
					     me->failure_order == tr->failure_order, NULL);

	/* max_size: the probe bisected the exact ceiling between the two. */
	strbuf_addf(&a->exp, "kmalloc_max_size size=%llu order=%llu (the largest size kmalloc "
			    "served here, found by bisection)",
		    tr->max, tr->max_order);
	if (me->have_max)
		strbuf_addf(&a->obs, "kmalloc_max_size size=%llu order=%llu", me->max, me->max_order);
	else
		strbuf_addstr(&a->obs, "no 'ok 3 kmalloc_max_size # size=N' line");
	attempt_add_text(a, "max_size", me->have_max && me->max == tr->max &&
						me->max_order == tr->max_order,
			 "TODO 4: KMALLOC_MAX_SIZE (from <linux/slab.h>) is the limit, and "
			 "get_order(KMALLOC_MAX_SIZE) its order");
}

static void grade_kernel(struct attempt *a, char **truth_diag, int ntruth)
{
	const struct ceiling_priv *p = a->priv;
	char **lines = NULL;
	int nlines = 0;
	unsigned long long loop, end, memfree_end, pgalloc, memfree;
	char *warn;
	int seen;

	/* nowarn */
	warn = ktap_line_with(strbuf_str(&a->learner.text), "WARNING: ");
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
	strbuf_addf(&a->exp, "at least %llu pages allocated while your module ran (the probe's "
			    "identical loop took %llu)",
		    loop * 9 / 10, loop);
	if (seen)
		strbuf_addf(&a->obs, "%llu pages (/proc/vmstat pgalloc_*)", pgalloc - end);
	else
		strbuf_addstr(&a->obs, "could not read /proc/vmstat in the lab VM");
	attempt_add_text(a, "allocated", seen && loop && pgalloc - end >= loop * 9 / 10,
			 "really call kmalloc() for every size from start, step by step: the "
			 "grader counts the pages the kernel handed out during your run");

	/*
	 * freed: MemFree after the learner's module is unloaded is back where
	 * the probe left it, within start bytes (one block, the smallest the
	 * loop asks for): the module file copied into the VM and per-CPU
	 * page lists move MemFree by far less than that.
	 */
	strbuf_addf(&a->exp, "MemFree back within %lu kB of %llu kB once your module is unloaded",
		    p->start / 1024, memfree_end);
	if (!seen)
		strbuf_addstr(&a->obs, "could not read /proc/meminfo in the lab VM");
	else if (memfree < memfree_end)
		strbuf_addf(&a->obs, "MemFree %llu kB (%llu kB less)", memfree, memfree_end - memfree);
	else
		strbuf_addf(&a->obs, "MemFree %llu kB (not less)", memfree);
	attempt_add_text(a, "freed", seen && memfree + p->start / 1024 >= memfree_end,
			 "kfree(p) every block that kmalloc served before asking for a bigger one; "
			 "a block whose pointer is lost can never be freed");

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
	.observe = ceiling_observe,
	.grade = ceiling_grade,
};
