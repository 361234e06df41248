// SPDX-License-Identifier: GPL-2.0
/*
 * kmemlab_probe - the grader's own ground-truth probe.
 *
 * The grader loads this module in the same VM run as the learner's module,
 * with the same randomised parameters, and compares the two KTAP reports.
 * Numbers therefore come from the running kernel, never from the grader.
 *
 * Each mode is one entry in probe_modes[]; to add a mode, write a
 * probe_<mode>() function that validates its parameters, calls
 * probe_begin() and prints one result line per test, then list it there.
 */

/* The KTAP lines must start at column 0: no "kmemlab_probe: " prefix. */
#define pr_fmt(fmt) fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>

#define PROBE_MAX_SIZES 32

static char *mode = "ksize";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "what to measure (default: ksize)");

static unsigned int sizes[PROBE_MAX_SIZES];
static unsigned int nr_sizes;
module_param_array(sizes, uint, &nr_sizes, 0444);
MODULE_PARM_DESC(sizes, "request sizes in bytes, up to 32");

/* Echoed back so the grader can tell this run's report from a stale one. */
static char *nonce = "";
module_param(nonce, charp, 0444);
MODULE_PARM_DESC(nonce, "opaque token copied into the report header");

struct probe_mode {
	const char *name;
	int (*run)(const struct probe_mode *pm);
};

/*
 * Print the KTAP header. Modes call it only after their parameters are
 * known to be good, so a refused load never leaves a half-started report.
 */
static void probe_begin(const struct probe_mode *pm, unsigned int nr_tests)
{
	pr_info("KTAP version 1\n");
	pr_info("# kmemlab_probe mode=%s nonce=%s\n", pm->name, nonce);
	pr_info("1..%u\n", nr_tests);
}

static int probe_ksize(const struct probe_mode *pm)
{
	unsigned int i;

	if (!nr_sizes) {
		pr_err("kmemlab_probe: mode=%s needs sizes=N[,N...]\n",
		       pm->name);
		return -EINVAL;
	}

	probe_begin(pm, nr_sizes);
	for (i = 0; i < nr_sizes; i++) {
		/*
		 * __GFP_NOWARN: a size too big for kmalloc is a result to
		 * report, not a kernel warning with a stack trace in the log.
		 */
		void *p = kmalloc(sizes[i], GFP_KERNEL | __GFP_NOWARN);

		if (!p) {
			pr_info("not ok %u ksize_%u # kmalloc failed\n",
				i + 1, sizes[i]);
			continue;
		}
		pr_info("ok %u ksize_%u # requested=%u ksize=%zu\n",
			i + 1, sizes[i], sizes[i], ksize(p));
		kfree(p);
	}
	return 0;
}

static const struct probe_mode probe_modes[] = {
	{ .name = "ksize", .run = probe_ksize },
};

static int __init kmemlab_probe_init(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(probe_modes); i++) {
		if (!strcmp(mode, probe_modes[i].name))
			return probe_modes[i].run(&probe_modes[i]);
	}

	pr_err("kmemlab_probe: unknown mode '%s' (known modes:", mode);
	for (i = 0; i < ARRAY_SIZE(probe_modes); i++)
		pr_cont(" %s", probe_modes[i].name);
	pr_cont(")\n");
	return -EINVAL;
}

/* Nothing is held between init and exit; unloading has nothing to say. */
static void __exit kmemlab_probe_exit(void)
{
}

module_init(kmemlab_probe_init);
module_exit(kmemlab_probe_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab grader probe: ground truth measured in the lab VM");
