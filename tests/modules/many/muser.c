// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>

int mlib_twice(int x);

static int __init muser_init(void)
{
	pr_info("muser: mlib_twice(21) = %d\n", mlib_twice(21));
	return 0;
}

static void __exit muser_exit(void)
{
	pr_info("muser unloaded\n");
}

module_init(muser_init);
module_exit(muser_exit);
MODULE_LICENSE("GPL");
