#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "class.h"
#include "cmd.h"
#include "paths.h"

/* --class DIR, else $KMEMLAB_CLASS, else the current directory. */
static const char *class_dir(const struct cmd_args *args)
{
	const char *env = getenv("KMEMLAB_CLASS");

	if (args_has(args, "class"))
		return args_get(args, "class");
	return env && *env ? env : ".";
}

static int class_init(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct course *c;
	struct store *st;

	c = ctx_course(ctx);
	if (!c)
		return CMD_ERROR;
	st = class_open(args->argv[0], 1);
	if (!st)
		return CMD_ERROR;
	if (class_set_course(st, c) < 0) {
		store_close(st);
		return CMD_ERROR;
	}
	printf("class database %s/class.db is ready for course '%s' (%s, version %s): 'kmemlab "
	       "class import BUNDLE...' adds submissions\n", args->argv[0], c->id, c->title,
	       c->version);
	store_close(st);
	return CMD_OK;
}

static int class_import_files(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct course *c;
	struct store *st;
	int r;

	st = class_open(class_dir(args), 0);
	if (!st)
		return CMD_ERROR;
	c = ctx_class_course(ctx, st);
	if (!c) {
		store_close(st);
		return CMD_ERROR;
	}
	r = class_import_all(st, c, args->argv, args->argc);
	store_close(st);
	return r ? CMD_FAIL : CMD_OK;
}

static int class_regrade_jobs(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct regrade_options ro = { .jobs = 1 };
	struct slurm_options so = { 0 };
	int slurm = args_has(args, "slurm"), jobs = args_has(args, "jobs");
	const char *dir = class_dir(args);
	struct course *c;
	struct store *st;
	int r;

	if (args_number(args, "jobs", 1, 64, &ro.jobs) ||
	    args_number(args, "time", 1, 100000, &so.time_min))
		return CMD_ERROR;
	if (!slurm && (args_has(args, "partition") || args_has(args, "time") ||
		       args_has(args, "sbatch-arg") || args_has(args, "dry-run") ||
		       args_has(args, "no-wait")))
		return cmd_usage_error(args->entry, "--partition, --time, --sbatch-arg, --dry-run "
				       "and --no-wait are for 'class regrade --slurm'");
	if (slurm && jobs)
		return cmd_usage_error(args->entry, "--jobs is for a local regrade: with --slurm, "
				       "Slurm decides how many run at once");
	if (args_has(args, "collect") && (slurm || jobs || args_has(args, "force")))
		return cmd_usage_error(args->entry, "--collect takes no other regrade option");
	so.partition = args_get(args, "partition");
	so.sbatch_args = args_values(args, "sbatch-arg", &so.nsbatch_args);
	so.dry_run = args_has(args, "dry-run");
	so.no_wait = args_has(args, "no-wait");
	ro.learner = args_get(args, "learner");
	ro.exercise = args_get(args, "exercise");
	ro.force = args_has(args, "force");
	ro.accel = ctx->accel;
	st = class_open(dir, 0);
	if (!st)
		return CMD_ERROR;
	c = ctx_class_course(ctx, st);
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
	r = args_has(args, "collect") ? class_slurm_collect(st, &ro)
	    : slurm ? class_regrade_slurm(st, c, &ro, &so) : class_regrade(st, c, &ro);
	free((char *)ro.logdir);
	store_close(st);
	return r < 0 ? CMD_ERROR : r ? CMD_FAIL : CMD_OK;
}

/* class slurm-task RUN ARRAY TASK: what an array task's script runs on its node. */
static int class_task(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct course *c;
	char *end1, *end2;
	long array, task;

	array = strtol(args->argv[1], &end1, 10);
	task = strtol(args->argv[2], &end2, 10);
	if (*end1 || *end2 || array < 0 || task < 0)
		return cmd_usage_error(args->entry, "'class slurm-task': '%s' and '%s' are not an "
				       "array and a task number", args->argv[1], args->argv[2]);
	c = ctx_course(ctx);
	if (!c)
		return CMD_ERROR;
	switch (class_slurm_task(c, args->argv[0], (int)array, (int)task)) {
	case 0:
		return CMD_OK;
	case 1:
		return CMD_FAIL;
	default:
		return CMD_ERROR;
	}
}

static const struct cmd_option class_dir_option[] = {
	{ .name = "class", .takes_value = 1, .complete = COMPLETE_FILE },
	{ 0 },
};

static const struct cmd_entry class_init_entry = {
	.name = "init",
	.usage = "DIR",
	.summary = "make the class directory and database",
	.complete = COMPLETE_FILE,
	.min_args = 1,
	.max_args = 1,
	.args_error = "'class init' wants one directory",
	.parent = &cmd_class,
	.exec = class_init,
};

static const struct cmd_entry class_import_entry = {
	.name = "import",
	.usage = "[--class DIR] BUNDLE...",
	.summary = "check each learner's bundle and store it",
	.complete = COMPLETE_FILE,
	.options = class_dir_option,
	.min_args = 1,
	.max_args = CMD_ARGS_ANY,
	.args_error = "'class import' wants one or more bundles",
	.parent = &cmd_class,
	.exec = class_import_files,
};

static const struct cmd_entry class_regrade_entry = {
	.name = "regrade",
	.usage = "[--jobs N] [--learner ID] [--exercise ID] [--force] [--slurm [--partition P] "
		 "[--time MINUTES] [--sbatch-arg ARG]... [--dry-run] [--no-wait]] [--collect] "
		 "[--class DIR]",
	.summary = "re-run each learner's latest submission in fresh lab VMs",
	.complete = COMPLETE_NONE,
	.options = (const struct cmd_option[]){
		{ .name = "jobs", .takes_value = 1 },
		{ .name = "learner", .takes_value = 1 },
		{ .name = "exercise", .takes_value = 1, .complete = COMPLETE_EXERCISE },
		{ .name = "force" },
		{ .name = "slurm" },
		{ .name = "partition", .takes_value = 1 },
		{ .name = "time", .takes_value = 1 },
		{ .name = "sbatch-arg", .takes_value = 1, .repeatable = 1 },
		{ .name = "dry-run" },
		{ .name = "no-wait" },
		{ .name = "collect" },
		{ .name = "class", .takes_value = 1, .complete = COMPLETE_FILE },
		{ 0 },
	},
	.args_error = "'class regrade' takes options only",
	.parent = &cmd_class,
	.exec = class_regrade_jobs,
};

static const struct cmd_entry class_task_entry = {
	.name = "slurm-task",
	.usage = "RUN ARRAY TASK",
	.summary = "what a Slurm array task runs on its node",
	.complete = COMPLETE_NONE,
	.min_args = 3,
	.max_args = 3,
	.args_error = "'class slurm-task' wants the run folder, the array and the task (the "
		      "sbatch script gives them)",
	.parent = &cmd_class,
	.hidden = 1,
	.exec = class_task,
};

const struct cmd_entry cmd_class = {
	.name = "class",
	.alias = NULL,
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
	.complete = COMPLETE_NONE,
	.subcommands = (const struct cmd_entry *const[]){
		&class_init_entry, &class_import_entry, &class_regrade_entry, &class_task_entry,
		NULL,
	},
};
