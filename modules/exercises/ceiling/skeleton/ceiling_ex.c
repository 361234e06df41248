// SPDX-License-Identifier: GPL-2.0
/*
 * ceiling_ex - kmemlab exercise 3: find the largest request kmalloc serves.
 *
 * The grader loads this module with a start size and a step, for example
 *
 *	insmod ceiling_ex.ko start=1500001 step=100000 nonce=abc
 *
 * Your module asks kmalloc() for start bytes, then start + step, then
 * start + 2 * step, ... until kmalloc() returns NULL, and reports:
 *
 *	ok 1 largest_success # size=4100001 order=10 successes=27
 *	ok 2 first_failure # size=4200001 order=11
 *	ok 3 kmalloc_max_size # size=4194304 order=10
 *
 * The loop and the printing are written for you. Your job is the four
 * TODOs. Until then kmalloc() is never called, so the module reports that
 * nothing succeeded, which the grader marks as wrong.
 */

/* The grader reads KTAP, whose lines must start at column 0. */
#define pr_fmt(fmt) fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

/* Filled in by insmod: a different start and step on every attempt. */
static unsigned long start;
module_param(start, ulong, 0444);
MODULE_PARM_DESC(start, "first request size in bytes");

static unsigned long step;
module_param(step, ulong, 0444);
MODULE_PARM_DESC(step, "bytes added to the request after each success");

/* A fresh token per attempt: it proves the report came from this run. */
static char *nonce = "";
module_param(nonce, charp, 0444);
MODULE_PARM_DESC(nonce, "token from the grader, echoed in the report");

static int __init ceiling_ex_init(void)
{
	size_t size, largest = 0;
	unsigned long successes = 0;
	unsigned int largest_order = 0;	/* TODO 3 sets this */
	unsigned int failed_order = 0;	/* TODO 3 sets this */
	unsigned long max_size = 0;	/* TODO 4 sets this */
	unsigned int max_order = 0;	/* TODO 4 sets this */

	if (!start || !step) {
		pr_err("ceiling_ex: load with start=BYTES step=BYTES (both above 0)\n");
		return -EINVAL;
	}

	pr_info("KTAP version 1\n");
	pr_info("# ceiling_ex nonce=%s start=%lu step=%lu\n", nonce, start, step);
	pr_info("1..3\n");

	for (size = start;; size += step) {
		void *p = NULL;

		/*
		 * TODO 1: p = kmalloc(size, flags).
		 *
		 * The flags are GFP_KERNEL (an ordinary allocation that may
		 * sleep: fine in module init) plus __GFP_NOWARN, joined with
		 * '|'. Without __GFP_NOWARN a request above kmalloc's limit
		 * is treated as a bug in the caller: the kernel prints a
		 * WARNING with a stack trace, and the grader fails the run.
		 * Here failing is the expected end of the loop, so say so.
		 */

		if (!p)
			break;	/* size is the first failure */

		/*
		 * TODO 2: it worked. Remember size in largest, count it in
		 * successes, and kfree(p) before the next, bigger, try.
		 * Keeping the blocks instead would eat the VM's memory (and
		 * they could never be freed later: you lose the pointer).
		 */
	}

	/*
	 * TODO 3: above 8 KiB kmalloc() takes whole blocks of 2^order pages
	 * from the page allocator. get_order(bytes) gives that order: set
	 * largest_order = get_order(largest) and failed_order =
	 * get_order(size). Compare the two: that is where the limit lies.
	 */

	/*
	 * TODO 4: <linux/slab.h> names the limit: set max_size to
	 * KMALLOC_MAX_SIZE and max_order to get_order(KMALLOC_MAX_SIZE).
	 */

	/* Done for you: the lines the grader parses. Do not change them. */
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
