#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "tutor.h"

static int start_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct course *c = ctx_course(ctx);
	const struct lesson *l;

	if (!c)
		return CMD_ERROR;
	l = course_lesson(c, args->argv[0]);
	if (!l) {
		error("no lesson '%s': type 'lessons' to see them", args->argv[0]);
		return CMD_ERROR;
	}
	return tutor_begin_lesson(ctx, l) < 0 ? CMD_ERROR : CMD_OK;
}

const struct cmd_entry cmd_start = {
	.name = "start",
	.alias = NULL,
	.usage = "LESSON",
	.summary = "begin a lesson (by number or id) and get its exercise files",
	.help = "Makes LESSON the current lesson, copies its exercise skeletons into\n"
		"your workspace (never over a copy you already have) and shows the\n"
		"lesson.\n\nExamples:\n  start 1\n  start ksize",
	.complete = COMPLETE_LESSON,
	.min_args = 1,
	.max_args = 1,
	.args_error = "name one lesson (a number or an id)",
	.exec = start_exec,
};
