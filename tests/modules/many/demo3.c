// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>

static int __init demo3_init(void)
{
	pr_info("demo3 loaded\n");
	return 0;
}

static void __exit demo3_exit(void)
{
}

module_init(demo3_init);
module_exit(demo3_exit);
MODULE_LICENSE("GPL");
