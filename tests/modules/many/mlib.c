// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>

int mlib_twice(int x)
{
	return 2 * x;
}
EXPORT_SYMBOL(mlib_twice);

static int __init mlib_init(void)
{
	pr_info("mlib loaded\n");
	return 0;
}

static void __exit mlib_exit(void)
{
	pr_info("mlib unloaded\n");
}

module_init(mlib_init);
module_exit(mlib_exit);
MODULE_LICENSE("GPL");
