#include <stdlib.h>

#include "cmd.h"
#include "tutor.h"

static int show_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct course *c = ctx_course(ctx);
	const struct lesson *l = NULL;

	if (!c)
		return CMD_ERROR;
	if (argc > 2)
		return cmd_usage_error(&cmd_show, "too many arguments");
	if (argc == 2) {
		l = course_lesson(c, argv[1]);
		if (!l) {
			error("no lesson '%s': type 'lessons' to see them", argv[1]);
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
	.exec = show_exec,
};
