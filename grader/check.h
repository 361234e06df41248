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
 *
 * grade() reads only what the run recorded: the inputs prepare() drew,
 * the build's outcome, what the learner's module logged (its KTAP report,
 * parsed once), the probe's report, the program's output, the leaks
 * found, and the checker's own readings of the VM, each kept by name.
 * attempt_save() writes that record to a directory and attempt_load()
 * reads it back (check-record.c), so that an attempt can be graded again
 * without a VM.
 */
#ifndef KMEMLAB_CHECK_H
#define KMEMLAB_CHECK_H

#include <stdio.h>
#include "course.h"
#include "ktap.h"
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

/* A text the checker read in the VM, kept by name for grade(). */
struct reading {
	char *name;
	struct strbuf text;
};

/* The random numbers prepare() drew, in order (attempt_random()). */
struct draws {
	uint32_t *v;
	int n;
	int next;	/* replaying: the next one to hand out */
	int replay;	/* hand out v[] instead of drawing */
	int bad;	/* a replayed draw ran out or fell outside its range */
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
	char *probe_params;	/* the probe's, NULL when there is no probe */
	char *inputs;		/* the same, for people */
	void *priv;		/* the checker's own data */

	struct kbuild_result build;
	struct kbuild_result probe;
	struct modrun learner;	/* what the learner's module did */
	struct modrun truth;	/* what the probe reported */
	struct leak_watch leaks;	/* what the learner's module did not free */
	struct vm_exec prog;	/* what the learner's program did (programs) */
	int prog_ran;
	/* Other ground truth the checker read (attempt_read(), attempt_keep()). */
	struct reading *readings;
	int nreadings;
	struct draws draws;
	/* For grade(): the learner's module's report and the probe's, parsed. */
	struct ktap_doc report, truth_report;
	/* For grade(): the texts of the check being written (attempt_add_text()). */
	struct strbuf exp, obs, hint;
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
	/*
	 * Choose this attempt's inputs, with attempt_random(): a->params,
	 * a->inputs, a->probe_params when the exercise has a probe, a->priv
	 * (plain data, freed with free()).
	 */
	void (*prepare)(struct attempt *a);
	/*
	 * Program exercises only: run the learner's program in the VM with
	 * attempt_exec_program() and gather the ground truth around it.  The
	 * probe of a program exercise is built but not loaded: run() loads it
	 * itself (attempt_run_probe() without unload, later modrun_unload()),
	 * so that it is loaded while the learner's program runs, e.g. holding
	 * objects.
	 */
	int (*run)(struct attempt *a, struct vm *vm);
	/*
	 * Module exercises, may be NULL: called after the probe ran and before
	 * the learner's module is loaded, to read the VM as it was then.
	 */
	int (*before)(struct attempt *a, struct vm *vm);
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
	/*
	 * Add the exercise's own checks (after build, load and unload), from
	 * what the run recorded alone: a->priv as prepare() left it, the
	 * readings, a->report, a->truth_report, a->prog.  It may derive more
	 * into a->priv, and frees what it allocates there before it returns.
	 */
	void (*grade)(struct attempt *a);
};

const struct checker *checker_find(const char *name);
/*
 * The names of the checks the exercise's own grading adds, in order,
 * NULL-ended: the checker's, or its declared grading's (allocated array,
 * free() it; the names are not).
 */
const char **exercise_check_names(const struct exercise *ex);

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
/*
 * Grade what the run recorded: the checks every exercise starts with, the
 * checker's grade(), unload and cleanup, then the score, the verdict and
 * the summary.  attempt_run() calls it; so do tests on a loaded record.
 */
void attempt_grade(struct attempt *a);

/*
 * The record of a run, on disk (check-record.c).  DIR holds record.json,
 * the index: the exercise, the nonce, prepare()'s draws, the parameters
 * and inputs, the build's, the module runs' and the program's outcomes,
 * the leaks found, the names of the readings, and what the attempt was
 * graded ("graded": verdict, score and every check).  The texts are files
 * beside it: learner.text and truth.text (the modules' kernel logs
 * without time stamps), program.stdout and program.stderr, build.log
 * (a failed build only) and readings/NAME; an absent file is an empty
 * text.  What grading does not read (time-stamped logs, the transcript,
 * the whole kernel log) is not kept.
 *
 * attempt_save() writes a graded attempt into DIR (made if missing; its
 * old files are replaced).  attempt_load() reads one back into a, ready
 * for attempt_grade(): it runs the checker's prepare() again on the
 * recorded draws and refuses a record whose inputs that no longer gives.
 * Both return 0, or -1 with the error reported.
 *
 * A check run with KMEMLAB_RECORD=DIR in its environment saves its record
 * there (tests/record-fixtures).
 */
