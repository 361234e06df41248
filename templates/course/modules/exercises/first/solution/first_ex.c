// SPDX-License-Identifier: GPL-2.0
/* The example exercise's reference solution. */
#include <linux/module.h>
#include <linux/slab.h>

#define MAX_OBJS 16

static unsigned int size = 64;
module_param(size, uint, 0444);
static int count = 1;
module_param(count, int, 0444);
static char *nonce = "";
module_param(nonce, charp, 0444);

static void *objs[MAX_OBJS];

static int __init first_ex_init(void)
{
	size_t total = 0;
	int i;

	if (count < 1 || count > MAX_OBJS)
		return -EINVAL;
	pr_info("KTAP version 1\n");
	pr_info("1..%d\n", count);
	pr_info("# first_ex nonce=%s\n", nonce);
	for (i = 0; i < count; i++) {
		objs[i] = kmalloc(size, GFP_KERNEL);
		if (!objs[i]) {
			pr_info("not ok %d object_%d # size=%u\n", i + 1, i + 1, size);
			continue;
		}
		pr_info("ok %d object_%d # size=%u ksize=%zu\n", i + 1, i + 1, size,
			ksize(objs[i]));
		total += ksize(objs[i]);
	}
	pr_info("# total=%zu\n", total);
	return 0;
}

static void __exit first_ex_exit(void)
{
	int i;

	for (i = 0; i < MAX_OBJS; i++)
		kfree(objs[i]);
}

module_init(first_ex_init);
module_exit(first_ex_exit);
MODULE_LICENSE("GPL");
