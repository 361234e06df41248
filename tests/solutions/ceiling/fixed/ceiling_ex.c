// SPDX-License-Identifier: GPL-2.0
/*
 * A wrong solution for the grader's tests: it prints the limit remembered
 * from the lesson (4 MiB, one byte more fails) without allocating at all.
 */
#define pr_fmt(fmt) fmt

#include <linux/module.h>
#include <linux/moduleparam.h>

static unsigned long start;
module_param(start, ulong, 0444);

static unsigned long step;
module_param(step, ulong, 0444);

static char *nonce = "";
module_param(nonce, charp, 0444);

static int __init ceiling_ex_init(void)
{
	pr_info("KTAP version 1\n");
	pr_info("# ceiling_ex nonce=%s start=%lu step=%lu\n", nonce, start, step);
	pr_info("1..3\n");
	pr_info("ok 1 largest_success # size=4194304 order=10 successes=1\n");
	pr_info("ok 2 first_failure # size=4194305 order=11\n");
	pr_info("ok 3 kmalloc_max_size # size=4194304 order=10\n");
	return 0;
}

static void __exit ceiling_ex_exit(void)
{
}

module_init(ceiling_ex_init);
module_exit(ceiling_ex_exit);

MODULE_LICENSE("GPL");
