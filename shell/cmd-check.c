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

static int check_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct check_options co = { 0 };
	const struct exercise *ex;
	struct store *st;
	struct attempt a;
	char *source = NULL;
	int json = args_has(args, "json"), experiment, stored = 0, r = CMD_ERROR;

	if (args_seconds(args, "timeout", &co.timeout_ms))
		return CMD_ERROR;
	ex = ctx_exercise_arg(ctx, args);
	if (!ex)
		return CMD_ERROR;
	if (args_has(args, "source")) {
		source = xstrdup(args_get(args, "source"));
	} else {
		char *dir = workspace_dir(ex);

		if (!is_dir(dir)) {
			error("you have no copy of exercise '%s' yet: 'start %s' makes one in %s, "
			      "or pass --source PATH", ex->id, ex->lesson->id, dir);
			free(dir);
			return CMD_ERROR;
		}
		source = dir;
	}
	/* Open the store first: a run that cannot be saved is not worth doing. */
	st = ctx_store(ctx);
	if (!st || store_ready_to_save(st, 1 << 20) < 0)
		goto out;
	co.vm.accel = ctx->accel;
	co.progress = !json && ctx->interactive;
	if (!json)
		fprintf(stderr, "checking '%s' from %s\n", ex->id, source);
	experiment = args_has(args, "experiment") || !is_workspace_copy(ex, source);
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
	if (json) {
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
			       args_has(args, "experiment") ? "you said so with --experiment"
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
	.options = (const struct cmd_option[]){
		{ .name = "source", .takes_value = 1, .complete = COMPLETE_FILE },
		{ .name = "experiment" },
		{ .name = "json" },
		{ .name = "timeout", .takes_value = 1 },
		{ 0 },
	},
	.max_args = 1,
	.args_error = "name at most one exercise",
	.exec = check_exec,
};
