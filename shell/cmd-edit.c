#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "run.h"
#include "tutor.h"

/* $VISUAL, then $EDITOR, then Debian's 'editor' alternative, then vi. */
static const char *editor_command(void)
{
	const char *e = getenv("VISUAL");

	if (!e || !*e)
		e = getenv("EDITOR");
	if (e && *e)
		return e;
	return access("/usr/bin/editor", X_OK) == 0 ? "editor" : "vi";
}

static int edit_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const struct exercise *ex = ctx_exercise_arg(ctx, args);
	struct child_process cp = CHILD_PROCESS_INIT;
	const char *editor = editor_command();
	char *path, *script, *dir;
	char before[65] = "", after[65] = "";
	int created, st;

	if (!ex)
		return CMD_ERROR;
	if (tutor_prepare_workspace(ex, &path, &created) < 0)
		return CMD_ERROR;
	if (created)
		printf("Copied the skeleton of '%s' to %s\n", ex->id, path);
	/* The exercise's sources before and after: did the learner save a change? */
	dir = workspace_dir(ex);
	source_hash(dir, before);
	/* Through sh so that an editor with arguments ("code -w") works. */
	script = xasprintf("exec %s \"$1\"", editor);
	cp.argv = (const char *const[]){ "sh", "-c", script, "sh", path, NULL };
	cp.inherit_stdin = 1;
	cp.own_group = -1;	/* the editor needs the terminal's foreground group */
	if (child_start(&cp) < 0) {
		free(script);
		free(path);
		return CMD_ERROR;
	}
	st = child_wait(&cp);
	interrupted = 0;	/* a Ctrl-C typed in the editor was the editor's */
	source_hash(dir, after);
	if (st != 0)
		error("the editor '%s' exited with status %d on %s: set VISUAL or EDITOR to the "
		      "one you use", editor, st, path);
	else if (ctx->interactive && strcmp(before, after))
		printf("Saved.  Type 'check' to grade %s, or 'watch' to grade on every save.\n",
		       ex->id);
	else if (ctx->interactive)
		printf("Nothing changed in %s.  'edit' opens it again; 'hint' helps when "
		       "stuck.\n", path);
	free(dir);
	free(script);
	free(path);
	return st ? CMD_ERROR : CMD_OK;
}

const struct cmd_entry cmd_edit = {
	.name = "edit",
	.alias = NULL,
	.usage = "[EXERCISE]",
	.summary = "open your exercise file in your editor",
	.help = "Opens your copy of the exercise's file (the current lesson's exercise\n"
		"by default) in $VISUAL, else $EDITOR, else the system's editor, copying\n"
		"the skeleton first if you have no copy yet.\n\n"
		"Examples:\n  edit\n  VISUAL='code -w' kmemlab edit ksize",
	.complete = COMPLETE_EXERCISE,
	.max_args = 1,
	.args_error = "name at most one exercise",
	.exec = edit_exec,
};
