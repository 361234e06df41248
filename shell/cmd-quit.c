#include "cmd.h"

static int quit_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	(void)ctx;
	(void)args;
	return CMD_EXIT;
}

const struct cmd_entry cmd_quit = {
	.name = "quit",
	.alias = "exit",
	.usage = "",
	.summary = "leave the tutor (Ctrl-D works too)",
	.help = "Leaves the tutor shell.  Your place, answers and attempts are saved as\n"
		"you go, so the next 'kmemlab' resumes where you left off.",
	.complete = COMPLETE_NONE,
	.exec = quit_exec,
};
