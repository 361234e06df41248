// SPDX-License-Identifier: GPL-2.0
/*
 * mode=memwatch: the moving target of exercise 9 (watching memory change).
 *
 * Loading starts a kernel thread and returns at once, so the learner's
 * sampler runs while the thread works: it waits memwatch_delay_ms (the
 * sampler's baseline), allocates memwatch_kb KiB in memwatch_steps equal
 * steps memwatch_step_ms apart, holds the peak memwatch_hold_ms, then
 * frees everything at once.  memwatch_kind=0 allocates 4 KiB kmalloc
 * objects (Slab and SUnreclaim grow), 1 allocates 256 KiB vmalloc areas
 * (VmallocUsed grows); both take pages out of MemFree.
 *
 * The log lines of a module that stays loaded are only collected at
 * rmmod, so the report is printed by exit(): what was allocated, and when
 * (ms after the load) the peak was reached and the memory freed.
 */
#include "probe.h"

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#define MEMWATCH_OBJ	4096		/* kmalloc-4k: slab memory, not page allocator */
#define MEMWATCH_AREA	(256 << 10)	/* one vmalloc area */

static unsigned int memwatch_kind;
module_param(memwatch_kind, uint, 0444);
MODULE_PARM_DESC(memwatch_kind, "mode=memwatch: 0 kmalloc, 1 vmalloc");

static unsigned int memwatch_kb;
module_param(memwatch_kb, uint, 0444);
MODULE_PARM_DESC(memwatch_kb, "mode=memwatch: KiB to allocate (1024..262144)");

static unsigned int memwatch_steps = 4;
module_param(memwatch_steps, uint, 0444);
MODULE_PARM_DESC(memwatch_steps, "mode=memwatch: allocation steps (1..32)");

static unsigned int memwatch_delay_ms = 1500;
module_param(memwatch_delay_ms, uint, 0444);
MODULE_PARM_DESC(memwatch_delay_ms, "mode=memwatch: wait before the first step");

static unsigned int memwatch_step_ms = 300;
module_param(memwatch_step_ms, uint, 0444);
MODULE_PARM_DESC(memwatch_step_ms, "mode=memwatch: time between steps");

static unsigned int memwatch_hold_ms = 1500;
module_param(memwatch_hold_ms, uint, 0444);
MODULE_PARM_DESC(memwatch_hold_ms, "mode=memwatch: time the peak is held");

static struct task_struct *worker;
static void **held;
static unsigned int nr_slots, nr_held;
static ktime_t t0;
static long peak_ms = -1, freed_ms = -1;
static unsigned long held_kb;

/*
 * Sleep ms; false when rmmod asks the thread to stop first.  Against a
 * deadline: msleep() rounds every call up to whole jiffies, and many short
 * naps would stretch the timeline past the learner's sampling.
 */
static bool nap(unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	while (time_before(jiffies, end) && !kthread_should_stop())
		schedule_timeout_interruptible(min_t(unsigned long, end - jiffies,
						     msecs_to_jiffies(20)));
	return !kthread_should_stop();
}

static void memwatch_free(void)
{
	unsigned int i;

	for (i = 0; i < nr_held; i++) {
		if (memwatch_kind)
			vfree(held[i]);
		else
			kfree(held[i]);
	}
	nr_held = 0;
}

static int memwatch_thread(void *unused)
{
	unsigned int step, per = DIV_ROUND_UP(nr_slots, memwatch_steps);
	size_t unit = memwatch_kind ? MEMWATCH_AREA : MEMWATCH_OBJ;

	if (!nap(memwatch_delay_ms))
		goto out;
	for (step = 0; step < memwatch_steps && nr_held < nr_slots; step++) {
		unsigned int i;

		if (step && !nap(memwatch_step_ms))
			goto out;
		for (i = 0; i < per && nr_held < nr_slots; i++) {
			void *p = memwatch_kind ? vmalloc(unit) : kmalloc(unit, GFP_KERNEL);

			if (!p)
				break;
			/* Touch it: vmalloc maps its pages at once, but be explicit. */
			memset(p, 0x5a, unit);
			held[nr_held++] = p;
		}
	}
	held_kb = (unsigned long)nr_held * (unit >> 10);
	peak_ms = ktime_ms_delta(ktime_get(), t0);
	nap(memwatch_hold_ms);
out:
	memwatch_free();
	freed_ms = ktime_ms_delta(ktime_get(), t0);
	/* kthread_stop() needs the thread alive until it is called. */
	while (!kthread_should_stop())
		msleep(20);
	return 0;
}

static void memwatch_exit(void)
{
	if (worker)
		kthread_stop(worker);
	worker = NULL;
	memwatch_free();
	kvfree(held);
	held = NULL;
	if (peak_ms >= 0 && freed_ms >= 0)
		pr_info("ok 1 memwatch # kind=%s kb=%u held_kb=%lu steps=%u peak_ms=%ld freed_ms=%ld\n",
			memwatch_kind ? "vmalloc" : "kmalloc", memwatch_kb, held_kb,
			memwatch_steps, peak_ms, freed_ms);
	else
		pr_info("not ok 1 memwatch # kind=%s kb=%u unloaded before the timeline ended\n",
			memwatch_kind ? "vmalloc" : "kmalloc", memwatch_kb);
}

static int probe_memwatch(const struct probe_mode *pm)
{
	size_t unit;

	if (memwatch_kind > 1 || memwatch_kb < 1024 || memwatch_kb > 262144 ||
	    !memwatch_steps || memwatch_steps > 32) {
		pr_err("kmemlab_probe: mode=%s needs memwatch_kind=0..1 memwatch_kb=1024..262144 memwatch_steps=1..32\n",
		       pm->name);
		return -EINVAL;
	}
	unit = memwatch_kind ? MEMWATCH_AREA : MEMWATCH_OBJ;
	nr_slots = DIV_ROUND_UP((size_t)memwatch_kb << 10, unit);
	held = kvmalloc_array(nr_slots, sizeof(*held), GFP_KERNEL | __GFP_ZERO);
	if (!held)
		return -ENOMEM;
	t0 = ktime_get();
	worker = kthread_run(memwatch_thread, NULL, "kmemlab_memwatch");
	if (IS_ERR(worker)) {
		int ret = PTR_ERR(worker);

		worker = NULL;
		kvfree(held);
		held = NULL;
		return ret;
	}
	probe_begin(pm, 1);
	pr_info("# memwatch started kind=%s kb=%u steps=%u\n",
		memwatch_kind ? "vmalloc" : "kmalloc", memwatch_kb, memwatch_steps);
	return 0;
}

const struct probe_mode probe_mode_memwatch = {
	.name = "memwatch",
	.run = probe_memwatch,
	.exit = memwatch_exit,
};
