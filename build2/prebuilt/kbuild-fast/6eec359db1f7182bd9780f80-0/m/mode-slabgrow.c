// SPDX-License-Identifier: GPL-2.0
/*
 * mode=slabgrow: the ground truth of exercise 2 (which slabs grow).
 *
 * kmallocs slabgrow_count objects of slabgrow_size bytes and keeps them
 * until the module is unloaded, so one kmalloc-N cache grows by a known
 * amount while the learner's program reads /proc/slabinfo.  The report
 * gives ksize() of one object: the grader matches it against the objsize
 * column of the cache that grew, and the page size.
 */
#include "probe.h"

#include <linux/slab.h>

static unsigned int slabgrow_size;
module_param(slabgrow_size, uint, 0444);
MODULE_PARM_DESC(slabgrow_size, "mode=slabgrow: bytes per object (1..8192)");

static unsigned int slabgrow_count;
module_param(slabgrow_count, uint, 0444);
MODULE_PARM_DESC(slabgrow_count, "mode=slabgrow: objects to allocate and hold");

static void **held;
static unsigned int nr_held;

static void slabgrow_exit(void)
{
	unsigned int i;

	for (i = 0; i < nr_held; i++)
		kfree(held[i]);
	kvfree(held);
	held = NULL;
	nr_held = 0;
}

static int probe_slabgrow(const struct probe_mode *pm)
{
	unsigned int i;

	/* Above 8 KiB the page allocator serves kmalloc: no cache would grow. */
	if (!slabgrow_size || slabgrow_size > 8192 || !slabgrow_count ||
	    slabgrow_count > 1000000) {
		pr_err("kmemlab_probe: mode=%s needs slabgrow_size=1..8192 slabgrow_count=1..1000000\n",
		       pm->name);
		return -EINVAL;
	}
	/* The pointer array itself must not land in the cache being measured. */
	held = kvmalloc_array(slabgrow_count, sizeof(*held), GFP_KERNEL | __GFP_ZERO);
	if (!held)
		return -ENOMEM;
	for (i = 0; i < slabgrow_count; i++) {
		held[i] = kmalloc(slabgrow_size, GFP_KERNEL);
		if (!held[i])
			break;
		nr_held++;
	}
	probe_begin(pm, 1);
	if (nr_held < slabgrow_count) {
		pr_info("not ok 1 slabgrow # size=%u count=%u held=%u\n", slabgrow_size,
			slabgrow_count, nr_held);
	} else {
		/* The page size turns slabinfo's pagesperslab into bytes. */
		pr_info("ok 1 slabgrow # size=%u count=%u ksize=%zu page_size=%lu\n",
			slabgrow_size, slabgrow_count, ksize(held[0]), PAGE_SIZE);
	}
	return 0;
}

const struct probe_mode probe_mode_slabgrow = {
	.name = "slabgrow",
	.run = probe_slabgrow,
	.exit = slabgrow_exit,
};
