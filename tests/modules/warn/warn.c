// SPDX-License-Identifier: GPL-2.0
/* kmemlab runner test: init trips a WARN_ON, then loads normally. */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

static int __init warn_init(void)
{
	pr_info("warn: about to warn\n");
	WARN_ON(1);
	return 0;
}

static void __exit warn_exit(void)
{
}

module_init(warn_init);
module_exit(warn_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab runner test: a WARNING in init");
