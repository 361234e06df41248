#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "tutor.h"

static int reset_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const struct exercise *ex = ctx_exercise_arg(ctx, args);
	char *dir = NULL, *backup = NULL, *path = NULL, *q = NULL;
	int created, r = CMD_ERROR;

	if (!ex)
		return CMD_ERROR;
	dir = workspace_dir(ex);
	if (is_dir(dir)) {
		backup = xasprintf("%s.before-reset", dir);
		if (!args_has(args, "yes")) {
			if (!ctx->interactive) {
				r = cmd_usage_error(&cmd_reset, "reset replaces your copy of '%s': "
						    "add --yes to confirm", ex->id);
				goto out;
			}
			q = xasprintf("Replace your copy of '%s' (%s) with the skeleton?  Your "
				      "current files move to %s.", ex->id, dir, backup);
			if (!ask_yes(q)) {
				printf("Nothing changed.\n");
				r = CMD_OK;
				goto out;
			}
		}
		if (is_dir(backup) && remove_tree(backup) < 0) {
			error("cannot remove the older '%s': %s; move it away and reset again",
			      backup, strerror(errno));
			goto out;
		}
		if (rename(dir, backup) < 0) {
			error("cannot move '%s' to '%s': %s", dir, backup, strerror(errno));
			goto out;
		}
	}
	if (tutor_prepare_workspace(ex, &path, &created) < 0)
		goto out;
	printf("%s is the skeleton again.%s%s\n", path, backup ? "  Your previous files are in " : "",
	       backup ? backup : "");
	r = CMD_OK;
out:
	free(q);
	free(path);
	free(backup);
	free(dir);
	return r;
}

const struct cmd_entry cmd_reset = {
	.name = "reset",
	.alias = NULL,
	.usage = "[EXERCISE] [--yes]",
	.summary = "start an exercise over from its skeleton",
	.help = "Puts the skeleton back in place of your copy of the exercise (the\n"
		"current lesson's by default), after asking.  Your files are not lost:\n"
		"they move to WORKSPACE/EXERCISE.before-reset (replacing an older one).\n"
		"Outside the tutor shell, --yes confirms.\n\n"
		"Examples:\n  reset\n  kmemlab reset ksize --yes",
	.complete = COMPLETE_EXERCISE,
	.options = (const struct cmd_option[]){ { .name = "yes" }, { 0 } },
	.max_args = 1,
	.args_error = "name at most one exercise",
	.exec = reset_exec,
};
