#include <stdio.h>

#include "cmd.h"
#include "tutor.h"

static int back_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const struct lesson *l;
	struct course *c;
	int at;

	(void)args;
	l = ctx_current_lesson(ctx);
	if (!l)
		return CMD_ERROR;
	c = ctx_course(ctx);
	at = (int)(l - c->lessons);
	if (at == 0) {
		printf("Lesson %d is the first one.\n", c->lessons[0].number);
		return CMD_OK;
	}
	return tutor_begin_lesson(ctx, &c->lessons[at - 1]) < 0 ? CMD_ERROR : CMD_OK;
}

const struct cmd_entry cmd_back = {
	.name = "back",
	.alias = NULL,
	.usage = "",
	.summary = "go back to the previous lesson",
	.help = "Makes the lesson before the current one current and shows it.  Your\n"
		"exercise files are kept as they are.\n\n"
		"Examples:\n  back",
	.complete = COMPLETE_NONE,
	.exec = back_exec,
};
