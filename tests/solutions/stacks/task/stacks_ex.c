// SPDX-License-Identifier: GPL-2.0
/*
 * stacks_ex - kmemlab exercise 6: thread stacks come from vmalloc.
 *
 * The grader loads this module with a number of kernel threads to start,
 * for example
 *
 *	insmod stacks_ex.ko nthreads=2 nonce=abc
 *
 * and expects the stack of the task running init (insmod), then the stack
 * of each kernel thread the module started:
 *
 *	KTAP version 1
 *	# stacks_ex nonce=abc thread_size=16384
 *	1..3
 *	ok 1 current # stack=ffffc900001f0000 vmalloc_addr=1
 *	ok 2 kthread_1 # stack=ffffc90000214000 vmalloc_addr=1
 *	ok 3 kthread_2 # stack=ffffc9000021c000 vmalloc_addr=1
 *
 * The threads live until rmmod.  While they do, the grader finds their
 * stacks in /proc/vmallocinfo and in KernelStack of /proc/meminfo.
 *
 * A wrong solution, for the tests: it reports current, the task_struct,
 * instead of current->stack.
 */

/* The grader reads KTAP, whose lines must start at column 0. */
#define pr_fmt(fmt) fmt

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>

#define STACKS_EX_MAX_THREADS 8

static unsigned int nthreads = 1;
module_param(nthreads, uint, 0444);
MODULE_PARM_DESC(nthreads, "kernel threads to start, 1 to 8");

/* A fresh token per attempt: it proves the report came from this run. */
static char *nonce = "";
module_param(nonce, charp, 0444);
MODULE_PARM_DESC(nonce, "token from the grader, echoed in the report");

static struct task_struct *threads[STACKS_EX_MAX_THREADS];

/* Each thread only waits: its stack is what the exercise looks at. */
static int stacks_ex_thread(void *unused)
{
	while (!kthread_should_stop())
		msleep_interruptible(100);
	return 0;
}

/* %px, not %p: %p would print a hashed value, useless for comparing. */
static void report(unsigned int test, const char *name, const void *stack)
{
	pr_info("ok %u %s # stack=%px vmalloc_addr=%d\n", test, name, stack,
		is_vmalloc_addr(stack));
}

static int __init stacks_ex_init(void)
{
	unsigned int i;
	char name[32];

	if (nthreads < 1 || nthreads > STACKS_EX_MAX_THREADS) {
		pr_err("stacks_ex: nthreads must be 1 to %d\n", STACKS_EX_MAX_THREADS);
		return -EINVAL;
	}
	pr_info("KTAP version 1\n");
	pr_info("# stacks_ex nonce=%s thread_size=%lu\n", nonce, THREAD_SIZE);
	pr_info("1..%u\n", nthreads + 1);

	/* The lowest address of the stack of the task running this code. */
	report(1, "current", current);

	for (i = 0; i < nthreads; i++) {
		struct task_struct *t = kthread_run(stacks_ex_thread, NULL, "stacks_ex/%u",
						    i + 1);

		snprintf(name, sizeof(name), "kthread_%u", i + 1);
		if (IS_ERR(t)) {
			pr_info("not ok %u %s # kthread_run failed: %ld\n", i + 2, name,
				PTR_ERR(t));
			continue;
		}
		threads[i] = t;
		/* Another task's stack: task_stack_page(), not current->stack. */
		report(i + 2, name, task_stack_page(t));
	}
	return 0;
}

static void __exit stacks_ex_exit(void)
{
	unsigned int i;

	/* kthread_stop() waits for the thread to return: no thread outlives us. */
	for (i = 0; i < STACKS_EX_MAX_THREADS; i++)
		if (threads[i])
			kthread_stop(threads[i]);
}

module_init(stacks_ex_init);
module_exit(stacks_ex_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab exercise 6: thread stacks come from vmalloc");
