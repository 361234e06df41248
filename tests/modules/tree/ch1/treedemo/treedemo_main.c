// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include "../../common/klib.h"

static int __init treedemo_init(void)
{
	pr_info("treedemo: klib says %d\n", klib_answer());
	return 0;
}

static void __exit treedemo_exit(void)
{
}

module_init(treedemo_init);
module_exit(treedemo_exit);
MODULE_LICENSE("GPL");
