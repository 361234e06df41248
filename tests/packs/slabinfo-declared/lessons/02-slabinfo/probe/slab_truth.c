// SPDX-License-Identifier: GPL-2.0
/*
 * The truth for the slabinfo exercise: kmalloc bytes / size objects of
 * size bytes and hold them until rmmod, so that one kmalloc cache grows
 * by a known amount while the learner's program reads /proc/slabinfo.
 * Reports "ok 1 slabgrow # size= count= ksize= page_size=".
 */
#include <linux/module.h>
#include <linux/slab.h>

static unsigned int size;
module_param(size, uint, 0444);
static unsigned int bytes;
module_param(bytes, uint, 0444);
static char *nonce = "";
module_param(nonce, charp, 0444);

static void **held;
static unsigned int count, nr_held;

static int __init slab_truth_init(void)
{
	unsigned int i;

	/* Above 8 KiB the page allocator serves kmalloc: no cache would grow. */
	if (!size || size > 8192 || bytes / size < 1 || bytes / size > 1000000)
		return -EINVAL;
	count = bytes / size;
	/* The pointer array itself must not land in the cache being measured. */
	held = kvmalloc_array(count, sizeof(*held), GFP_KERNEL | __GFP_ZERO);
	if (!held)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		held[i] = kmalloc(size, GFP_KERNEL);
		if (!held[i])
			break;
		nr_held++;
	}
	pr_info("KTAP version 1\n");
	pr_info("1..1\n");
	pr_info("# slab_truth nonce=%s\n", nonce);
	if (nr_held < count)
		pr_info("not ok 1 slabgrow # size=%u count=%u held=%u\n", size, count, nr_held);
	else
		pr_info("ok 1 slabgrow # size=%u count=%u ksize=%zu page_size=%lu\n", size, count,
			ksize(held[0]), PAGE_SIZE);
	return 0;
}

static void __exit slab_truth_exit(void)
{
	unsigned int i;

	for (i = 0; i < nr_held; i++)
		kfree(held[i]);
	kvfree(held);
}

module_init(slab_truth_init);
module_exit(slab_truth_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("a kmalloc cache grown by a known amount: the truth of a declared exercise");
