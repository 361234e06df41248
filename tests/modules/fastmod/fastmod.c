// SPDX-License-Identifier: GPL-2.0
/*
 * The module the fast rebuild tests edit: a parameter, a version (so
 * modinfo has a srcversion) and a few kernel symbols (so __versions has
 * CRCs to compare).
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>

static int count = 3;
module_param(count, int, 0444);
MODULE_PARM_DESC(count, "how many bytes to allocate, in units of 64");

static int __init fastmod_init(void)
{
	void *p = kmalloc(64 * count, GFP_KERNEL);

	pr_info("fastmod: first version, count=%d\n", count);
	kfree(p);
	return 0;
}

static void __exit fastmod_exit(void)
{
	pr_info("fastmod: unloaded\n");
}

module_init(fastmod_init);
module_exit(fastmod_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION("1.0");
MODULE_DESCRIPTION("kmemlab runner test: rebuilt by replaying kbuild's commands");
