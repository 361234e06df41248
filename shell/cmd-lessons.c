#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "tutor.h"

static struct json_object *exercise_json(const struct exercise *ex)
{
	struct json_object *o = json_object_new_object(), *hints = json_object_new_array();
	char *skf = path_join(ex->skeleton, ex->file), *sof = path_join(ex->solution, ex->file);

	json_object_object_add(o, "id", json_object_new_string(ex->id));
	json_object_object_add(o, "title", json_object_new_string(ex->title));
	json_object_object_add(o, "check", json_object_new_string(ex->check));
	json_object_object_add(o, "points", json_object_new_int(ex->points));
	json_object_object_add(o, "kind", json_object_new_string(
					     ex->kind == EXERCISE_PROGRAM ? "program" : "module"));
	json_object_object_add(o, ex->kind == EXERCISE_PROGRAM ? "program" : "module",
			       json_object_new_string(ex->module));
	json_object_object_add(o, "file", json_object_new_string(ex->file));
	json_object_object_add(o, "skeleton", json_object_new_string(ex->skeleton));
	json_object_object_add(o, "skeleton_file", json_object_new_string(skf));
	json_object_object_add(o, "solution", json_object_new_string(ex->solution));
	json_object_object_add(o, "solution_file", json_object_new_string(sof));
	for (int i = 0; i < ex->nhints; i++)
		json_object_array_add(hints, json_object_new_string(ex->hints[i]));
	json_object_object_add(o, "hints", hints);
	free(skf);
	free(sof);
	return o;
}

static int lessons_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct course *c = ctx_course(ctx);
	char *cur = NULL;

	if (!c)
		return CMD_ERROR;
	if (args_has(args, "json")) {
		struct json_object *root = json_object_new_object(), *arr = json_object_new_array();

		for (int i = 0; i < c->nlessons; i++) {
			const struct lesson *l = &c->lessons[i];
			struct json_object *o = json_object_new_object(), *exs = json_object_new_array();

			json_object_object_add(o, "id", json_object_new_string(l->id));
			json_object_object_add(o, "number", json_object_new_int(l->number));
			json_object_object_add(o, "title", json_object_new_string(l->title));
			json_object_object_add(o, "text", json_object_new_string(l->text_path));
			json_object_object_add(o, "questions", json_object_new_int(l->nquestions));
			for (int j = 0; j < l->nexercises; j++)
				json_object_array_add(exs, exercise_json(&l->exercises[j]));
			json_object_object_add(o, "exercises", exs);
			json_object_array_add(arr, o);
		}
		json_object_object_add(root, "credit",
				       json_object_new_string(course_credit_name(c->credit)));
		json_object_object_add(root, "points", json_object_new_int(c->points));
		json_object_object_add(root, "lessons", arr);
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
		return CMD_OK;
	}
	if (ctx_store(ctx))
		store_get_state(ctx->store, "lesson", &cur);
	for (int i = 0; i < c->nlessons; i++) {
		const struct lesson *l = &c->lessons[i];
		int current = cur && !strcmp(cur, l->id);

		printf("%s%2d  %-10s %-50s %s\n", current ? ">" : " ", l->number, l->id, l->title,
		       tutor_lesson_status(ctx, l));
		for (int j = 0; j < l->nexercises; j++)
			printf("       exercise %s: %s\n", l->exercises[j].id, l->exercises[j].title);
	}
	free(cur);
	return CMD_OK;
}

const struct cmd_entry cmd_lessons = {
	.name = "lessons",
	.alias = "ls",
	.usage = "[--json]",
	.summary = "list the lessons, their exercises and your status",
	.help = "Lists every lesson with its number, id, title and your status (new,\n"
		"in progress, passed); '>' marks the current lesson.  --json prints the\n"
		"course for scripts: each exercise with its id, its points and the paths\n"
		"of its skeleton and reference solution; the course's total points and\n"
		"its credit (all-or-nothing or partial).\n\n"
		"Examples:\n  lessons\n  kmemlab lessons --json",
	.complete = COMPLETE_NONE,
	.options = (const struct cmd_option[]){ { .name = "json" }, { 0 } },
	.exec = lessons_exec,
};
