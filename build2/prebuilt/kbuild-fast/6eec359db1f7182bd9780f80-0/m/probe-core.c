// SPDX-License-Identifier: GPL-2.0
/*
 * kmemlab_probe - the grader's own ground-truth probe.
 *
 * The grader loads this module in the same VM run as the learner's module,
 * with the same randomised parameters, and compares the two KTAP reports.
 * Numbers therefore come from the running kernel, never from the grader.
 *
 * Each mode lives in mode-NAME.c and is listed in probe_modes[]; probe.h
 * says how to add one.
 */

#include "probe.h"

#include <linux/init.h>
#include <linux/string.h>

static char *mode = "ksize";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "what to measure (default: ksize)");

/* Echoed back so the grader can tell this run's report from a stale one. */
static char *nonce = "";
module_param(nonce, charp, 0444);
MODULE_PARM_DESC(nonce, "opaque token copied into the report header");

static const struct probe_mode *const probe_modes[] = {
	&probe_mode_ksize,
	&probe_mode_vmalloc,
	&probe_mode_vmpfn,
	&probe_mode_ceiling,
	&probe_mode_slabcache,
	&probe_mode_slabgrow,
	&probe_mode_stacks,
	&probe_mode_memwatch,
};

static const struct probe_mode *active;

void probe_begin(const struct probe_mode *pm, unsigned int nr_tests)
{
	pr_info("KTAP version 1\n");
	pr_info("# kmemlab_probe mode=%s nonce=%s\n", pm->name, nonce);
	pr_info("1..%u\n", nr_tests);
}

static int __init kmemlab_probe_init(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(probe_modes); i++) {
		if (!strcmp(mode, probe_modes[i]->name)) {
			int ret = probe_modes[i]->run(probe_modes[i]);

			if (!ret)
				active = probe_modes[i];
			return ret;
		}
	}

	pr_err("kmemlab_probe: unknown mode '%s' (known modes:", mode);
	for (i = 0; i < ARRAY_SIZE(probe_modes); i++)
		pr_cont(" %s", probe_modes[i]->name);
	pr_cont(")\n");
	return -EINVAL;
}

static void __exit kmemlab_probe_exit(void)
{
	if (active && active->exit)
		active->exit();
}

module_init(kmemlab_probe_init);
module_exit(kmemlab_probe_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab grader probe: ground truth measured in the lab VM");
