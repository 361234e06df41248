// SPDX-License-Identifier: GPL-2.0
/* A /proc file that exists only while the module is loaded. */
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

static int procfile_show(struct seq_file *m, void *v)
{
	seq_puts(m, "hello from /proc/kmemlab_procfile\n");
	return 0;
}

static int __init procfile_init(void)
{
	if (!proc_create_single("kmemlab_procfile", 0444, NULL, procfile_show))
		return -ENOMEM;
	return 0;
}

static void __exit procfile_exit(void)
{
	remove_proc_entry("kmemlab_procfile", NULL);
}

module_init(procfile_init);
module_exit(procfile_exit);
MODULE_LICENSE("GPL");
