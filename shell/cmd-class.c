#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "class.h"
#include "cmd.h"
#include "paths.h"

/* --class DIR, else $KMEMLAB_CLASS, else the current directory. */
static const char *class_dir(const struct opt *o)
{
	const char *env = getenv("KMEMLAB_CLASS");

	if (o->seen)
		return o->value;
	return env && *env ? env : ".";
}

static int class_init(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct course *c;
	struct store *st;

	if (argc != 3)
		return cmd_usage_error(&cmd_class, "'class init' wants one directory");
	c = ctx_course(ctx);
	if (!c)
		return CMD_ERROR;
	st = class_open(argv[2], 1);
	if (!st)
		return CMD_ERROR;
	if (class_set_course(st, c) < 0) {
		store_close(st);
		return CMD_ERROR;
	}
	printf("class database %s/class.db is ready for course '%s' (%s, version %s): 'kmemlab "
	       "class import BUNDLE...' adds submissions\n", argv[2], c->id, c->title, c->version);
	store_close(st);
	return CMD_OK;
}

/*
 * The class's own course, loaded from the folder class init recorded:
 * imports and regrades grade by it, whatever --course says.
 */
static struct course *class_course_of(struct cmd_ctx *ctx, struct store *st)
{
	char *id = NULL, *dir = NULL;
	struct course *c;

	if (class_course(st, &id, &dir) < 0)
		return NULL;
	if (dir && strcmp(dir, paths.course)) {
		free(paths.course);
		paths.course = dir;
		dir = NULL;
		if (ctx->course_loaded) {
			course_release(&ctx->course);
			ctx->course_loaded = 0;
		}
	}
	free(dir);
	c = ctx_course(ctx);
	if (c && id && strcmp(id, c->id)) {
		error("this class teaches course '%s', but its folder '%s' now holds course '%s': "
		      "put the class's course back there", id, paths.course, c->id);
		c = NULL;
	}
	free(id);
	return c;
}

static int class_import_files(struct cmd_ctx *ctx, const char *dir, int argc, char **argv)
{
	struct course *c;
	struct store *st;
	int r;

	if (argc < 3)
		return cmd_usage_error(&cmd_class, "'class import' wants one or more bundles");
	st = class_open(dir, 0);
	if (!st)
		return CMD_ERROR;
	c = class_course_of(ctx, st);
	if (!c) {
		store_close(st);
		return CMD_ERROR;
	}
	r = class_import_all(st, c, argv + 2, argc - 2);
	store_close(st);
	return r ? CMD_FAIL : CMD_OK;
}

/* The options of 'class', by position in class_exec()'s table. */
enum {
	O_CLASS, O_JOBS, O_LEARNER, O_EXERCISE, O_FORCE, O_SLURM, O_PARTITION, O_TIME,
	O_SBATCH_ARG, O_DRY_RUN, O_NO_WAIT, O_COLLECT, O_COUNT
};

/* A whole number from lo to hi of option o into *v; CMD_ERROR after saying why. */
static int opt_number(const struct opt *o, long lo, long hi, int *v)
{
	char *end;
	long n;

	if (!o->seen)
		return 0;
	n = strtol(o->value, &end, 10);
	if (*end || n < lo || n > hi)
		return cmd_usage_error(&cmd_class, "--%s wants a number from %ld to %ld, not '%s'",
				       o->name, lo, hi, o->value);
	*v = (int)n;
	return 0;
}

