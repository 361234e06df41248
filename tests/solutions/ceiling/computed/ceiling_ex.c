// SPDX-License-Identifier: GPL-2.0
/*
 * A wrong solution for the grader's tests: it works out with arithmetic
 * where start + k * step crosses KMALLOC_MAX_SIZE instead of asking the
 * allocator.  Every number is right; only the page allocator's counters
 * show that it never allocated anything.
 */
#define pr_fmt(fmt) fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

static unsigned long start;
module_param(start, ulong, 0444);

static unsigned long step;
module_param(step, ulong, 0444);

static char *nonce = "";
module_param(nonce, charp, 0444);

static int __init ceiling_ex_init(void)
{
	unsigned long n = (KMALLOC_MAX_SIZE - start) / step + 1;
	unsigned long largest = start + (n - 1) * step;
	unsigned long failure = largest + step;

	pr_info("KTAP version 1\n");
	pr_info("# ceiling_ex nonce=%s start=%lu step=%lu\n", nonce, start, step);
	pr_info("1..3\n");
	pr_info("ok 1 largest_success # size=%lu order=%u successes=%lu\n", largest,
		get_order(largest), n);
	pr_info("ok 2 first_failure # size=%lu order=%u\n", failure, get_order(failure));
	pr_info("ok 3 kmalloc_max_size # size=%lu order=%u\n",
		(unsigned long)KMALLOC_MAX_SIZE, get_order(KMALLOC_MAX_SIZE));
	return 0;
}

static void __exit ceiling_ex_exit(void)
{
}

module_init(ceiling_ex_init);
module_exit(ceiling_ex_exit);

MODULE_LICENSE("GPL");