int attempt_save(const struct attempt *a, const char *dir);
int attempt_load(const char *dir, const struct course *c, struct attempt *a);

/*
 * Load the grader's probe with a->probe_params into a->truth, and unload
 * it again when unload is set (a program exercise's run() loads it alone
 * and later calls modrun_unload()).  Returns 0, or -1 when kmemlab failed
 * or the probe did not load and unload cleanly (reported: it is
 * kmemlab's problem, not the learner's).
 */
int attempt_run_probe(struct attempt *a, struct vm *vm, int timeout_ms, int unload);

/*
 * Build the grader's helper program modules/helpers/NAME and copy it into
 * the VM as /lab/NAME.  Returns 0, or -1 (reported).
 */
int attempt_put_helper(struct vm *vm, const char *name);

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

/* ---- for checkers ---- */

/*
 * A uniform random integer in [lo, hi] for prepare(), kept in a->draws.
 * With KMEMLAB_SEED set, draw n of every attempt is the same function of
 * the seed: two graders of one exercise that draw alike get the same inputs.
 */
uint32_t attempt_random(struct attempt *a, uint32_t lo, uint32_t hi);
/* KMEMLAB_SEED: 1 with *seed, 0 when unset, -1 (reported) when malformed. */
int attempt_seed(uint64_t *seed);

/* Add a check result (NULL texts allowed). */
void attempt_add(struct attempt *a, const char *name, int pass, const char *expected,
		 const char *observed, const char *hint);
void attempt_skip(struct attempt *a, const char *name, const char *why);

/*
 * The check being written: what the checker adds to a->exp, a->obs and
 * a->hint (strbuf_addf()) becomes check NAME's expected, observed and
 * hint (hint, when not NULL, in place of a->hint; an empty text is none),
 * and they are emptied for the next check.
 */
void attempt_add_text(struct attempt *a, const char *name, int pass, const char *hint);

/*
 * The checks a KTAP-reporting module starts with: "ktap" (a KTAP version 1
 * header and the plan 1..plan, one test per unit) and "nonce" (a "# ...
 * nonce=" line echoing this attempt's nonce, proof the report is fresh).
 */
void attempt_check_ktap(struct attempt *a, int plan, const char *unit);
/*
 * The "ktap" check alone (called name), in the exercise's words.  With
 * complete, every planned result must be there too, and observed counts
 * the results.
 */
void attempt_check_ktap_plan(struct attempt *a, const char *name, int plan, int complete,
			     const char *expected, const char *hint);
/* The "nonce" check alone (called name): the first "# ... nonce=" line of the report. */
void attempt_check_nonce(struct attempt *a, const char *name);
/*
 * "nonce" for a program: the first line of its output that starts with
 * "WHAT " holds nonce= with this attempt's nonce.  expected is printf-like;
 * what names what the nonce proves fresh ("output") in the hint.
 */
void attempt_check_program_nonce(struct attempt *a, const char *what, const char *proves,
				 const char *expected, ...) __attribute__((format(printf, 4, 5)));

/*
 * Run script in the VM (sh -c; at most timeout_ms, output cut at cap) and
 * append its standard output to reading NAME: when it exits 0, or with
 * READ_ANY_STATUS whatever its status.  The reading exists only when
 * something was kept.  Returns the vm_sh() result (VM_OK, VM_TIMEOUT,
 * VM_DEAD; VM_ERROR when kmemlab itself failed, reported); with res, the
 * whole result is left there for the caller to release.
 */
#define READ_ANY_STATUS 1
int attempt_read(struct attempt *a, struct vm *vm, const char *name, const char *script,
		 int timeout_ms, size_t cap, int flags, struct vm_exec *res);
/* Reading NAME, made (empty) if it does not exist yet, to append to. */
struct strbuf *attempt_keep(struct attempt *a, const char *name);
/* Reading NAME's text: "" when it was never kept (attempt_has_reading() tells). */
const char *attempt_reading(const struct attempt *a, const char *name);
int attempt_has_reading(const struct attempt *a, const char *name);
/* A second run of the learner's program, kept as readings NAME.stdout, .stderr, .exit. */
void attempt_keep_exec(struct attempt *a, const char *name, const struct vm_exec *ex, int ran);
/* The same read back into ex (released by the caller); returns whether it ran. */
int attempt_reading_exec(const struct attempt *a, const char *name, struct vm_exec *ex);

#endif