static int class_regrade_jobs(struct cmd_ctx *ctx, const char *dir, struct opt *opts, int argc)
{
	struct regrade_options ro = { .jobs = 1 };
	struct slurm_options so = { 0 };
	int slurm = opts[O_SLURM].seen;
	struct course *c;
	struct store *st;
	int r;

	if (argc != 2)
		return cmd_usage_error(&cmd_class, "'class regrade' takes options only");
	if (opt_number(&opts[O_JOBS], 1, 64, &ro.jobs) ||
	    opt_number(&opts[O_TIME], 1, 100000, &so.time_min))
		return CMD_ERROR;
	if (!slurm && (opts[O_PARTITION].seen || opts[O_TIME].seen || opts[O_SBATCH_ARG].seen ||
		       opts[O_DRY_RUN].seen || opts[O_NO_WAIT].seen))
		return cmd_usage_error(&cmd_class, "--partition, --time, --sbatch-arg, --dry-run "
				       "and --no-wait are for 'class regrade --slurm'");
	if (slurm && opts[O_JOBS].seen)
		return cmd_usage_error(&cmd_class, "--jobs is for a local regrade: with --slurm, "
				       "Slurm decides how many run at once");
	if (opts[O_COLLECT].seen && (slurm || opts[O_JOBS].seen || opts[O_FORCE].seen))
		return cmd_usage_error(&cmd_class, "--collect takes no other regrade option");
	so.partition = opts[O_PARTITION].seen ? opts[O_PARTITION].value : NULL;
	so.sbatch_args = opts[O_SBATCH_ARG].values;
	so.nsbatch_args = opts[O_SBATCH_ARG].nvalues;
	so.dry_run = opts[O_DRY_RUN].seen;
	so.no_wait = opts[O_NO_WAIT].seen;
	ro.learner = opts[O_LEARNER].seen ? opts[O_LEARNER].value : NULL;
	ro.exercise = opts[O_EXERCISE].seen ? opts[O_EXERCISE].value : NULL;
	ro.force = opts[O_FORCE].seen;
	ro.accel = ctx->accel;
	st = class_open(dir, 0);
	if (!st)
		return CMD_ERROR;
	c = class_course_of(ctx, st);
	if (!c) {
		store_close(st);
		return CMD_ERROR;
	}
	if (ro.exercise && !course_exercise(c, ro.exercise)) {
		error("no exercise '%s' in course '%s': 'lessons' lists them", ro.exercise, c->id);
		store_close(st);
		return CMD_ERROR;
	}
	ro.logdir = path_join(dir, "regrade-logs");
	ro.classdir = dir;
	r = opts[O_COLLECT].seen ? class_slurm_collect(st, &ro)
	    : slurm ? class_regrade_slurm(st, c, &ro, &so) : class_regrade(st, c, &ro);
	free((char *)ro.logdir);
	store_close(st);
	return r < 0 ? CMD_ERROR : r ? CMD_FAIL : CMD_OK;
}

/* class slurm-task RUN ARRAY TASK: what an array task's script runs on its node. */
static int class_task(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct course *c;
	char *end1, *end2;
	long array, task;

	if (argc != 5)
		return cmd_usage_error(&cmd_class, "'class slurm-task' wants the run folder, the "
				       "array and the task (the sbatch script gives them)");
	array = strtol(argv[3], &end1, 10);
	task = strtol(argv[4], &end2, 10);
	if (*end1 || *end2 || array < 0 || task < 0)
		return cmd_usage_error(&cmd_class, "'class slurm-task': '%s' and '%s' are not an "
				       "array and a task number", argv[3], argv[4]);
	c = ctx_course(ctx);
	if (!c)
		return CMD_ERROR;
	switch (class_slurm_task(c, argv[2], (int)array, (int)task)) {
	case 0:
		return CMD_OK;
	case 1:
		return CMD_FAIL;
	default:
		return CMD_ERROR;
	}
}

