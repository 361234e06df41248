// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile module for the lab's tests: it finds the lab agent's channel
 * (the virtio-serial port PID 1 holds open) and writes garbage into it,
 * as a module that means harm could.  The host must end the run once,
 * with a verdict that blames the module, and not drown in the garbage.
 */
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched/task.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static struct file *port;

static int find_port(const void *unused, struct file *f, unsigned int fd)
{
	if (!port && !strncmp(f->f_path.dentry->d_name.name, "vport", 5)) {
		port = get_file(f);
		return 1;
	}
	return 0;
}

static int __init chanjunk_init(void)
{
	struct task_struct *init = get_pid_task(find_get_pid(1), PIDTYPE_PID);
	unsigned long ubuf;
	char junk[4096];
	loff_t pos = 0;
	int i;

	if (!init)
		return -ESRCH;
	task_lock(init);
	if (init->files)
		iterate_fd(init->files, 0, find_port, NULL);
	task_unlock(init);
	put_task_struct(init);
	if (!port || !port->f_op->write) {
		pr_info("chanjunk: no channel found\n");
		return -ENOENT;
	}
	/* The port's write wants a user buffer: one in insmod's own memory. */
	ubuf = vm_mmap(NULL, 0, sizeof(junk), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(ubuf)) {
		fput(port);
		return -ENOMEM;
	}
	memset(junk, 'Z', sizeof(junk));
	if (copy_to_user((void __user *)ubuf, junk, sizeof(junk)) == 0)
		for (i = 0; i < 256; i++)
			port->f_op->write(port, (const char __user *)ubuf, sizeof(junk), &pos);
	vm_munmap(ubuf, sizeof(junk));
	fput(port);
	pr_info("chanjunk: wrote garbage into the lab channel\n");
	return 0;
}

static void __exit chanjunk_exit(void)
{
}

module_init(chanjunk_init);
module_exit(chanjunk_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab test: garbage on the lab channel");
