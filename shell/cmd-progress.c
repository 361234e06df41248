#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static int experiments_of(const struct store_progress *rows, int n, const char *id)
{
	for (int k = 0; k < n; k++)
		if (!strcmp(rows[k].exercise, id))
			return rows[k].experiments;
	return 0;
}

static int progress_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct store_progress *rows;
	struct course *c;
	struct store *st;
	int n;

	c = ctx_course(ctx);
	st = c ? ctx_store(ctx) : NULL;
	if (!st || store_progress(st, &rows, &n) < 0)
		return CMD_ERROR;
	if (args_has(args, "json")) {
		struct json_object *root = json_object_new_object(), *arr = json_object_new_array();

		for (int i = 0; i < n; i++) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "exercise", json_object_new_string(rows[i].exercise));
			json_object_object_add(o, "attempts", json_object_new_int(rows[i].attempts));
			json_object_object_add(o, "experiments",
					       json_object_new_int(rows[i].experiments));
			json_object_object_add(o, "best_score", json_object_new_int(rows[i].best_score));
			json_object_object_add(o, "max_score", json_object_new_int(rows[i].max_score));
			json_object_object_add(o, "passed", json_object_new_boolean(rows[i].passed));
			json_object_object_add(o, "last_attempt", json_object_new_string(rows[i].last_at));
			json_object_object_add(o, "last_verdict",
					       json_object_new_string(rows[i].last_verdict));
			json_object_array_add(arr, o);
		}
		json_object_object_add(root, "progress", arr);
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
		store_progress_free(rows, n);
		return CMD_OK;
	}
	printf("%-12s %-8s %-6s %-10s %-20s %s\n", "exercise", "attempts", "best", "status",
	       "last attempt", "experiments");
	for (int i = 0; i < c->nlessons; i++) {
		for (int j = 0; j < c->lessons[i].nexercises; j++) {
			const char *id = c->lessons[i].exercises[j].id;
			struct store_progress *p = NULL;
			char best[32] = "-";

			for (int k = 0; k < n; k++)
				if (!strcmp(rows[k].exercise, id))
					p = &rows[k];
			if (p && !p->attempts)
				p = NULL;	/* only experiments */
			if (p)
				snprintf(best, sizeof(best), "%d/%d", p->best_score, p->max_score);
			printf("%-12s %-8d %-6s %-10s %-20s %d\n", id, p ? p->attempts : 0, best,
			       !p ? "new" : p->passed ? "passed" : "not yet", p ? p->last_at : "-",
			       experiments_of(rows, n, id));
		}
	}
	store_progress_free(rows, n);
	return CMD_OK;
}

const struct cmd_entry cmd_progress = {
	.name = "progress",
	.alias = NULL,
	.usage = "[--json]",
	.summary = "your attempts, best score and status per exercise",
	.help = "Shows, for every exercise of the course, how many times you checked it,\n"
		"your best score, and whether it has passed.  Experiments (checks of a\n"
		"source that is not your workspace copy, or with --experiment) are\n"
		"counted apart and count for nothing else.  --json prints the same for\n"
		"scripts (exercises with neither are left out there).\n\n"
		"Examples:\n  progress\n  kmemlab progress --json",
	.complete = COMPLETE_NONE,
	.options = (const struct cmd_option[]){ { .name = "json" }, { 0 } },
	.exec = progress_exec,
};
