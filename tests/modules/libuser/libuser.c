// SPDX-License-Identifier: GPL-2.0
/* Uses libexp's export: loads only after libexp. */
#include <linux/module.h>

int libexp_square(int x);

static int __init libuser_init(void)
{
	pr_info("libuser: libexp_square(12) = %d\n", libexp_square(12));
	return 0;
}

static void __exit libuser_exit(void)
{
	pr_info("libuser unloaded\n");
}

module_init(libuser_init);
module_exit(libuser_exit);
MODULE_LICENSE("GPL");
