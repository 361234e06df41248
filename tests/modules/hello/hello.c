// SPDX-License-Identifier: GPL-2.0
/* The smallest useful module: proves build, load and unload all work. */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

static int __init hello_init(void)
{
	pr_info("hello from the lab\n");
	return 0;
}

static void __exit hello_exit(void)
{
	pr_info("goodbye from the lab\n");
}

module_init(hello_init);
module_exit(hello_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab runner test: load and unload messages");
