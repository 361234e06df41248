// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>

static int __init demo2_init(void)
{
	pr_info("demo2 loaded\n");
	return 0;
}

static void __exit demo2_exit(void)
{
}

module_init(demo2_init);
module_exit(demo2_exit);
MODULE_LICENSE("GPL");
