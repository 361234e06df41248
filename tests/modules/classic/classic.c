// SPDX-License-Identifier: GPL-2.0
/*
 * Built by a tutorial-style Makefile rather than a Kbuild file, to test
 * that the runner builds such modules against the lab kernel anyway.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

static int __init classic_init(void)
{
	pr_info("classic module loaded\n");
	return 0;
}

static void __exit classic_exit(void)
{
}

module_init(classic_init);
module_exit(classic_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab runner test: classic out-of-tree Makefile");
