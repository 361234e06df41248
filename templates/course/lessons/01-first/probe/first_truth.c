// SPDX-License-Identifier: GPL-2.0
/*
 * The exercise's ground truth, measured in the same lab VM as the
 * learner's module: ksize() of one kmalloc(size), as a KTAP report.
 * Declared grading compares the learner's results with these (truth.KEY
 * in lesson.json is KEY= of the probe's result of the same number).
 */
#include <linux/module.h>
#include <linux/slab.h>

static unsigned int size = 64;
module_param(size, uint, 0444);
static char *nonce = "";
module_param(nonce, charp, 0444);

static int __init first_truth_init(void)
{
	void *p = kmalloc(size, GFP_KERNEL);

	pr_info("KTAP version 1\n1..1\n# first_truth nonce=%s\n", nonce);
	if (!p)
		return -ENOMEM;
	pr_info("ok 1 object # size=%u ksize=%zu\n", size, ksize(p));
	kfree(p);
	return 0;
}

static void __exit first_truth_exit(void)
{
}

module_init(first_truth_init);
module_exit(first_truth_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("the example course's probe: ksize() of one size");
