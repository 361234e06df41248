/*
 * Exercise 1, ksize: the learner's module kmallocs random sizes and
 * reports ksize(), wasted bytes and the waste percentage.  Ground truth is
 * the probe calling ksize() on the same sizes in the same VM, with
 * /sys/kernel/slab/kmalloc-N/object_size to name the cache in hints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ktap.h"

#define NSIZES 6

struct ksize_priv {
	unsigned sizes[NSIZES];
};

static const char *const ksize_checks[] = { "ktap", "nonce", "sizes", "ksize", "waste", NULL };

/*
 * One size from each region that teaches something: a size class that is
 * not a power of two (96 or 192), a small one, mid-sized and near-page
 * ones, one the page allocator serves, and one anywhere.  A solution that
 * rounds up to a power of two, or prints remembered numbers, fails.
 */
static void ksize_prepare(struct attempt *a)
{
	struct ksize_priv *p = xcalloc(1, sizeof(*p));
	struct strbuf sb = STRBUF_INIT;

	p->sizes[0] = attempt_random(a, 0, 1) ? attempt_random(a, 65, 95) : attempt_random(a, 129, 191);
	p->sizes[1] = attempt_random(a, 1, 64);
	p->sizes[2] = attempt_random(a, 193, 4096);
	p->sizes[3] = attempt_random(a, 4097, 8192);
	p->sizes[4] = attempt_random(a, 8193, 131072);
	p->sizes[5] = attempt_random(a, 1, 16384);
	for (int i = NSIZES - 1; i > 0; i--) {
		int j = (int)attempt_random(a, 0, (uint32_t)i);
		unsigned t = p->sizes[i];

		p->sizes[i] = p->sizes[j];
		p->sizes[j] = t;
	}
	for (int i = 0; i < NSIZES; i++)
		strbuf_addf(&sb, "%s%u", i ? "," : "", p->sizes[i]);
	a->priv = p;
	a->params = xasprintf("sizes=%s nonce=%s", sb.buf, a->nonce);
	a->inputs = xstrdup(a->params);
	a->probe_params = xasprintf("mode=ksize sizes=%s nonce=%s", sb.buf, a->nonce);
	strbuf_release(&sb);
}

static int ksize_observe(struct attempt *a, struct vm *vm)
{
	attempt_read(a, vm, "kmalloc_caches",
		     "cd /sys/kernel/slab && for c in kmalloc-[0-9]*; do "
		     "echo $c $(cat $c/object_size); done",
		     10000, 64 << 10, 0, NULL);
	return 0;
}

/* The kmalloc cache that serves size, from the VM's own sysfs. */
static void cache_for(const char *caches, unsigned size, char *out, size_t n)
{
	unsigned best = 0;
	char best_name[64] = "";

	for (const char *p = caches; p && *p;) {
		char name[64];
		unsigned obj;

		if (sscanf(p, "%63s %u", name, &obj) == 2 && obj >= size && (!best || obj < best)) {
			best = obj;
			snprintf(best_name, sizeof(best_name), "%s", name);
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (best)
		snprintf(out, n, "%s (object_size %u)", best_name, best);
	else
		snprintf(out, n, "the page allocator (above the largest kmalloc cache)");
}

static void ksize_grade(struct attempt *a)
{
	struct ksize_priv *p = a->priv;
	const struct ktap_doc *mine = &a->report, *truth = &a->truth_report;
	unsigned long long want[NSIZES] = { 0 };
	int ok;

	for (int i = 0; i < NSIZES && i < truth->nresults; i++)
		ktap_kv_ulong(truth->results[i].comment, "ksize", &want[i]);

	attempt_check_ktap(a, NSIZES, "size");

	/* sizes */
	ok = mine->nresults == NSIZES;
	for (int i = 0; i < NSIZES; i++)
		strbuf_addf(&a->exp, "%s%u", i ? "," : "requested=", p->sizes[i]);
	strbuf_addstr(&a->obs, "requested=");
	for (int i = 0; i < mine->nresults; i++) {
		unsigned long long req = 0;
		int got = ktap_kv_ulong(mine->results[i].comment, "requested", &req);

		if (i)
			strbuf_addch(&a->obs, ',');
		if (got == 1)
			strbuf_addf(&a->obs, "%llu", req);
		else
			strbuf_addch(&a->obs, '?');
		if (i >= NSIZES || got != 1 || req != p->sizes[i] || !mine->results[i].ok ||
		    mine->results[i].number != i + 1)
			ok = 0;
	}
	if (mine->missing)
		strbuf_addf(&a->obs, " (%d planned results missing)", mine->missing);
	attempt_add_text(a, "sizes", ok,
			 "report every size from the sizes= parameter, in order, as 'ok N ...'");

	/* ksize */
	ok = mine->nresults == NSIZES;
	for (int i = 0; i < NSIZES; i++) {
		unsigned long long got = 0;
		int have = i < mine->nresults &&
			   ktap_kv_ulong(mine->results[i].comment, "ksize", &got) == 1;

		strbuf_addf(&a->exp, "%s%u->%llu", i ? " " : "", p->sizes[i], want[i]);
		if (have)
			strbuf_addf(&a->obs, "%s%u->%llu", i ? " " : "", p->sizes[i], got);
		else
			strbuf_addf(&a->obs, "%s%u->?", i ? " " : "", p->sizes[i]);
		if (!have || got != want[i]) {
			if (ok || !a->hint.len) {
				char cache[128];

				cache_for(attempt_reading(a, "kmalloc_caches"), p->sizes[i], cache,
					  sizeof(cache));
				strbuf_reset(&a->hint);
				strbuf_addf(&a->hint, "call ksize() on the pointer kmalloc returned: "
						     "%u bytes come from %s here",
					    p->sizes[i], cache);
			}
			ok = 0;
		}
	}
	attempt_add_text(a, "ksize", ok, NULL);

	/* waste */
	ok = mine->nresults == NSIZES;
	for (int i = 0; i < NSIZES; i++) {
		unsigned long long w = want[i] - p->sizes[i];
		unsigned long long pct = want[i] ? w * 100 / want[i] : 0;
		unsigned long long gw = 0, gp = 0;
		int have = i < mine->nresults &&
			   ktap_kv_ulong(mine->results[i].comment, "wasted", &gw) == 1 &&
			   ktap_kv_ulong(mine->results[i].comment, "waste_pct", &gp) == 1;

		strbuf_addf(&a->exp, "%s%u:%llu/%llu%%", i ? " " : "", p->sizes[i], w, pct);
		if (have)
			strbuf_addf(&a->obs, "%s%u:%llu/%llu%%", i ? " " : "", p->sizes[i], gw, gp);
		else
			strbuf_addf(&a->obs, "%s%u:?", i ? " " : "", p->sizes[i]);
		if (!have || gw != w || gp != pct)
			ok = 0;
	}
	attempt_add_text(a, "waste", ok,
			 "wasted = ksize - requested; waste_pct = wasted * 100 / ksize "
			 "(multiply first, integer division)");
}

const struct checker checker_ksize = {
	.name = "ksize",
	.checks = ksize_checks,
	.prepare = ksize_prepare,
	.observe = ksize_observe,
	.grade = ksize_grade,
};
