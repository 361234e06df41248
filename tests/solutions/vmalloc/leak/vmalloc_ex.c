// SPDX-License-Identifier: GPL-2.0
/*
 * vmalloc_ex - a plausible wrong solution of exercise 5 (test only).
 *
 * Frees only the kvmalloc() buffers and forgets the vmalloc() and
 * vzalloc() ones: they outlive the module. The freed check must fail.
 */

/* The grader reads KTAP, whose lines must start at column 0. */
#define pr_fmt(fmt) fmt

#include <linux/init.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

/* PFNs reported per allocation: the first pages are enough to compare. */
#define VMALLOC_EX_MAX_PFNS 8

/* The four allocations, in the order they are reported. */
enum { SLOT_VMALLOC, SLOT_VZALLOC, SLOT_KV_SMALL, SLOT_KV_BIG, NR_SLOTS };

static const char *const slot_names[NR_SLOTS] = {
	"vmalloc", "vzalloc", "kvmalloc_small", "kvmalloc_big",
};

/* Filled in by insmod: how many bytes each allocation asks for. */
static unsigned long vsize, zsize, ksmall, kbig;
module_param(vsize, ulong, 0444);
MODULE_PARM_DESC(vsize, "bytes to vmalloc()");
module_param(zsize, ulong, 0444);
MODULE_PARM_DESC(zsize, "bytes to vzalloc()");
module_param(ksmall, ulong, 0444);
MODULE_PARM_DESC(ksmall, "bytes to kvmalloc(), at most a page");
module_param(kbig, ulong, 0444);
MODULE_PARM_DESC(kbig, "bytes to kvmalloc(), more than kmalloc can give");

/* A fresh token per attempt: it proves the report came from this run. */
static char *nonce = "";
module_param(nonce, charp, 0444);
MODULE_PARM_DESC(nonce, "token from the grader, echoed in the report");

/*
 * Your buffers live here from init until exit, so they are still
 * allocated while the grader reads /proc/vmallocinfo.
 */
static void *bufs[NR_SLOTS];

/*
 * Called once from init. It is neither __init nor inlined on purpose:
 * /proc/vmallocinfo names the function that called vmalloc(), and the
 * kernel frees init code as soon as the module has loaded, which would
 * leave a bare address there instead of "vmalloc_ex_allocate+0x11/0x66
 * [vmalloc_ex]". Keep your allocations in this function.
 */
static noinline void vmalloc_ex_allocate(void)
{
	bufs[SLOT_VMALLOC] = vmalloc(vsize);
	bufs[SLOT_VZALLOC] = vzalloc(zsize);
	bufs[SLOT_KV_SMALL] = kvmalloc(ksmall, GFP_KERNEL);
	bufs[SLOT_KV_BIG] = kvmalloc(kbig, GFP_KERNEL);
}

/* Done for you: the exact line the grader parses. Do not change it. */
static void report_ok(unsigned int test, unsigned long size, const void *p,
		      bool in_vmalloc, unsigned long pages,
		      const unsigned long *pfns, unsigned int nr_pfns)
{
	char list[VMALLOC_EX_MAX_PFNS * 20] = "";
	size_t len = 0;
	unsigned int i;

	for (i = 0; i < nr_pfns; i++)
		len += scnprintf(list + len, sizeof(list) - len, "%s0x%lx",
				 i ? "," : "", pfns[i]);
	/* %px: the real address. Plain %p would print a hashed value. */
	pr_info("ok %u %s # size=%lu addr=%px vmalloc_addr=%d pages=%lu pfns=%s\n",
		test, slot_names[test - 1], size, p, in_vmalloc, pages, list);
}

/* Done for you: the line for a NULL pointer. */
static void report_failed(unsigned int test, unsigned long size)
{
	pr_info("not ok %u %s # size=%lu allocation failed\n", test,
		slot_names[test - 1], size);
}

static int __init vmalloc_ex_init(void)
{
	const unsigned long sizes[NR_SLOTS] = { vsize, zsize, ksmall, kbig };
	unsigned int i;

	if (!vsize || !zsize || !ksmall || !kbig) {
		pr_err("vmalloc_ex: load with vsize=N zsize=N ksmall=N kbig=N\n");
		return -EINVAL;
	}

	vmalloc_ex_allocate();

	pr_info("KTAP version 1\n");
	pr_info("# vmalloc_ex nonce=%s\n", nonce);
	pr_info("1..%u\n", NR_SLOTS);

	for (i = 0; i < NR_SLOTS; i++) {
		unsigned long pfns[VMALLOC_EX_MAX_PFNS] = { 0 };
		unsigned long pages = DIV_ROUND_UP(sizes[i], PAGE_SIZE);
		unsigned int nr_pfns = min_t(unsigned long, pages, VMALLOC_EX_MAX_PFNS);
		char *p = bufs[i];	/* char *: p + n steps n bytes */
		bool in_vmalloc;
		unsigned int j;

		if (!p) {
			report_failed(i + 1, sizes[i]);
			continue;
		}

		/* kvmalloc() decides at run time: only the address tells. */
		in_vmalloc = is_vmalloc_addr(p);

		/*
		 * vmalloc memory is virtually contiguous only: each page has
		 * its own frame, found in the page tables. kmalloc memory sits
		 * in the direct map, where physical = virtual - an offset.
		 */
		for (j = 0; j < nr_pfns; j++)
			pfns[j] = in_vmalloc ? vmalloc_to_pfn(p + j * PAGE_SIZE)
					     : PHYS_PFN(virt_to_phys(p + j * PAGE_SIZE));
		report_ok(i + 1, sizes[i], p, in_vmalloc, pages, pfns, nr_pfns);
	}
	return 0;
}

static void __exit vmalloc_ex_exit(void)
{
	/* Only kvfree() knows whether a kvmalloc() pointer came from kmalloc. */
	kvfree(bufs[SLOT_KV_SMALL]);
	kvfree(bufs[SLOT_KV_BIG]);
}

module_init(vmalloc_ex_init);
module_exit(vmalloc_ex_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab exercise 5: vmalloc, vzalloc, kvmalloc and their pages");
