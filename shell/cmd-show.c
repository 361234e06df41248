#include <stdlib.h>

#include "cmd.h"
#include "tutor.h"

static int show_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct course *c = ctx_course(ctx);
	const struct lesson *l = NULL;

	if (!c)
		return CMD_ERROR;
	if (args->argc) {
		l = course_lesson(c, args->argv[0]);
		if (!l) {
			error("no lesson '%s': type 'lessons' to see them", args->argv[0]);
			return CMD_ERROR;
		}
	} else if (!(l = ctx_current_lesson(ctx))) {
		return CMD_ERROR;
	}
	return tutor_show_lesson(ctx, l) < 0 ? CMD_ERROR : CMD_OK;
}

const struct cmd_entry cmd_show = {
	.name = "show",
	.alias = NULL,
	.usage = "[LESSON]",
	.summary = "show the current lesson again (or another one)",
	.help = "Prints the current lesson's text and where your exercise file is.\n"
		"With LESSON, shows that lesson without making it current.\n\n"
		"Examples:\n  show\n  show 1",
	.complete = COMPLETE_LESSON,
	.max_args = 1,
	.exec = show_exec,
};
