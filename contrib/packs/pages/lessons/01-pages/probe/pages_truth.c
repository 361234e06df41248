// SPDX-License-Identifier: GPL-2.0
/*
 * The pages exercise's ground truth, measured in the same lab VM just
 * before the learner's module is loaded, as a KTAP report with one
 * result per block the learner reports (lesson.json's "truth.KEY" is
 * KEY= of the result of the same number):
 *
 *   results 1..N    for each of sizes: get_order(), the block it means
 *                   (pages, bytes) and whether alloc_pages(GFP_KERNEL,
 *                   order) hands out a compound page;
 *   result N+1      kmalloc(kbytes): the order and compound flag of the
 *                   page behind it, as the page itself records them.
 *
 * A comment line gives the direct map's base (page_offset=), which the
 * grading script uses to check the learner's addresses against its PFNs.
 */
#include <linux/gfp.h>
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

static void truth(int n, const char *what, unsigned int size, unsigned int order, int compound)
{
	pr_info("ok %d %s # size=%u order=%u pages=%lu bytes=%lu compound=%d\n", n, what, size,
		order, 1UL << order, PAGE_SIZE << order, compound);
}

static int __init pages_truth_init(void)
{
	struct page *page;
	void *p;
	int i;

	pr_info("KTAP version 1\n");
	pr_info("# pages_truth nonce=%s page_offset=0x%lx page_size=%lu\n", nonce,
		(unsigned long)PAGE_OFFSET, PAGE_SIZE);
	pr_info("1..%d\n", nsizes + 1);
	for (i = 0; i < nsizes; i++) {
		unsigned int order = get_order(sizes[i]);

		page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
		if (!page) {
			pr_info("not ok %d block_%d # size=%u alloc_pages failed\n", i + 1, i + 1,
				sizes[i]);
			continue;
		}
		truth(i + 1, "block", sizes[i], order, PageCompound(page));
		__free_pages(page, order);
	}
	p = kmalloc(kbytes, GFP_KERNEL | __GFP_NOWARN);
	if (!p) {
		pr_info("not ok %d kmalloc # size=%u kmalloc failed\n", nsizes + 1, kbytes);
		return 0;
	}
	page = virt_to_head_page(p);
	truth(nsizes + 1, "kmalloc", kbytes, PageSlab(page) ? 0 : compound_order(page),
	      PageCompound(page));
	pr_info("# kmalloc ksize=%zu slab=%d\n", ksize(p), PageSlab(page) ? 1 : 0);
	kfree(p);
	return 0;
}

static void __exit pages_truth_exit(void)
{
}

module_init(pages_truth_init);
module_exit(pages_truth_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("the pages exercise's probe: orders, block sizes, compound pages");
