#include <stdio.h>

#include "cmd.h"
#include "tutor.h"

static int next_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	int at;
	struct course *c;

	(void)args;
	at = ctx_current_index(ctx);
	if (at == -2)
		return CMD_ERROR;
	c = ctx_course(ctx);
	if (at + 1 >= c->nlessons) {
		printf("Lesson %d is the last one.  'progress' shows what is left to pass.\n",
		       c->lessons[at].number);
		return CMD_OK;
	}
	return tutor_begin_lesson(ctx, &c->lessons[at + 1]) < 0 ? CMD_ERROR : CMD_OK;
}

const struct cmd_entry cmd_next = {
	.name = "next",
	.alias = NULL,
	.usage = "",
	.summary = "go on to the next lesson",
	.help = "Makes the lesson after the current one current, gives you its exercise\n"
		"files and shows it (the first lesson if none was started yet).\n\n"
		"Examples:\n  next",
	.complete = COMPLETE_NONE,
	.exec = next_exec,
};
