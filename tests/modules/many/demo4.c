// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>

static int __init demo4_init(void)
{
	pr_info("demo4 loaded\n");
	return 0;
}

static void __exit demo4_exit(void)
{
}

module_init(demo4_init);
module_exit(demo4_exit);
MODULE_LICENSE("GPL");
