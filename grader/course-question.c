/*
 * A lesson's questions in lesson.json (course.h says what each kind has).
 */
#include <json-c/json.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "course-internal.h"
#include "schema.h"
#include "util.h"

static const struct field question_fields[] = {
	{ "id", FT_STRING, 1 },
	{ "kind", FT_STRING, 1, "a string, \"choice\", \"number\" or \"text\"" },
	{ "text", FT_STRING, 1 },
	{ "choices", FT_STRINGS, 0 },	/* choice */
	{ "answer", FT_NUMBER, 0 },	/* choice (an index), number */
	{ "answer_vm", FT_STRING, 0 },	/* number */
	{ "tolerance", FT_NUMBER, 0 },	/* number */
	{ "accept", FT_STRINGS, 0 },	/* text */
	{ NULL, 0, 0, NULL },
};


/* The kind-dependent fields each kind of question may have. */
static const struct {
	const char *kind;
	const char *fields[4];
} question_kinds[] = {
	{ "choice", { "choices", "answer", NULL } },
	{ "number", { "answer", "answer_vm", "tolerance", NULL } },
	{ "text", { "accept", NULL } },
};

/* The strings of an array already checked to hold only strings. */
static void dup_strings(struct json_object *arr, char ***out, int *n)
{
	*n = (int)json_object_array_length(arr);
	*out = xcalloc((size_t)*n, sizeof(char *));
	for (int i = 0; i < *n; i++)
		(*out)[i] = xstrdup(json_object_get_string(json_object_array_get_idx(arr, (size_t)i)));
}

int load_question(struct json_object *o, const char *where, struct question *q,
			 char **cause)
{
	struct json_object *v, *arr;
	const char *kind;
	size_t k;

	if (schema_check_object(o, where, "a question", question_fields, cause) < 0)
		return -1;
	q->id = schema_dup(o, "id");
	q->text = schema_dup(o, "text");
	if (!schema_valid_id(q->id)) {	/* typed after 'answer', kept in the database */
		*cause = xasprintf("question id '%s' may hold only a-z, 0-9, '-' and '_'", q->id);
		return -1;
	}
	kind = schema_str(o, "kind");
	for (k = 0; k < ARRAY_SIZE(question_kinds); k++)
		if (!strcmp(kind, question_kinds[k].kind))
			break;
	if (k == ARRAY_SIZE(question_kinds)) {
		char *s = schema_shown(kind);

		*cause = xasprintf("question '%s': kind must be choice, number or text, not '%s'",
				   q->id, s);
		free(s);
		return -1;
	}
	/* A field of another kind of question is a mistake, not something to ignore. */
	for (const struct field *f = question_fields; f->name; f++) {
		int mine = f->required;

		for (int i = 0; !mine && question_kinds[k].fields[i]; i++)
			mine = !strcmp(f->name, question_kinds[k].fields[i]);
		if (!mine && schema_member(o, f->name)) {
			*cause = xasprintf("'%s.%s' is not a field of a %s question", where, f->name,
					   kind);
			return -1;
		}
	}
	if (!strcmp(kind, "choice")) {
		int64_t a;

		q->kind = QUESTION_CHOICE;
		arr = schema_member(o, "choices");
		if (!arr || json_object_array_length(arr) < 2) {
			*cause = xasprintf("question '%s': '%s.choices' is %s: a choice question "
					   "needs two choices or more", q->id, where,
					   arr ? "too short" : "missing");
			return -1;
		}
		v = schema_member(o, "answer");
		if (!v) {
			*cause = xasprintf("question '%s': '%s.answer' is missing: a choice question "
					   "needs the index of the right choice (from 0)", q->id, where);
			return -1;
		}
		if (!json_object_is_type(v, json_type_int)) {
			*cause = xasprintf("question '%s': '%s.answer' must be an integer, not %s: "
					   "the index of the right choice (from 0)", q->id, where,
					   schema_json_what(v));
			return -1;
		}
		a = json_object_get_int64(v);
		if (a < 0 || (uint64_t)a >= json_object_array_length(arr)) {
			*cause = xasprintf("question '%s': '%s.answer' must index 'choices' (0 to "
					   "%zu), not %s", q->id, where,
					   json_object_array_length(arr) - 1, json_object_get_string(v));
			return -1;
		}
		q->answer = (int)a;
		dup_strings(arr, &q->choices, &q->nchoices);
	} else if (!strcmp(kind, "number")) {
		q->kind = QUESTION_NUMBER;
		if (schema_member(o, "answer") && schema_member(o, "answer_vm")) {
			*cause = xasprintf("question '%s': give '%s.answer' or '%s.answer_vm', not "
					   "both", q->id, where, where);
			return -1;
		}
		if ((v = schema_member(o, "answer_vm"))) {
			q->answer_vm = xstrdup(json_object_get_string(v));
		} else if ((v = schema_member(o, "answer"))) {
			q->number = json_object_get_double(v);
		} else {
			*cause = xasprintf("question '%s': '%s.answer' and '%s.answer_vm' are "
					   "missing: a number question needs 'answer' or 'answer_vm'",
					   q->id, where, where);
			return -1;
		}
		if ((v = schema_member(o, "tolerance"))) {
			q->tolerance = json_object_get_double(v);
			if (q->tolerance < 0) {
				*cause = xasprintf("question '%s': '%s.tolerance' must not be "
						   "negative", q->id, where);
				return -1;
			}
		}
	} else {
		q->kind = QUESTION_TEXT;
		arr = schema_member(o, "accept");
		if (!arr || !json_object_array_length(arr)) {
			*cause = xasprintf("question '%s': '%s.accept' is %s: a text question needs "
					   "one accepted answer or more", q->id, where,
					   arr ? "empty" : "missing");
			return -1;
		}
		dup_strings(arr, &q->choices, &q->nchoices);
	}
	return 0;
}

void question_release(struct question *q)
{
	free(q->id);
	free(q->text);
	for (int i = 0; i < q->nchoices; i++)
		free(q->choices[i]);
	free(q->choices);
	free(q->answer_vm);
}
