/*
 * Declared grading: an exercise graded from its lesson.json "grade"
 * object, with no C of its own, still on the ground truth of the same run
 * (check-declared.c grades it).  kmemlab-course(5) documents the format
 * for instructors; in short:
 *
 *   "grade": {
 *     "inputs": [                       drawn afresh for every attempt
 *       { "name": "n", "int": [3, 9] },
 *       { "name": "sizes", "list": [[[65, 95], [129, 191]], [1, 64], [193, 4096]],
 *         "shuffle": true },           one value a range; a range may be a list
 *                                     of ranges, one of them chosen at random
 *       { "name": "mode", "choice": ["fifo", "lifo"] } ],
 *     "params": "sizes={sizes} nonce={nonce}",   the module's parameters
 *                                     (a program's arguments); {NAME} is an
 *                                     input, {nonce} this attempt's nonce
 *     "probe": { "dir": "probe", "params": "sizes={sizes} nonce={nonce}" },
 *     "programs": [ { "name": "hog", "dir": "hog" } ],
 *                                     guest programs of the pack's own: each
 *                                     folder beside lesson.json is built
 *                                     static and put in the VM as /lab/NAME
 *                                     before the first reading
 *                                     the pack's own module, beside lesson.json,
 *                                     loaded first: its KTAP report is the truth
 *     "runs": [ { "name": "grew", "args": "{nonce} grew /lab/before" },
 *               { "name": "top", "args": "{nonce} top {n}" } ],
 *                                     a program run more than once, in order
 *                                     (instead of "params")
 *     "read": [ { "name": "caches", "when": "after", "run": "SHELL COMMAND" } ],
 *                                     facts read in the VM: "before" the
 *                                     learner's module or program, while
 *                                     "loaded", or "after"; for a program
 *                                     also at the "start" (before the probe)
 *                                     and "before RUN" or "after RUN"
 *     "tests": "count(sizes)",         how many KTAP results the learner reports
 *     "checks": [ ... ]                in order, each { "name", "kind", "hint", ... }
 *   }
 *
 * Check kinds:
 *   ktap     the learner's report is KTAP with "tests" results
 *   nonce    its "# ... nonce=" line is this attempt's
 *   results  for each result i: the value of "key" (or each of "keys")
 *            in the result's "# key=value" comment is "expect" (an
 *            integer expression, expr.h, over input.NAME, input.NAME[i],
 *            count.NAME (a list's length), truth.KEY (the probe's result
 *            i), truth.N.KEY (its result N, from 1), sum.truth.KEY (over
 *            all its results with KEY), learner.KEY and learner.N.KEY
 *            (the learner's own report), reading.NAME (a reading's
 *            first number), reading.NAME.KEY (its KEY=number), i;
 *            numbers decimal or 0x hexadecimal), "within" a
 *            tolerance (an expression), "one_of" a list of expressions,
 *            or "match"es an extended regular expression; and the
 *            result is "ok"
 *   log      the kernel log of the run has a line matching "require", or
 *            none matching "forbid" (extended regular expressions)
 *   output   the same for a program's standard output, in every run
 *            or in the runs named by "in"
 *   exit     a program's exit status is "status" (every run, or "in")
 *   value    the expression "value" (over the inputs, the truth and the
 *            readings, not a result's) is "expect" ("within" a
 *            tolerance), or "at_least" and/or "at_most" given bounds
 *   script   "run" (a busybox sh script beside lesson.json) runs in the
 *            lab VM with "args", the learner's report, the truth, the
 *            inputs, the readings and each run's output in /lab/grade and
 *            prints KTAP: the check passes when every result is ok;
 *            "# expected: ", "# observed: " and "# hint: " lines after a
 *            result say why one is not; with "results" (further check
 *            names), one run grades several checks: result 1 is the
 *            check's own, result k+1 the k-th of "results"
 *
 * A check with "needs" (earlier checks' names) is skipped unless they
 * passed.  A program's nonce check reads the first "# ... nonce=" line of
 * every run.
 *
 * Every module exercise is also graded on its cleanup (leaks.h), as the
 * shipped ones are.  A malformed declaration is an error naming the file
 * and the field when the course loads, never a pass.
 */
