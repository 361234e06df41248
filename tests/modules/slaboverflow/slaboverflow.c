// SPDX-License-Identifier: GPL-2.0
/*
 * Writes 8 bytes past a 64-byte kmalloc object, then frees it: silent on
 * a plain kernel, a redzone report under slub_debug=FZPU.
 *
 * On a plain kernel the 8 bytes land in the next object of the slab, so
 * the module first takes many objects and overflows one whose neighbour
 * is its own: it corrupts nothing of anyone else's (SLUB keeps a free
 * object's next pointer in its middle, not its first bytes).  Under
 * slub_debug every object has a red zone after it and no object follows
 * another directly: the 8 bytes land in the red zone, which the kernel
 * checks on kfree().  The bytes go through a volatile pointer so that
 * FORTIFY_SOURCE does not see it.
 */
#include <linux/module.h>
#include <linux/slab.h>

#define NOBJS 256

static char *objs[NOBJS];

static int __init slaboverflow_init(void)
{
	char *victim = NULL;
	volatile char *q;
	int i, j, n;

	for (n = 0; n < NOBJS; n++) {
		objs[n] = kmalloc(64, GFP_KERNEL);
		if (!objs[n])
			break;
	}
	/* An object whose neighbour is also ours, if any. */
	for (i = 0; i < n && !victim; i++)
		for (j = 0; j < n; j++)
			if (objs[j] == objs[i] + 64) {
				victim = objs[i];
				break;
			}
	/* None: the objects are apart, as under slub_debug. */
	if (!victim && n)
		victim = objs[0];
	if (victim) {
		q = victim;
		for (i = 0; i < 72; i++)
			q[i] = 'A';
		pr_info("slaboverflow: wrote 72 bytes into a 64-byte object\n");
	}
	for (i = 0; i < n; i++)
		kfree(objs[i]);
	return victim ? 0 : -ENOMEM;
}

static void __exit slaboverflow_exit(void)
{
}

module_init(slaboverflow_init);
module_exit(slaboverflow_exit);
MODULE_LICENSE("GPL");
