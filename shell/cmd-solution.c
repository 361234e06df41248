#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

/* Has the learner passed ex?  1 yes, 0 no, -1 error (reported). */
static int has_passed(struct cmd_ctx *ctx, const struct exercise *ex)
{
	struct store *st = ctx_store(ctx);
	struct store_progress *rows;
	int n, passed = 0;

	if (!st || store_progress(st, &rows, &n) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (!strcmp(rows[i].exercise, ex->id))
			passed = rows[i].passed;
	store_progress_free(rows, n);
	return passed;
}

static int solution_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const struct exercise *ex = ctx_exercise_arg(ctx, args);
	struct strbuf sb = STRBUF_INIT;
	char *path;
	int passed;

	if (!ex)
		return CMD_ERROR;
	passed = has_passed(ctx, ex);
	if (passed < 0)
		return CMD_ERROR;
	if (!passed) {
		error("'%s' has not passed yet: the reference solution opens once 'check' "
		      "passes ('hint' helps until then)", ex->id);
		return CMD_FAIL;
	}
	path = path_join(ex->solution, ex->file);
	if (read_file(path, &sb, 1 << 20) < 0) {
		error("cannot read the reference solution '%s': %s", path, strerror(errno));
		free(path);
		return CMD_ERROR;
	}
	printf("The reference solution of '%s' (%s):\n\n%s", ex->id, ex->file,
	       strbuf_str(&sb));
	if (sb.len && sb.buf[sb.len - 1] != '\n')
		putchar('\n');
	strbuf_release(&sb);
	free(path);
	return CMD_OK;
}

const struct cmd_entry cmd_solution = {
	.name = "solution",
	.alias = NULL,
	.usage = "[EXERCISE]",
	.summary = "show the reference solution of an exercise you have passed",
	.help = "Prints the reference solution of the exercise (the current lesson's by\n"
		"default) once one of your checks of it has passed, to compare with\n"
		"yours.  Before that it stays closed: try 'hint'.\n\n"
		"Examples:\n  solution\n  solution ksize",
	.complete = COMPLETE_EXERCISE,
	.max_args = 1,
	.args_error = "name at most one exercise",
	.exec = solution_exec,
};
