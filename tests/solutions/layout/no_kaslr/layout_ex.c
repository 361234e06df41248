// SPDX-License-Identifier: GPL-2.0
/*
 * layout_ex - a plausible wrong solution of exercise 7 (test only).
 *
 * Reports where the kernel was linked (__START_KERNEL) as its text
 * start, forgetting that KASLR moves it. The bounds check must fail.
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
static void *kbuf;
static void *vbuf;

/* A variable of this module: the module_global sample is its address. */
static int layout_ex_global = 1;

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
 * Both ends of every range: "addr >= PAGE_OFFSET" alone holds for every
 * region here. VMALLOC_END is the last byte of its range, the other ends
 * are one past it.
 */
static const char *region_of(unsigned long addr)
{
	if (addr >= PAGE_OFFSET && addr < (unsigned long)high_memory)
		return "direct_map";
	if (addr >= VMALLOC_START && addr <= VMALLOC_END)
		return "vmalloc";
	/* One struct page per page frame, up to the last one. */
	if (addr >= VMEMMAP_START && addr < (unsigned long)virt_to_page(high_memory))
		return "vmemmap";
	if (addr >= __START_KERNEL_map && addr < MODULES_VADDR)
		return "kernel_text";
	if (addr >= MODULES_VADDR && addr < MODULES_END)
		return "modules";
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
	int local = 0;	/* a variable on this function's stack */
	unsigned int i;

	bounds[B_PAGE_OFFSET] = PAGE_OFFSET;
	bounds[B_VMALLOC_START] = VMALLOC_START;
	bounds[B_VMALLOC_END] = VMALLOC_END;
	bounds[B_VMEMMAP_START] = VMEMMAP_START;
	bounds[B_MODULES_VADDR] = MODULES_VADDR;
	bounds[B_MODULES_END] = MODULES_END;
	/* Not __START_KERNEL: that is where the kernel was linked, not where KASLR put it. */
	bounds[B_KERNEL_TEXT] = __START_KERNEL;

	kbuf = kmalloc(kbytes, GFP_KERNEL);
	vbuf = vmalloc(vbytes);
	if (!kbuf || !vbuf) {
		kfree(kbuf);
		vfree(vbuf);
		return -ENOMEM;
	}
	samples[S_MODULE_GLOBAL] = &layout_ex_global;
	samples[S_KMALLOC] = kbuf;
	samples[S_VMALLOC] = vbuf;
	/* With CONFIG_VMAP_STACK this is a vmalloc address too. */
	samples[S_STACK] = &local;
	samples[S_STRUCT_PAGE] = virt_to_page(kbuf);
	samples[S_KERNEL_FUNC] = kfree;

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
	kfree(kbuf);
	vfree(vbuf);
}

module_init(layout_ex_init);
module_exit(layout_ex_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab exercise 7: the kernel's address space on x86_64");
