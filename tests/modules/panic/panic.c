// SPDX-License-Identifier: GPL-2.0
/*
 * Panics on load. With panic=-1 and -no-reboot the guest dies at once,
 * so the runner must turn this into a "crashed" verdict, not a hang.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/panic.h>

static int __init panic_init(void)
{
	panic("kmemlab test panic");
	return 0;
}

module_init(panic_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab runner test: panic in init");
