// SPDX-License-Identifier: GPL-2.0
/* Echoes its parameters, to test that the runner passes them to insmod. */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

static int count;
module_param(count, int, 0444);
MODULE_PARM_DESC(count, "any integer");

static char *name = "";
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "any string");

static int __init params_init(void)
{
	pr_info("params: count=%d name=%s\n", count, name);
	return 0;
}

static void __exit params_exit(void)
{
}

module_init(params_init);
module_exit(params_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab runner test: module parameters");
