#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "cmd.h"

static int whoami_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct store *st;
	char *login = NULL, *name = NULL, *cause = NULL;
	const char *given_id = args_get(args, "id"), *given_name = args_get(args, "name");
	const char *new_id, *new_name;
	int set, r = CMD_ERROR;

	st = ctx_store(ctx);
	if (!st || store_identity(st, &login, &name, &set) < 0)
		goto out;
	if (!given_id && !given_name) {
		printf("id:   %s%s\nname: %s\n", login, set ? "" : " (from your login; "
			"'whoami --id ID' chooses it once)", name);
		r = CMD_OK;
		goto out;
	}
	new_id = given_id ? given_id : login;
	new_name = given_name ? given_name : name;
	if (given_id && !learner_id_valid(new_id, &cause)) {
		error("%s", cause);
		goto out;
	}
	if (given_id && set && strcmp(new_id, login)) {
		error("your id is already '%s' and cannot change: your instructor matches "
		      "submissions by id, so a new id would look like another learner "
		      "('whoami --name' still corrects your name)", login);
		goto out;
	}
	if (!*new_name) {
		error("a name must have 1 to 200 characters");
		goto out;
	}
	{
		/* The rule submit and the instructor's import apply. */
		char *why = NULL;

		if (!learner_name_valid(new_name, &why)) {
			error("this name cannot be used: %s", why ? why : "it is not valid");
			free(why);
			goto out;
		}
		free(why);
	}
	if (store_set_identity(st, new_id, new_name) < 0)
		goto out;
	printf("id:   %s\nname: %s\n", new_id, new_name);
	r = CMD_OK;
out:
	free(cause);
	free(login);
	free(name);
	return r;
}

const struct cmd_entry cmd_whoami = {
	.name = "whoami",
	.alias = NULL,
	.usage = "[--id ID] [--name NAME]",
	.summary = "show or set who you are, for your submissions",
	.help = "Shows your learner id and name, as your submissions carry them.  The id\n"
		"starts as your login name; --id chooses it (letters, digits, '.', '_'\n"
		"and '-', up to 64 characters) once and for all, because your\n"
		"instructor matches submissions by id.  --name may be corrected any time.\n\n"
		"Examples:\n  whoami\n  kmemlab whoami --id s1234 --name 'Ada Lovelace'",
	.complete = COMPLETE_NONE,
	.options = (const struct cmd_option[]){
		{ .name = "id", .takes_value = 1 },
		{ .name = "name", .takes_value = 1 },
		{ 0 },
	},
	.exec = whoami_exec,
};
