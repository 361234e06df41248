// SPDX-License-Identifier: GPL-2.0
/*
 * pages_ex: blocks of 2^order pages straight from the page allocator,
 * and what kmalloc() hands out above its largest cache.
 *
 * A wrong solution: it counts the whole pages in a size (rounding down)
 * and takes the order of that, so 5000 bytes get one page of 4096
 * instead of two (fails "orders").
 */
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#define MAX_BLOCKS 8

static unsigned int sizes[MAX_BLOCKS];
static int nsizes;
module_param_array(sizes, uint, &nsizes, 0444);
static unsigned int kbytes = 100000;
module_param(kbytes, uint, 0444);
static char *nonce = "";
module_param(nonce, charp, 0444);

/* The blocks, with the order each was allocated with. */
static struct page *blocks[MAX_BLOCKS];
static unsigned int orders[MAX_BLOCKS];
/* The kmalloc() buffer. */
static void *kbuf;

/* One KTAP result: a block of 2^order pages, its first frame and its address. */
static void report(int n, const char *what, unsigned int size, unsigned int order,
		   unsigned long pages, unsigned long bytes, unsigned long pfn, void *addr,
		   int compound)
{
	pr_info("ok %d %s_%d # size=%u order=%u pages=%lu bytes=%lu waste=%lu pfn=0x%lx addr=%px compound=%d\n",
		n, what, n, size, order, pages, bytes, bytes - size, pfn, addr, compound);
}

static int __init pages_ex_init(void)
{
	int i;

	if (nsizes < 1)
		return -EINVAL;
	pr_info("KTAP version 1\n");
	pr_info("# pages_ex nonce=%s\n", nonce);
	pr_info("1..%d\n", nsizes + 1);

	for (i = 0; i < nsizes; i++) {
		struct page *page = NULL;
		unsigned int order = 0;
		unsigned long pages = 0, bytes = 0, pfn = 0;
		void *addr = NULL;
		int compound = 0;

		/* 1: the smallest order whose block holds sizes[i] bytes. */
		order = sizes[i] < PAGE_SIZE ? 0 : ilog2(sizes[i] / PAGE_SIZE);

		/* 2: a block of that order. */
		page = alloc_pages(GFP_KERNEL, order);

		/* Kept for the exit function, with its order: freeing needs both. */
		blocks[i] = page;
		orders[i] = order;

		if (!page) {
			pr_info("not ok %d block_%d # size=%u alloc_pages failed\n", i + 1, i + 1,
				sizes[i]);
			continue;
		}
		/* 3: what the block is. */
		pages = 1UL << order;
		bytes = PAGE_SIZE << order;
		pfn = page_to_pfn(page);
		addr = page_address(page);
		compound = PageCompound(page);

		report(i + 1, "block", sizes[i], order, pages, bytes, pfn, addr, compound);
	}

	/* 4: a large kmalloc() is a compound page: the head page knows its order. */
	kbuf = kmalloc(kbytes, GFP_KERNEL);
	if (kbuf) {
		struct page *head = virt_to_head_page(kbuf);
		unsigned int order = compound_order(head);

		report(nsizes + 1, "kmalloc", kbytes, order, 1UL << order, PAGE_SIZE << order,
		       page_to_pfn(head), kbuf, PageCompound(head));
	}
	if (!kbuf)
		pr_info("not ok %d kmalloc # size=%u kmalloc failed\n", nsizes + 1, kbytes);
	return 0;
}

static void __exit pages_ex_exit(void)
{
	int i;

	/* 5: every block back with the order it was allocated with, then kbuf. */
	for (i = 0; i < MAX_BLOCKS; i++)
		if (blocks[i])
			__free_pages(blocks[i], orders[i]);
	kfree(kbuf);
}

module_init(pages_ex_init);
module_exit(pages_ex_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab pages exercise: alloc_pages() orders and kmalloc's large blocks");
