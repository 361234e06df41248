/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The grader's probe module: one mode per measurement, each in its own
 * mode-NAME.c.  To add a mode: write mode-NAME.c defining
 * `const struct probe_mode probe_mode_NAME`, declare it below, list it in
 * probe_modes[] (probe-core.c) and in Kbuild.  A mode parses its own module
 * parameters (module_param works in any file of the module).
 */
#ifndef KMEMLAB_PROBE_H
#define KMEMLAB_PROBE_H

/* The KTAP lines must start at column 0: no "kmemlab_probe: " prefix. */
#define pr_fmt(fmt) fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

struct probe_mode {
	const char *name;
	/* Measure and report; an error refuses the load. */
	int (*run)(const struct probe_mode *pm);
	/* Release whatever run() kept for the grader to look at (may be NULL). */
	void (*exit)(void);
};

/*
 * Print the KTAP header. Modes call it only after their parameters are
 * known to be good, so a refused load never leaves a half-started report.
 */
void probe_begin(const struct probe_mode *pm, unsigned int nr_tests);

extern const struct probe_mode probe_mode_ksize;
extern const struct probe_mode probe_mode_vmalloc;
extern const struct probe_mode probe_mode_vmpfn;
extern const struct probe_mode probe_mode_ceiling;
extern const struct probe_mode probe_mode_slabcache;
extern const struct probe_mode probe_mode_slabgrow;
extern const struct probe_mode probe_mode_stacks;
extern const struct probe_mode probe_mode_memwatch;

#endif
