// SPDX-License-Identifier: GPL-2.0
/*
 * Never returns from init and never schedules, so insmod never finishes
 * and the CPU stays busy: only the runner's watchdog can end this run.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <asm/processor.h>

static int __init hang_init(void)
{
	pr_info("hang: spinning forever\n");
	for (;;)
		cpu_relax();
	return 0;
}

module_init(hang_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab runner test: busy loop in init");
