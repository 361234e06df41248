// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>

static int __init demo1_init(void)
{
	pr_info("demo1 loaded\n");
	return 0;
}

static void __exit demo1_exit(void)
{
}

module_init(demo1_init);
module_exit(demo1_exit);
MODULE_LICENSE("GPL");
