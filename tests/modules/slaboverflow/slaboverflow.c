// SPDX-License-Identifier: GPL-2.0
/*
 * Writes 8 bytes past a 64-byte kmalloc object, then frees it: silent on
 * a plain kernel, a redzone report under slub_debug=FZPU.  The bytes go
 * through a volatile pointer so that FORTIFY_SOURCE does not see it.
 */
#include <linux/module.h>
#include <linux/slab.h>

static int __init slaboverflow_init(void)
{
	char *p = kmalloc(64, GFP_KERNEL);
	volatile char *q = p;
	int i;

	if (!p)
		return -ENOMEM;
	for (i = 0; i < 72; i++)
		q[i] = 'A';
	kfree(p);
	pr_info("slaboverflow: wrote 72 bytes into a 64-byte object\n");
	return 0;
}

static void __exit slaboverflow_exit(void)
{
}

module_init(slaboverflow_init);
module_exit(slaboverflow_exit);
MODULE_LICENSE("GPL");