#ifndef KMEMLAB_GRADING_H
#define KMEMLAB_GRADING_H

#include <stdint.h>

struct json_object;

enum grading_input_kind { INPUT_INT, INPUT_LIST, INPUT_CHOICE };

/* One value drawn from one of its ranges. */
struct grading_value {
	int64_t (*alt)[2];	/* [MIN, MAX] each */
	int nalt;
};

struct grading_input {
	char *name;
	enum grading_input_kind kind;
	struct grading_value *values;	/* int: one; list: one per element */
	int nvalues;
	int shuffle;		/* list: in random order */
	char **choices;		/* choice */
	int nchoices;
};

/* A guest program of the pack's own: /lab/NAME, built from the folder dir. */
struct grading_program {
	char *name;
	char *dir;		/* absolute */
};

/* A program's run: its name and its arguments (a template, as params). */
struct grading_run {
	char *name;
	char *args;
};

enum grading_when {
	READ_START,		/* a program's, before the probe */
	READ_BEFORE, READ_LOADED, READ_AFTER,
	READ_BEFORE_RUN, READ_AFTER_RUN,	/* around run "run" of a program */
};

struct grading_read {
	char *name;
	enum grading_when when;
	int run;		/* READ_*_RUN: the index in runs */
	char *script;		/* the shell command */
};

enum grading_check_kind {
	GCHECK_KTAP, GCHECK_NONCE, GCHECK_RESULTS, GCHECK_LOG, GCHECK_OUTPUT, GCHECK_EXIT,
	GCHECK_SCRIPT, GCHECK_VALUE,
};

enum grading_op { OP_EQUAL, OP_WITHIN, OP_ONE_OF, OP_MATCH };

struct grading_check {
	char *name;
	enum grading_check_kind kind;
	char *hint;		/* NULL: a general one */
	/* results */
	char **keys;
	int nkeys;
	enum grading_op op;
	char **expect;		/* equal, within: one per key; one_of: the choices */
	int nexpect;
	char *tolerance;	/* within */
	/* value: an expression, and its bounds (either may be NULL) */
	char *value, *at_least, *at_most;
	char *pattern;		/* match */
	/* log, output */
	char *require, *forbid;
	/* exit */
	int status;
	/* script: absolute, and its arguments (a template); the further
	 * checks its results 2, 3, ... grade ("results"), if any */
	char *script;
	char *args;
	char **results;
	int nresults;
	/* output, exit: the runs it reads (indexes in runs); none: every run */
	int *in;
	int nin;
	/* the earlier checks that must pass first (indexes in the names of
	 * grading_check_names()) */
	int *needs;
	int nneeds;
};

struct grading {
	struct grading_input *inputs;
	int ninputs;
	char *params;
	struct grading_run *runs;	/* a program's runs, or none: one, with params */
	int nruns;
	struct grading_program *programs;
	int nprograms;
	char *probe_dir;	/* absolute, or NULL */
	char *probe_params;
	struct grading_read *reads;
	int nreads;
	char *tests;		/* an expression */
	struct grading_check *checks;
	int nchecks;
};

/*
 * Read the "grade" object o (at where, e.g. "exercises[0].grade") of the
 * lesson in lesson_dir into g, for a program exercise when program is set.
 * 0, or -1 with *cause naming the field.
 */
int grading_load(struct json_object *o, const char *where, const char *lesson_dir,
		 int program, struct grading *g, char **cause);
void grading_release(struct grading *g);

/* The check names, a script's "results" after its own, NULL-ended
 * (allocated array; the names are g's). */
const char **grading_check_names(const struct grading *g);

#endif
