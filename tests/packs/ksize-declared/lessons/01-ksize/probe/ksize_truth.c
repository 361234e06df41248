// SPDX-License-Identifier: GPL-2.0
/*
 * The truth for the ksize exercise: kmalloc each size, report ksize() as
 * KTAP ("ok N ksize_SIZE # requested=SIZE ksize=REAL"), free it.
 */
#include <linux/module.h>
#include <linux/slab.h>

static unsigned int sizes[16];
static int nr_sizes;
module_param_array(sizes, uint, &nr_sizes, 0444);
static char *nonce = "";
module_param(nonce, charp, 0444);

static int __init ksize_truth_init(void)
{
	int i;

	pr_info("KTAP version 1\n");
	pr_info("1..%d\n", nr_sizes);
	pr_info("# ksize_truth nonce=%s\n", nonce);
	for (i = 0; i < nr_sizes; i++) {
		void *p = kmalloc(sizes[i], GFP_KERNEL);

		if (!p) {
			pr_info("not ok %d ksize_%u # requested=%u\n", i + 1, sizes[i], sizes[i]);
			continue;
		}
		pr_info("ok %d ksize_%u # requested=%u ksize=%zu\n", i + 1, sizes[i], sizes[i],
			ksize(p));
		kfree(p);
	}
	return 0;
}

static void __exit ksize_truth_exit(void)
{
}

module_init(ksize_truth_init);
module_exit(ksize_truth_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksize() of given sizes, as KTAP: the truth of a declared exercise");
