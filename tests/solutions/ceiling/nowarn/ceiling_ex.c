// SPDX-License-Identifier: GPL-2.0
/*
 * A wrong solution for the grader's tests: the reference solution without
 * __GFP_NOWARN.  Its numbers are right, but the request that fails makes
 * the kernel log a WARNING with a stack trace.
 */

/* The grader reads KTAP, whose lines must start at column 0. */
#define pr_fmt(fmt) fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

static unsigned long start;
module_param(start, ulong, 0444);
MODULE_PARM_DESC(start, "first request size in bytes");

static unsigned long step;
module_param(step, ulong, 0444);
MODULE_PARM_DESC(step, "bytes added to the request after each success");

static char *nonce = "";
module_param(nonce, charp, 0444);
MODULE_PARM_DESC(nonce, "token from the grader, echoed in the report");

static int __init ceiling_ex_init(void)
{
	size_t size, largest = 0;
	unsigned long successes = 0;
	unsigned int largest_order, failed_order, max_order;
	unsigned long max_size;

	if (!start || !step) {
		pr_err("ceiling_ex: load with start=BYTES step=BYTES (both above 0)\n");
		return -EINVAL;
	}

	pr_info("KTAP version 1\n");
	pr_info("# ceiling_ex nonce=%s start=%lu step=%lu\n", nonce, start, step);
	pr_info("1..3\n");

	for (size = start;; size += step) {
		void *p = kmalloc(size, GFP_KERNEL);

		if (!p)
			break;	/* size is the first failure */
		largest = size;
		successes++;
		/* Free it now: holding every block would run the VM dry. */
		kfree(p);
	}

	/* Above 8 KiB kmalloc() takes 2^order pages from the page allocator. */
	largest_order = get_order(largest);
	failed_order = get_order(size);
	max_size = KMALLOC_MAX_SIZE;
	max_order = get_order(KMALLOC_MAX_SIZE);

	if (largest)
		pr_info("ok 1 largest_success # size=%zu order=%u successes=%lu\n",
			largest, largest_order, successes);
	else
		pr_info("not ok 1 largest_success # no allocation succeeded\n");
	pr_info("ok 2 first_failure # size=%zu order=%u\n", size, failed_order);
	pr_info("ok 3 kmalloc_max_size # size=%lu order=%u\n", max_size, max_order);
	return 0;
}

static void __exit ceiling_ex_exit(void)
{
	/* Nothing to free: the loop gave every block back already. */
}

module_init(ceiling_ex_init);
module_exit(ceiling_ex_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab exercise 3: find kmalloc's largest request");
