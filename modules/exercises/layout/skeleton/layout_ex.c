// SPDX-License-Identifier: GPL-2.0
/*
 * layout_ex - kmemlab exercise 7: the kernel's address space on x86_64.
 *
 * The grader loads this module with two sizes and a nonce, for example
 *
 *	insmod layout_ex.ko kbytes=300 vbytes=20000 nonce=abc
 *
 * and expects one KTAP line per region boundary, then one per sample
 * address with the region it lies in:
 *
 *	ok 1 page_offset # addr=ffff8d0140000000
 *	...
 *	ok 9 kmalloc # addr=ffff8d0142918c00 region=direct_map
 *
 * The grader compares them with /proc/kcore's program headers,
 * /proc/kallsyms and /proc/meminfo read in the same VM.
 *
 * The printing is done for you. Your job is the four TODOs: the region
 * boundaries, the samples, the classification and the cleanup. Until
 * then every value is 0 and every region "other".
 */

/* The grader reads KTAP, whose lines must start at column 0. */
#define pr_fmt(fmt) fmt

#include <linux/init.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

/* Filled in by insmod: the sizes of the two buffers you allocate. */
static unsigned int kbytes = 64;
module_param(kbytes, uint, 0444);
MODULE_PARM_DESC(kbytes, "bytes to kmalloc() for the kmalloc sample");
static unsigned int vbytes = 8192;
module_param(vbytes, uint, 0444);
MODULE_PARM_DESC(vbytes, "bytes to vmalloc() for the vmalloc sample");

/* A fresh token per attempt: it proves the report came from this run. */
static char *nonce = "";
module_param(nonce, charp, 0444);
MODULE_PARM_DESC(nonce, "token from the grader, echoed in the report");

/* The region boundaries, in the order they are reported. */
enum {
	B_PAGE_OFFSET, B_VMALLOC_START, B_VMALLOC_END, B_VMEMMAP_START,
	B_MODULES_VADDR, B_MODULES_END, B_KERNEL_TEXT, NR_BOUNDS
};
static const char *const bound_names[NR_BOUNDS] = {
	"page_offset", "vmalloc_start", "vmalloc_end", "vmemmap_start",
	"modules_vaddr", "modules_end", "kernel_text",
};

/* The sample addresses, reported after the boundaries. */
enum {
	S_MODULE_GLOBAL, S_KMALLOC, S_VMALLOC, S_STACK, S_STRUCT_PAGE,
	S_KERNEL_FUNC, NR_SAMPLES
};
static const char *const sample_names[NR_SAMPLES] = {
	"module_global", "kmalloc", "vmalloc", "stack", "struct_page",
	"kernel_func",
};

/* Your two buffers, kept until exit. */
static void *kbuf __maybe_unused;
static void *vbuf __maybe_unused;

/* A variable of this module: the module_global sample is its address. */
static int layout_ex_global __maybe_unused = 1;

/*
 * Done for you: the address of _text, the first byte of the kernel's
 * code. _text is not exported to modules: name it and the build stops
 * with 'ERROR: modpost: "_text" [...] undefined!'. kallsyms still answers
 * the opposite question, "what is at this address?": sprint_symbol()
 * prints a symbol name for any address inside the kernel image and a bare
 * "0x..." number below it. So the first address it names is _text: a
 * binary search finds it between the bottom of the kernel text mapping
 * (__START_KERNEL_map, where nothing is) and a kernel function.
 */
static unsigned long __maybe_unused kernel_text_start(void)
{
	static char sym[KSYM_SYMBOL_LEN];
	unsigned long lo = __START_KERNEL_map;
	unsigned long hi = (unsigned long)sprint_symbol;

	while (hi - lo > 1) {
		unsigned long mid = lo + (hi - lo) / 2;

		sprint_symbol(sym, mid);
		if (strncmp(sym, "0x", 2))
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/*
 * TODO 3: return the name of the region that holds @addr:
 *
 *	"direct_map"  PAGE_OFFSET up to high_memory (all of RAM, mapped 1:1)
 *	"vmalloc"     VMALLOC_START to VMALLOC_END (VMALLOC_END is the last
 *	              byte, not one past it)
 *	"vmemmap"     VMEMMAP_START up to the struct page of the last page
 *	              frame: (unsigned long)virt_to_page(high_memory)
 *	"kernel_text" __START_KERNEL_map up to MODULES_VADDR (the kernel
 *	              image is in there, wherever KASLR put it)
 *	"modules"     MODULES_VADDR up to MODULES_END
 *	"other"       anything else
 *
 * Check both ends of every range: "addr >= PAGE_OFFSET" alone is true
 * for every one of these regions.
 */
static const char *region_of(unsigned long addr)
{
	return "other";
}

/* Done for you: the exact lines the grader parses. Do not change them. */
static void report_bound(unsigned int test, unsigned long value)
{
	pr_info("ok %u %s # addr=%016lx\n", test, bound_names[test - 1], value);
}

static void report_sample(unsigned int test, unsigned int sample, const void *p)
{
	/* %px: the real address. Plain %p would print a hashed value. */
	pr_info("ok %u %s # addr=%px region=%s\n", test, sample_names[sample], p,
		region_of((unsigned long)p));
}

static int __init layout_ex_init(void)
{
	unsigned long bounds[NR_BOUNDS] = { 0 };
	const void *samples[NR_SAMPLES] = { NULL };
	int local __maybe_unused = 0;	/* a variable on this function's stack */
	unsigned int i;

	/*
	 * TODO 1: fill in bounds[]. The first six are macros from
	 * <asm/pgtable_64_types.h> (included by <linux/mm.h>): PAGE_OFFSET,
	 * VMALLOC_START, VMALLOC_END, VMEMMAP_START, MODULES_VADDR and
	 * MODULES_END. On this kernel the first three and VMEMMAP_START are
	 * variables set at boot, because KASLR moves those regions on every
	 * boot. bounds[B_KERNEL_TEXT] is kernel_text_start().
	 */

	/*
	 * TODO 2: allocate the two buffers and fill in samples[]:
	 *
	 *	S_MODULE_GLOBAL  &layout_ex_global
	 *	S_KMALLOC        kbuf = kmalloc(kbytes, GFP_KERNEL)
	 *	S_VMALLOC        vbuf = vmalloc(vbytes)
	 *	S_STACK          &local
	 *	S_STRUCT_PAGE    virt_to_page(kbuf): the struct page that
	 *	                 describes kbuf's page frame
	 *	S_KERNEL_FUNC    a function of the kernel itself, e.g. kfree
	 *
	 * The samples are the pointers themselves (kbuf, not &kbuf). If an
	 * allocation fails, free what you got and return -ENOMEM.
	 */

	pr_info("KTAP version 1\n");
	pr_info("# layout_ex nonce=%s\n", nonce);
	pr_info("1..%u\n", NR_BOUNDS + NR_SAMPLES);
	for (i = 0; i < NR_BOUNDS; i++)
		report_bound(i + 1, bounds[i]);
	for (i = 0; i < NR_SAMPLES; i++)
		report_sample(NR_BOUNDS + i + 1, i, samples[i]);
	return 0;
}

static void __exit layout_ex_exit(void)
{
	/* TODO 4: free the two buffers (kfree() and vfree() accept NULL). */
}

module_init(layout_ex_init);
module_exit(layout_ex_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab exercise 7: the kernel's address space on x86_64");
