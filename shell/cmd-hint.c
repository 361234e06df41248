#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"

static int hint_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const struct exercise *ex = ctx_exercise_arg(ctx, args);
	char *key, *seen = NULL, *next;
	int n;

	if (!ex || !ctx_store(ctx))
		return CMD_ERROR;
	/* Hints come one at a time, each more specific; the count is kept. */
	key = xasprintf("hints:%s", ex->id);
	if (store_get_state(ctx->store, key, &seen) < 0) {
		free(key);
		return CMD_ERROR;
	}
	n = seen ? atoi(seen) : 0;
	if (n >= ex->nhints) {
		printf("That was the last hint for '%s'.  Here they are again:\n", ex->id);
		for (int i = 0; i < ex->nhints; i++)
			printf("\n%d. %s\n", i + 1, ex->hints[i]);
	} else {
		printf("Hint %d of %d for '%s':\n\n%s\n", n + 1, ex->nhints, ex->id, ex->hints[n]);
		next = xasprintf("%d", n + 1);
		store_set_state(ctx->store, key, next);
		free(next);
	}
	free(seen);
	free(key);
	return CMD_OK;
}

const struct cmd_entry cmd_hint = {
	.name = "hint",
	.alias = NULL,
	.usage = "[EXERCISE]",
	.summary = "the next hint for the current exercise",
	.help = "Shows the next hint for the current lesson's exercise (or EXERCISE).\n"
		"Each exercise has three hints, each more specific: where to look,\n"
		"then the functions or files to use and how they fit together, then\n"
		"the code of the hard parts.  After the last one, 'hint' lists them\n"
		"all again.\n\n"
		"Examples:\n  hint\n  hint ksize",
	.complete = COMPLETE_EXERCISE,
	.max_args = 1,
	.args_error = "name at most one exercise",
	.exec = hint_exec,
};
