#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"

static int help_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	(void)ctx;
	if (args->argc) {
		char *cause;
		const struct cmd_entry *c = cmd_find(args->argv[0], &cause);

		if (!c) {
			error("%s", cause);
			free(cause);
			return CMD_ERROR;
		}
		cmd_usage(c, stdout);
		if (c->alias)
			printf("alias: %s\n", c->alias);
		printf("\n%s\n", c->help);
		return CMD_OK;
	}
	printf("Commands (a unique prefix is enough; 'help COMMAND' for details):\n\n");
	for (int i = 0; i < cmd_count; i++)
		printf("  %-10s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
	printf("\nNew here? Type 'lessons', then 'start 1'.\n");
	return CMD_OK;
}

const struct cmd_entry cmd_help = {
	.name = "help",
	.alias = "?",
	.usage = "[COMMAND]",
	.summary = "list the commands, or explain one",
	.help = "With no argument, lists every command with a one-line summary.\n"
		"With a command name, shows its usage, what it does and examples.\n\n"
		"Examples:\n  help\n  help check",
	.complete = COMPLETE_COMMAND,
	.max_args = 1,
	.exec = help_exec,
};