static int class_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct opt opts[] = {
		[O_CLASS] = { .name = "class", .takes_value = 1 },
		[O_JOBS] = { .name = "jobs", .takes_value = 1 },
		[O_LEARNER] = { .name = "learner", .takes_value = 1 },
		[O_EXERCISE] = { .name = "exercise", .takes_value = 1 },
		[O_FORCE] = { .name = "force" },
		[O_SLURM] = { .name = "slurm" },
		[O_PARTITION] = { .name = "partition", .takes_value = 1 },
		[O_TIME] = { .name = "time", .takes_value = 1 },
		[O_SBATCH_ARG] = { .name = "sbatch-arg", .takes_value = 1 },
		[O_DRY_RUN] = { .name = "dry-run" },
		[O_NO_WAIT] = { .name = "no-wait" },
		[O_COLLECT] = { .name = "collect" },
	};
	int r = opts_parse(&cmd_class, &argc, argv, opts, O_COUNT), regrade_only = 0;

	if (r)
		goto out;
	for (int i = O_JOBS; i < O_COUNT; i++)
		regrade_only |= opts[i].seen;
	if (argc < 2) {
		r = cmd_usage_error(&cmd_class, "name a subcommand: init, import or regrade");
	} else if (strcmp(argv[1], "regrade") && regrade_only) {
		r = cmd_usage_error(&cmd_class, "--jobs, --learner, --exercise, --force and the "
				    "Slurm options are for 'class regrade'");
	} else if (!strcmp(argv[1], "init")) {
		r = class_init(ctx, argc, argv);
	} else if (!strcmp(argv[1], "import")) {
		r = class_import_files(ctx, class_dir(&opts[O_CLASS]), argc, argv);
	} else if (!strcmp(argv[1], "regrade")) {
		r = class_regrade_jobs(ctx, class_dir(&opts[O_CLASS]), opts, argc);
	} else if (!strcmp(argv[1], "slurm-task")) {
		r = class_task(ctx, argc, argv);
	} else {
		r = cmd_usage_error(&cmd_class, "unknown subcommand '%s': init, import or regrade",
				    argv[1]);
	}
out:
	opts_release(opts, O_COUNT);
	return r;
}

const struct cmd_entry cmd_class = {
	.name = "class",
	.alias = NULL,
	.usage = "init DIR | import BUNDLE... | regrade [--jobs N] [--learner ID] "
		 "[--exercise ID] [--force] [--slurm [--partition P] [--time MINUTES] "
		 "[--sbatch-arg ARG]... [--dry-run] [--no-wait]] [--collect] [--class DIR]",
	.summary = "the instructor's side: import submissions, regrade them",
	.help = "For instructors.  A class is a directory with its own database,\n"
		"DIR/class.db, separate from any learner's.\n\n"
		"  class init DIR        make the class directory and database\n"
		"  class import BUNDLE   check each learner's bundle (hashes, paths, sizes,\n"
		"                        names, times, attempts against their checks) and\n"
		"                        store it; a rejected bundle stores nothing, one\n"
		"                        imported twice changes nothing; Ctrl-C stops\n"
		"                        between bundles and names those not imported\n"
		"  class regrade         re-run each learner's latest submission (the one\n"
		"                        imported last: not the learner's clock), every\n"
		"                        exercise in a fresh lab VM, N at a time (--jobs),\n"
		"                        and list where the learner's own verdict and the\n"
		"                        regrade disagree; it resumes where it stopped,\n"
		"                        --force redoes what was done\n"
		"  class regrade --slurm the same jobs as Slurm job arrays on a cluster\n"
		"                        whose nodes share the class folder and have\n"
		"                        kmemlab, the lab kernel and QEMU at the same\n"
		"                        paths; results come back as files, one\n"
		"                        transaction each into class.db; a job whose task\n"
		"                        died runs once more; Ctrl-C cancels the arrays\n"
		"                        and a second run resumes.  --partition, --time\n"
		"                        (minutes a task, default 10 a job), --sbatch-arg\n"
		"                        (more #SBATCH lines), --dry-run (the plan and\n"
		"                        the script, nothing submitted), --no-wait (then\n"
		"                        --collect takes the results in)\n"
		"  class slurm-task RUN ARRAY TASK   what an array task runs on its node\n\n"
		"The class directory is --class DIR, else $KMEMLAB_CLASS, else the current\n"
		"directory.  Exit status: 0 all fine, 1 a bundle rejected, an import\n"
		"interrupted, a job not graded or a disagreement, 2 error.\n\n"
		"Examples:\n  kmemlab class init ~/os-2026\n"
		"  kmemlab class import --class ~/os-2026 inbox/*.tar.gz\n"
		"  kmemlab class regrade --class ~/os-2026 --jobs 2\n"
		"  kmemlab class regrade --class ~/os-2026 --slurm --partition lab --dry-run",
	.complete = COMPLETE_FILE,
	.subcommands = (const char *const[]){ "init", "import", "regrade", "slurm-task", NULL },
	.exec = class_exec,
};
