#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "session.h"

/* The attempt record (record.h), and what this run adds: source, experiment, stored. */
static struct json_object *attempt_json(const struct attempt *a, int stored)
{
	struct record r;
	struct json_object *o;

	attempt_record(a, &r);
	o = record_to_json(&r);
	record_release(&r);
	json_object_object_add(o, "source", json_object_new_string(a->source));
	json_object_object_add(o, "experiment", json_object_new_boolean(a->experiment));
	json_object_object_add(o, "stored", json_object_new_boolean(stored));
	return o;
}

/*
 * Is source the learner's workspace copy of ex (the folder or a file in
 * it)?  Only that copy is submitted, so only its checks count.
 */
static int is_workspace_copy(const struct exercise *ex, const char *source)
{
	char *dir = workspace_dir(ex), *ws = realpath(dir, NULL), *src = realpath(source, NULL);
	int r = 0;

	if (ws && src) {
		char *parent = path_dirname(src);

		r = !strcmp(src, ws) || !strcmp(parent, ws);
		free(parent);
	}
	free(src);
	free(ws);
	free(dir);
	return r;
}

static int check_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct opt opts[] = {
		{ .name = "source", .takes_value = 1 },
		{ .name = "json" },
		{ .name = "timeout", .takes_value = 1 },
		{ .name = "experiment" },
	};
	struct check_options co = { 0 };
	const struct exercise *ex;
	struct course *c;
	struct store *st;
	struct attempt a;
	char *source = NULL;
	int experiment;
	int r = opts_parse(&cmd_check, &argc, argv, opts, 4), stored = 0;

	if (r)
		goto out_opts;
	r = CMD_ERROR;
	if (argc > 2) {
		r = cmd_usage_error(&cmd_check, "name one exercise");
		goto out_opts;
	}
	if (opt_seconds(&cmd_check, &opts[2], &co.timeout_ms)) {
		r = CMD_ERROR;
		goto out_opts;
	}
	c = ctx_course(ctx);
	if (!c)
		goto out_opts;
	if (argc == 2) {
		ex = course_exercise(c, argv[1]);
		if (!ex) {
			error("no exercise '%s': 'lessons' lists them", argv[1]);
			goto out_opts;
		}
	} else {
		ex = ctx_current_exercise(ctx);
		if (!ex)
			goto out_opts;
	}
	if (opts[0].seen) {
		source = xstrdup(opts[0].value);
	} else {
		char *dir = workspace_dir(ex);

		if (!is_dir(dir)) {
			error("you have no copy of exercise '%s' yet: 'start %s' makes one in %s, "
			      "or pass --source PATH", ex->id, ex->lesson->id, dir);
			free(dir);
			goto out_opts;
		}
		source = dir;
	}
	/* Open the store first: a run that cannot be saved is not worth doing. */
	st = ctx_store(ctx);
	if (!st || store_ready_to_save(st, 1 << 20) < 0)
		goto out;
	co.vm.accel = ctx->accel;
	co.progress = !opts[1].seen && ctx->interactive;
	if (!opts[1].seen)
		fprintf(stderr, "checking '%s' from %s\n", ex->id, source);
	experiment = opts[3].seen || !is_workspace_copy(ex, source);
	if (attempt_run(ex, source, &co, &a) < 0 || interrupted) {
		if (interrupted) {
			fprintf(stderr, "\ninterrupted: the check of '%s' stopped and nothing was "
				"saved\n", ex->id);
			interrupted = 0;	/* said once */
		}
		attempt_release(&a);
		goto out;
	}
	a.experiment = experiment;
	if (attempt_store(st, &a) == 0)
		stored = 1;
	{
		char *what = xasprintf("check %s (%s)", ex->id, a.started_at);

		/* A build that failed ran nothing: 'dmesg' then shows its whole output. */
		save_last_dmesg(what, a.build.ok ? &a.dmesg : &a.build.log,
				a.build.ok ? &a.trace : NULL);
		free(what);
	}
	if (opts[1].seen) {
		struct json_object *o = attempt_json(&a, stored);

		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		attempt_print(&a, stdout, ctx->color);
		if (stored && experiment) {
			char *ws = workspace_dir(ex);

			printf("\nSaved as an experiment: %s.\nExperiments are kept apart: "
			       "they do not count in 'progress' and are not submitted.\nOnly "
			       "checks of your workspace copy (%s) count.\n",
			       opts[3].seen ? "you said so with --experiment"
					    : "this source is not your workspace copy",
			       ws);
			free(ws);
		} else if (!strcmp(a.verdict, "pass") && ctx->interactive)
			printf("\nWell done.  'solution' shows the reference solution to compare "
			       "with yours,\n'next' goes on to the next lesson, 'progress' shows "
			       "where you stand.\n");
		else if (ctx->interactive)
			printf("\nNot yet: each failed check above says what it expected.  'hint' "
			       "gives a hint,\n'dmesg' shows this run's kernel log, 'diff' your "
			       "changes, 'edit' the file.\n");
	}
	r = !stored ? CMD_ERROR : !strcmp(a.verdict, "pass") ? CMD_OK : CMD_FAIL;
	attempt_release(&a);
	if (ex->boot_fresh && ctx->interactive) {
		/* Its next check needs a new boot: let it come up while the learner edits. */
		struct vm_options vo;

		attempt_vm_options(ex, &co, &vo);
		lab_spare(&vo);
	}
out:
	free(source);
out_opts:
	opts_release(opts, 4);
	return r;
}

const struct cmd_entry cmd_check = {
	.name = "check",
	.alias = "c",
	.usage = "[EXERCISE] [--source PATH] [--experiment] [--json] [--timeout SECONDS]",
	.summary = "build, run and grade your exercise in the lab VM",
	.help = "Builds your module against the lab kernel, boots the lab VM, loads the\n"
		"grader's probe and then your module with this attempt's random inputs,\n"
		"and compares what your module reported with what the kernel showed in\n"
		"the same run.  Each check prints what was expected, what was observed\n"
		"and a hint; the attempt is saved.\n\n"
		"EXERCISE defaults to the current lesson's exercise; PATH (a file or a\n"
		"directory) to your workspace copy.  Exit status: 0 passed, 1 not yet,\n"
		"2 error.  --json prints the attempt as it is kept and submitted: verdict,\n"
		"every check, inputs, durations (build_ms, vm_ms, grade_ms) and the\n"
		"transcript, with the source and whether it was an experiment.\n\n"
		"A check of any other source, or one with --experiment, is saved as an\n"
		"experiment: kept apart, it does not count in 'progress' and is not\n"
		"submitted.\n\n"
		"Examples:\n  check\n  kmemlab check ksize --source ~/ksize_ex.c --json",
	.complete = COMPLETE_EXERCISE,
	.exec = check_exec,
};
