#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "class.h"
#include "cmd.h"

/* --class DIR, else $KMEMLAB_CLASS, else the current directory. */
static const char *class_dir(const struct opt *o)
{
	const char *env = getenv("KMEMLAB_CLASS");

	if (o->seen)
		return o->value;
	return env && *env ? env : ".";
}

static int class_init(int argc, char **argv)
{
	struct store *st;

	if (argc != 3)
		return cmd_usage_error(&cmd_class, "'class init' wants one directory");
	st = class_open(argv[2], 1);
	if (!st)
		return CMD_ERROR;
	printf("class database %s/class.db is ready: 'kmemlab class import BUNDLE...' adds "
	       "submissions\n", argv[2]);
	store_close(st);
	return CMD_OK;
}

static int class_import_files(struct cmd_ctx *ctx, const char *dir, int argc, char **argv)
{
	struct course *c = ctx_course(ctx);
	struct store *st;
	int r;

	if (argc < 3)
		return cmd_usage_error(&cmd_class, "'class import' wants one or more bundles");
	if (!c)
		return CMD_ERROR;
	st = class_open(dir, 0);
	if (!st)
		return CMD_ERROR;
	r = class_import_all(st, c, argv + 2, argc - 2);
	store_close(st);
	return r ? CMD_FAIL : CMD_OK;
}

static int class_regrade_jobs(struct cmd_ctx *ctx, const char *dir, struct opt *opts, int argc)
{
	struct regrade_options ro = { .jobs = 1 };
	struct course *c;
	struct store *st;
	char *end;
	int r;

	if (argc != 2)
		return cmd_usage_error(&cmd_class, "'class regrade' takes options only");
	if (opts[1].seen) {
		long j = strtol(opts[1].value, &end, 10);

		if (*end || j < 1 || j > 64)
			return cmd_usage_error(&cmd_class, "--jobs wants a number from 1 to 64, not "
					       "'%s'", opts[1].value);
		ro.jobs = (int)j;
	}
	ro.learner = opts[2].seen ? opts[2].value : NULL;
	ro.exercise = opts[3].seen ? opts[3].value : NULL;
	ro.force = opts[4].seen;
	ro.accel = ctx->accel;
	c = ctx_course(ctx);
	if (!c)
		return CMD_ERROR;
	if (ro.exercise && !course_exercise(c, ro.exercise)) {
		error("no exercise '%s': 'lessons' lists them", ro.exercise);
		return CMD_ERROR;
	}
	st = class_open(dir, 0);
	if (!st)
		return CMD_ERROR;
	ro.logdir = path_join(dir, "regrade-logs");
	r = class_regrade(st, c, &ro);
	free((char *)ro.logdir);
	store_close(st);
	return r < 0 ? CMD_ERROR : r ? CMD_FAIL : CMD_OK;
}

static int class_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct opt opts[] = {
		{ .name = "class", .takes_value = 1 },
		{ .name = "jobs", .takes_value = 1 },
		{ .name = "learner", .takes_value = 1 },
		{ .name = "exercise", .takes_value = 1 },
		{ .name = "force" },
	};
	int r = opts_parse(&cmd_class, &argc, argv, opts, 5);

	if (r)
		goto out;
	if (argc < 2) {
		r = cmd_usage_error(&cmd_class, "name a subcommand: init, import or regrade");
	} else if (strcmp(argv[1], "regrade") &&
		   (opts[1].seen || opts[2].seen || opts[3].seen || opts[4].seen)) {
		r = cmd_usage_error(&cmd_class, "--jobs, --learner, --exercise and --force are "
				    "for 'class regrade'");
	} else if (!strcmp(argv[1], "init")) {
		r = class_init(argc, argv);
	} else if (!strcmp(argv[1], "import")) {
		r = class_import_files(ctx, class_dir(&opts[0]), argc, argv);
	} else if (!strcmp(argv[1], "regrade")) {
		r = class_regrade_jobs(ctx, class_dir(&opts[0]), opts, argc);
	} else {
		r = cmd_usage_error(&cmd_class, "unknown subcommand '%s': init, import or regrade",
				    argv[1]);
	}
out:
	opts_release(opts, 5);
	return r;
}

const struct cmd_entry cmd_class = {
	.name = "class",
	.alias = NULL,
	.usage = "init DIR | import BUNDLE... | regrade [--jobs N] [--learner ID] "
		 "[--exercise ID] [--force] [--class DIR]",
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
		"                        --force redoes what was done\n\n"
		"The class directory is --class DIR, else $KMEMLAB_CLASS, else the current\n"
		"directory.  Exit status: 0 all fine, 1 a bundle rejected, an import\n"
		"interrupted, a job not graded or a disagreement, 2 error.\n\n"
		"Examples:\n  kmemlab class init ~/os-2026\n"
		"  kmemlab class import --class ~/os-2026 inbox/*.tar.gz\n"
		"  kmemlab class regrade --class ~/os-2026 --jobs 2",
	.complete = COMPLETE_FILE,
	.subcommands = (const char *const[]){ "init", "import", "regrade", NULL },
	.exec = class_exec,
};
