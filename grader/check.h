/*
 * Graded attempts: build the learner's module, run it beside the
 * grader's probe in one lab VM, compare with the ground truth seen in that
 * same run, and store the result.
 *
 * Each exercise's check is a struct checker in the table of check.c: it
 * randomises the attempt's inputs (prepare), gathers what it needs in the
 * VM (run), and turns that into named checks, each with what was
 * expected, what was observed and a hint (grade).  The steps are timed
 * separately (build, VM, grading).
 */
#ifndef KMEMLAB_CHECK_H
#define KMEMLAB_CHECK_H

#include <stdio.h>
#include "course.h"
#include "leaks.h"
#include "modrun.h"
#include "store.h"

struct check_item {
	char *name;
	char *status;	/* pass, fail, skip */
	char *expected;
	char *observed;
	char *hint;
};

struct attempt {
	const struct exercise *ex;
	char *source;		/* what was graded */
	/* Not the learner's workspace copy: saved apart (origin 'experiment'). */
	int experiment;
	char source_hash[65];	/* source_hash() of it, "" if unreadable */
	char started_at[32];
	char nonce[17];
	char *params;		/* the learner module's parameters */
	char *inputs;		/* the same, for people */
	void *priv;		/* the checker's own data */

	struct kbuild_result build;
	struct kbuild_result probe;
	struct modrun learner;	/* what the learner's module did */
	struct modrun truth;	/* what the probe reported */
	struct leak_watch leaks;	/* what the learner's module did not free */
	struct vm_exec prog;	/* what the learner's program did (programs) */
	int prog_ran;
	struct strbuf extra;	/* other ground truth the checker read */
	/* A text chart the checker drew; printed after the checks and kept in the transcript. */
	struct strbuf chart;
	char *kernel;		/* uname -r of the guest */
	/* The whole kernel log of the run (or the console's last lines after a crash). */
	struct strbuf dmesg;
	/* Trace events the checker graded, shown by 'dmesg' after the kernel log. */
	struct strbuf trace;

	struct check_item *items;
	int nitems;
	const char *verdict;	/* pass, fail, error */
	int score, max_score;
	char *summary;
	struct strbuf transcript;
	int64_t build_ms, vm_ms, grade_ms;
};

struct checker {
	const char *name;
	/* The names of the checks grade() adds, in order (NULL-ended). */
	const char *const *checks;
	/* Choose this attempt's inputs: a->params, a->inputs, a->priv. */
	void (*prepare)(struct attempt *a);
	/* The probe's parameters for these inputs (NULL: no probe). */
	char *(*probe_params)(struct attempt *a);
	/*
	 * Program exercises only: run the learner's program in the VM with
	 * attempt_exec_program() and gather the ground truth around it.
	 */
	int (*run)(struct attempt *a, struct vm *vm);
	/*
	 * Program exercises: when set, the probe is built but not loaded
	 * before run(); run() loads it itself (modrun_load() of a->probe.ko
	 * with probe_params(a) into a->truth, then modrun_unload()) so that
	 * it is loaded while the learner's program runs, e.g. holding objects.
	 */
	int probe_in_run;
	/*
	 * Module exercises, may be NULL: called between the learner's insmod
	 * and rmmod, only when it loaded cleanly, to read what exists only
	 * while the module is loaded (/proc/vmallocinfo, /sys/kernel/slab,
	 * the probe run again on what the module printed in a->learner.text).
	 * Kernel log lines from this step are not part of a->learner.
	 * Return -1 only on a kmemlab failure (reported).
	 */
	int (*while_loaded)(struct attempt *a, struct vm *vm);
	/* Anything else to read in the VM after the learner's run (may be NULL). */
	int (*observe)(struct attempt *a, struct vm *vm);
	/* Add the exercise's own checks (after build, load and unload). */
	void (*grade)(struct attempt *a);
	/* Free a->priv and the like (NULL: a->priv is simply freed). */
	void (*release)(struct attempt *a);
};

const struct checker *checker_find(const char *name);

struct check_options {
	struct vm_options vm;
	int timeout_ms;		/* per insmod/rmmod; default 30 s */
	int progress;		/* print steps to stderr as they start */
};

/*
 * Grade source (a file or directory) for ex.  Returns 0 when a verdict was
 * reached (pass or fail, in a->verdict), -1 on an error that left no
 * verdict (reported; a->verdict is "error").
 */
int attempt_run(const struct exercise *ex, const char *source,
		const struct check_options *o, struct attempt *a);
/* The lab VM options an attempt at ex runs with (its boot settings over o's). */
void attempt_vm_options(const struct exercise *ex, const struct check_options *o,
			struct vm_options *vo);
/*
 * Push the learner's program to /lab/NAME and run it with args (NULL-ended)
 * into a->prog.  Returns 0 (a->prog_ran says whether it ran to the end)
 * or -1 when kmemlab itself failed (reported).
 */
int attempt_exec_program(struct attempt *a, struct vm *vm, const char *const *args,
			 int timeout_ms);
/* Save a graded attempt in one transaction. */
int attempt_store(struct store *st, const struct attempt *a);
/* The attempt as a record (record.h), with the transcript cut as the store keeps it. */
void attempt_record(const struct attempt *a, struct record *r);
/* The same for any learner and origin (see store_save_attempt_as()). */
int attempt_store_as(struct store *st, const struct attempt *a, int64_t learner,
		     const char *origin, int64_t submission);
void attempt_release(struct attempt *a);

/* Print the per-check report for people. */
void attempt_print(const struct attempt *a, FILE *f, int color);

/* For checkers: add a check result; formats are printf-like, NULL allowed. */
void attempt_add(struct attempt *a, const char *name, int pass, const char *expected,
		 const char *observed, const char *hint);
void attempt_skip(struct attempt *a, const char *name, const char *why);

/*
 * The checks a KTAP-reporting module starts with: "ktap" (a KTAP version 1
 * header and the plan 1..plan, one test per unit) and "nonce" (a "# ...
 * nonce=" line echoing this attempt's nonce, proof the report is fresh).
 */
struct ktap_doc;
void attempt_check_ktap(struct attempt *a, const struct ktap_doc *doc, int plan,
			const char *unit);

#endif
