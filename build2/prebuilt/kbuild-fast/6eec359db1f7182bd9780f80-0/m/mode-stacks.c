// SPDX-License-Identifier: GPL-2.0
/*
 * mode=stacks: the ground truth of exercise 6 (thread stacks).
 *
 * Reports the loading task's own stack (current->stack), whether it is a
 * vmalloc address, THREAD_SIZE, PAGE_SIZE and the vmalloc range, so the
 * grader can judge the learner's addresses with the running kernel's own
 * numbers instead of remembered ones.
 */
#include "probe.h"

#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/vmalloc.h>

static int probe_stacks(const struct probe_mode *pm)
{
	void *stack = task_stack_page(current);

	probe_begin(pm, 1);
	pr_info("ok 1 stacks # stack=%px vmalloc_addr=%d thread_size=%lu page_size=%lu vmalloc_start=%lx vmalloc_end=%lx\n",
		stack, is_vmalloc_addr(stack), THREAD_SIZE, PAGE_SIZE,
		(unsigned long)VMALLOC_START, (unsigned long)VMALLOC_END);
	return 0;
}

const struct probe_mode probe_mode_stacks = {
	.name = "stacks",
	.run = probe_stacks,
};
