// SPDX-License-Identifier: GPL-2.0
/*
 * Floods the kernel log, to test that the runner caps captured output
 * and says where it was cut instead of filling memory or the disk.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

#define FLOOD_LINES 300000

static int __init flood_init(void)
{
	int i;

	for (i = 0; i < FLOOD_LINES; i++)
		pr_info("flood line %d\n", i);
	return 0;
}

static void __exit flood_exit(void)
{
}

module_init(flood_init);
module_exit(flood_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab runner test: log flood");
