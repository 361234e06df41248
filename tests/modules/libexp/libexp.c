// SPDX-License-Identifier: GPL-2.0
/* A library module: exports a symbol for libuser. */
#include <linux/module.h>

int libexp_square(int x)
{
	return x * x;
}
EXPORT_SYMBOL_GPL(libexp_square);

static int __init libexp_init(void)
{
	pr_info("libexp loaded\n");
	return 0;
}

static void __exit libexp_exit(void)
{
	pr_info("libexp unloaded\n");
}

module_init(libexp_init);
module_exit(libexp_exit);
MODULE_LICENSE("GPL");
