// SPDX-License-Identifier: GPL-2.0
/*
 * Refuses to load: insmod must fail with "Invalid argument" and the
 * runner must report that exit status, not success.
 */
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

static int __init einval_init(void)
{
	pr_info("einval: init returns -EINVAL\n");
	return -EINVAL;
}

module_init(einval_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab runner test: init fails with -EINVAL");
