// SPDX-License-Identifier: GPL-2.0
/*
 * vmalloc_ex - kmemlab exercise 5: vmalloc, vzalloc, kvmalloc and vfree.
 *
 * The grader loads this module with four sizes, for example
 *
 *	insmod vmalloc_ex.ko vsize=10000 zsize=20000 ksmall=300 kbig=5000000 nonce=abc
 *
 * and expects one KTAP line per allocation: the pointer, whether it is a
 * vmalloc address, and the page frame number (PFN) of each of its first
 * pages (at most 8):
 *
 *	ok 1 vmalloc # size=10000 addr=ffffd0c6005f4000 vmalloc_addr=1 pages=3 pfns=0x371c,0x371b,0x371a
 *
 * While the module is loaded the grader reads /proc/vmallocinfo and looks
 * for your areas there, and after rmmod it checks that they are gone.
 *
 * The printing is done for you. Your job is the four TODOs: allocate,
 * classify, find the pages, free. Until then every allocation is NULL and
 * the module reports "allocation failed" four times.
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
	/*
	 * TODO 1: make the four allocations and keep the pointers:
	 *
	 *	bufs[SLOT_VMALLOC]  vmalloc() of vsize bytes
	 *	bufs[SLOT_VZALLOC]  vzalloc() of zsize bytes (vmalloc, zeroed)
	 *	bufs[SLOT_KV_SMALL] kvmalloc() of ksmall bytes, GFP_KERNEL
	 *	bufs[SLOT_KV_BIG]   kvmalloc() of kbig bytes, GFP_KERNEL
	 *
	 * vmalloc() takes no GFP flags: it always may sleep. kvmalloc()
	 * tries kmalloc() first and falls back to vmalloc() only when
	 * kmalloc() cannot serve the size. Each returns NULL on failure;
	 * init reports a NULL slot as "allocation failed".
	 */
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
		bool in_vmalloc = false;	/* TODO 2 sets this */
		unsigned int j;

		if (!p) {
			report_failed(i + 1, sizes[i]);
			continue;
		}

		/*
		 * TODO 2: set @in_vmalloc to is_vmalloc_addr(p).
		 *
		 * Do not guess from the slot: kvmalloc() decides at run
		 * time whether kmalloc() can serve the size, and only the
		 * address tells which one did.
		 */

		for (j = 0; j < nr_pfns; j++) {
			/*
			 * TODO 3: set pfns[j] to the frame number of the page
			 * at p + j * PAGE_SIZE.
			 *
			 * vmalloc memory is contiguous only in virtual
			 * addresses: vmalloc() takes single pages from
			 * anywhere and maps them side by side, so only the
			 * page tables know where each one is. Ask them with
			 * vmalloc_to_pfn().
			 *
			 * kmalloc memory lives in the direct map, where
			 * physical = virtual - a fixed offset: there the
			 * frame is PHYS_PFN(virt_to_phys(addr)). That sum is
			 * meaningless for a vmalloc address.
			 */
		}
		report_ok(i + 1, sizes[i], p, in_vmalloc, pages, pfns, nr_pfns);
	}
	return 0;
}

static void __exit vmalloc_ex_exit(void)
{
	/*
	 * TODO 4: free the four buffers. vfree() takes what vmalloc() and
	 * vzalloc() returned; a kvmalloc() pointer may be either kind, so
	 * it goes to kvfree(), which checks. vfree() of kmalloc memory
	 * makes the kernel log a WARNING. All of them accept NULL.
	 */
}

module_init(vmalloc_ex_init);
module_exit(vmalloc_ex_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab exercise 5: vmalloc, vzalloc, kvmalloc and their pages");
