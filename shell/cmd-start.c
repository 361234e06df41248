#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "tutor.h"

static int start_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct course *c;
	const struct lesson *l;

	if (argc != 2)
		return cmd_usage_error(&cmd_start, "name one lesson (a number or an id)");
	c = ctx_course(ctx);
	if (!c)
		return CMD_ERROR;
	l = course_lesson(c, argv[1]);
	if (!l) {
		error("no lesson '%s': type 'lessons' to see them", argv[1]);
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
	.exec = start_exec,
};
