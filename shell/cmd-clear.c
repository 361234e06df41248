#include <stdio.h>
#include <unistd.h>

#include "cmd.h"

static int clear_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	(void)ctx;
	(void)args;
	/* Home and erase: the sequence every terminal kmemlab colours knows. */
	if (isatty(1))
		fputs("\033[H\033[2J", stdout);
	return CMD_OK;
}

const struct cmd_entry cmd_clear = {
	.name = "clear",
	.alias = NULL,
	.usage = "",
	.summary = "clear the terminal (Ctrl-L works too)",
	.help = "Clears the terminal, as the shell's clear does.  Nothing is printed when\n"
		"the output is not a terminal.\n\n"
		"Example:\n  clear",
	.complete = COMPLETE_NONE,
	.exec = clear_exec,
};
