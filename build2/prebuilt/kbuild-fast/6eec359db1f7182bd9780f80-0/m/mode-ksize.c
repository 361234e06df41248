// SPDX-License-Identifier: GPL-2.0
/*
 * mode=ksize: ksize() of kmalloc(size) for each of sizes=..., the ground
 * truth of exercise 1.
 */
#include "probe.h"

#include <linux/slab.h>

#define PROBE_MAX_SIZES 32

static unsigned int sizes[PROBE_MAX_SIZES];
static unsigned int nr_sizes;
module_param_array(sizes, uint, &nr_sizes, 0444);
MODULE_PARM_DESC(sizes, "mode=ksize: request sizes in bytes, up to 32");

static int probe_ksize(const struct probe_mode *pm)
{
	unsigned int i;

	if (!nr_sizes) {
		pr_err("kmemlab_probe: mode=%s needs sizes=N[,N...]\n",
		       pm->name);
		return -EINVAL;
	}

	probe_begin(pm, nr_sizes);
	for (i = 0; i < nr_sizes; i++) {
		/*
		 * __GFP_NOWARN: a size too big for kmalloc is a result to
		 * report, not a kernel warning with a stack trace in the log.
		 */
		void *p = kmalloc(sizes[i], GFP_KERNEL | __GFP_NOWARN);

		if (!p) {
			pr_info("not ok %u ksize_%u # kmalloc failed\n",
				i + 1, sizes[i]);
			continue;
		}
		pr_info("ok %u ksize_%u # requested=%u ksize=%zu\n",
			i + 1, sizes[i], sizes[i], ksize(p));
		kfree(p);
	}
	return 0;
}

const struct probe_mode probe_mode_ksize = {
	.name = "ksize",
	.run = probe_ksize,
};
