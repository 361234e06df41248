// SPDX-License-Identifier: GPL-2.0
/*
 * mode=ceiling: the ground truth of exercise 3 (kmalloc's ceiling).
 *
 * Runs the learner's loop with the same start and step (kmalloc, kfree,
 * grow by step until kmalloc fails), then bisects between the largest
 * success and the first failure for the exact largest size kmalloc
 * serves.  It also reports the kernel's page counters after everything
 * is freed, so the grader can tell from /proc after the learner's run
 * whether the learner's module really allocated, and freed, that much.
 */
#include "probe.h"

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmstat.h>

static unsigned long ceiling_start;
module_param(ceiling_start, ulong, 0444);
MODULE_PARM_DESC(ceiling_start, "mode=ceiling: first request size in bytes");

static unsigned long ceiling_step;
module_param(ceiling_step, ulong, 0444);
MODULE_PARM_DESC(ceiling_step, "mode=ceiling: bytes added after each success");

/* Pages the page allocator has handed out since boot, all zones. */
static unsigned long pgalloc_total(void)
{
	unsigned long *ev, sum = 0;
	int zid;

	ev = kcalloc(NR_VM_EVENT_ITEMS, sizeof(*ev), GFP_KERNEL);
	if (!ev)
		return 0;
	all_vm_events(ev);
	/* The same indexing as __count_zid_vm_events(PGALLOC, zid, ...). */
	for (zid = 0; zid < MAX_NR_ZONES; zid++)
		sum += ev[PGALLOC_NORMAL - ZONE_NORMAL + zid];
	kfree(ev);
	return sum;
}

/* One try; __GFP_NOWARN because failing is the expected outcome here. */
static bool kmalloc_ok(size_t size)
{
	void *p = kmalloc(size, GFP_KERNEL | __GFP_NOWARN);

	kfree(p);
	return p != NULL;
}

static int probe_ceiling(const struct probe_mode *pm)
{
	unsigned long before, loop_pages, successes = 0, tries = 0;
	size_t size, largest = 0, lo, hi;
	struct sysinfo si;

	if (!ceiling_start || !ceiling_step) {
		pr_err("kmemlab_probe: mode=%s needs ceiling_start=N ceiling_step=N\n",
		       pm->name);
		return -EINVAL;
	}

	probe_begin(pm, 3);

	before = pgalloc_total();
	for (size = ceiling_start; kmalloc_ok(size); size += ceiling_step) {
		largest = size;
		successes++;
	}
	loop_pages = pgalloc_total() - before;

	if (largest)
		pr_info("ok 1 largest_success # size=%zu order=%u successes=%lu\n",
			largest, get_order(largest), successes);
	else
		pr_info("not ok 1 largest_success # no allocation succeeded\n");
	pr_info("ok 2 first_failure # size=%zu order=%u\n", size, get_order(size));

	/* kmalloc(lo) succeeds and kmalloc(hi) fails: halve the gap. */
	lo = largest;
	hi = size;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		tries++;
		if (kmalloc_ok(mid))
			lo = mid;
		else
			hi = mid;
	}
	pr_info("ok 3 ceiling # size=%zu order=%u tries=%lu\n", lo, get_order(lo), tries);

	si_meminfo(&si);
	pr_info("# pgalloc_loop=%lu pgalloc_end=%lu memfree_kb_end=%lu\n", loop_pages,
		pgalloc_total(), si.freeram * (si.mem_unit / 1024));
	return 0;
}

const struct probe_mode probe_mode_ceiling = {
	.name = "ceiling",
	.run = probe_ceiling,
};
