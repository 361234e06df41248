// SPDX-License-Identifier: GPL-2.0
/*
 * Oopses on load with a NULL pointer dereference. The kernel survives
 * (insmod is killed), so the runner must report the oops from the log.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

/*
 * The pointer itself is volatile so the compiler cannot prove it is NULL
 * and replace the load with a trap; the load is volatile so it cannot be
 * dropped as unused.
 */
static volatile int *volatile oops_ptr;

static int __init oops_init(void)
{
	int value;

	pr_info("oops: about to read through a NULL pointer\n");
	value = *oops_ptr;
	pr_info("oops: still alive, read %d\n", value);
	return 0;
}

module_init(oops_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab runner test: NULL dereference in init");
