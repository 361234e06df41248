// SPDX-License-Identifier: GPL-2.0
/*
 * ksize_ex - kmemlab exercise 1: measure kmalloc's rounding with ksize().
 *
 * The grader loads this module with a list of sizes, for example
 *
 *	insmod ksize_ex.ko sizes=160,65 nonce=abc
 *
 * and expects one KTAP line per size:
 *
 *	ok 1 size_160 # requested=160 ksize=192 wasted=32 waste_pct=16
 *
 * The printing is done for you. Your job is the four TODOs: allocate,
 * measure, compute, free. Until then the module loads and prints
 * ksize=0 for every size, which the grader marks as wrong.
 */

/* The grader reads KTAP, whose lines must start at column 0. */
#define pr_fmt(fmt) fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#define KSIZE_EX_MAX_SIZES 32

/* Filled in by insmod from sizes=...; nr_sizes says how many were given. */
static unsigned int sizes[KSIZE_EX_MAX_SIZES];
static unsigned int nr_sizes;
module_param_array(sizes, uint, &nr_sizes, 0444);
MODULE_PARM_DESC(sizes, "request sizes in bytes, up to 32");

/* A fresh token per attempt: it proves the report came from this run. */
static char *nonce = "";
module_param(nonce, charp, 0444);
MODULE_PARM_DESC(nonce, "token from the grader, echoed in the report");

/*
 * Your buffers live here from init until exit, so they are still
 * allocated while the grader looks at the kernel's slab caches.
 * __maybe_unused only silences "defined but not used" until TODO 1.
 */
static void *bufs[KSIZE_EX_MAX_SIZES] __maybe_unused;

/* Done for you: the exact line the grader parses. Do not change it. */
static void report_ok(unsigned int test, unsigned int size, size_t real,
		      size_t wasted, size_t waste_pct)
{
	pr_info("ok %u size_%u # requested=%u ksize=%zu wasted=%zu waste_pct=%zu\n",
		test, size, size, real, wasted, waste_pct);
}

/*
 * Done for you: call it when kmalloc() returns NULL (TODO 1).
 * __maybe_unused again, until TODO 1 calls it.
 */
static void __maybe_unused report_failed(unsigned int test, unsigned int size)
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
		size_t real = 0;	/* TODO 2 sets this */
		size_t wasted = 0;	/* TODO 3 sets this */
		size_t waste_pct = 0;	/* TODO 3 sets this */

		/*
		 * TODO 1: allocate @size bytes with kmalloc() and store the
		 * pointer in bufs[i], so ksize_ex_exit() can free it.
		 *
		 * Pass GFP_KERNEL as the flags: "an ordinary kernel
		 * allocation, which may sleep while the kernel finds memory".
		 * Sleeping is allowed here because module init runs in
		 * process context (insmod) and holds no spinlock.
		 *
		 * kmalloc() returns NULL when it fails. Then call
		 * report_failed(i + 1, size) and `continue` to the next size.
		 */

		/*
		 * TODO 2: set @real to ksize(bufs[i]).
		 *
		 * kmalloc() does not carve out exactly @size bytes: it takes
		 * an object from the smallest kmalloc-N cache that fits (160
		 * bytes come from kmalloc-192), or whole pages above 8192
		 * bytes. ksize() exists to tell you how big the block you
		 * got really is.
		 */

		/*
		 * TODO 3: compute the internal fragmentation:
		 *
		 *	wasted    = real - size
		 *	waste_pct = wasted * 100 / real   (integer division)
		 *
		 * Multiply before dividing, or small ratios become 0.
		 * Careful: kmalloc(0) succeeds and ksize() of it is 0, so
		 * only divide when real is not 0 (use 0% otherwise).
		 */

		report_ok(i + 1, size, real, wasted, waste_pct);
	}
	return 0;
}

static void __exit ksize_ex_exit(void)
{
	/*
	 * TODO 4: kfree() every buffer you kept in bufs[] (the first
	 * nr_sizes entries). kfree(NULL) does nothing, so slots where
	 * kmalloc() failed need no special case. Memory a module forgets
	 * to free is never reclaimed: it leaks until the next reboot.
	 */
}

module_init(ksize_ex_init);
module_exit(ksize_ex_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab exercise 1: measure kmalloc rounding with ksize()");
