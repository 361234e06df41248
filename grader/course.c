#include "course.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "util.h"

/* The largest lesson.json read: anything bigger is not a lesson. */
#define LESSON_MAX (1u << 20)

/* ---- the schema ---- */

/* What a field's value must be. */
enum ftype {
	FT_STRING,	/* a non-empty string without NUL characters */
	FT_INT,		/* a JSON integer */
	FT_NUMBER,	/* an integer or a finite decimal number */
	FT_BOOL,
	FT_OBJECT,
	FT_STRINGS,	/* an array whose items are FT_STRING */
	FT_OBJECTS,	/* an array whose items are objects */
};

static const char *const ftype_desc[] = {
	[FT_STRING] = "a non-empty string",
	[FT_INT] = "an integer",
	[FT_NUMBER] = "a number",
	[FT_BOOL] = "true or false",
	[FT_OBJECT] = "an object",
	[FT_STRINGS] = "an array of non-empty strings",
	[FT_OBJECTS] = "an array of objects",
};

struct field {
	const char *name;
	enum ftype type;
	int required;	/* in every object of this kind (kind-dependent ones: 0) */
	const char *desc;	/* what it must be, when more than ftype_desc says */
};

static const char *type_desc(enum ftype t)
{
	return (size_t)t < ARRAY_SIZE(ftype_desc) ? ftype_desc[t] : "a value";
}

static const char *field_desc(const struct field *f)
{
	return f->desc ? f->desc : type_desc(f->type);
}

static const struct field lesson_fields[] = {
	{ "id", FT_STRING, 1 },
	{ "number", FT_INT, 1, "an integer from 1 to 999" },
	{ "title", FT_STRING, 1 },
	{ "text", FT_STRING, 1 },
	{ "exercises", FT_OBJECTS, 0 },
	{ "questions", FT_OBJECTS, 0 },
	{ NULL, 0, 0, NULL },
};

/*
 * An exercise's names follow one pattern from its id, and are given only
 * where they do not: check ID, module or program ID_ex, file NAME.c,
 * skeleton and solution modules/exercises/ID/{skeleton,solution}.
 */
static const struct field exercise_fields[] = {
	{ "id", FT_STRING, 1 },
	{ "title", FT_STRING, 1 },
	{ "kind", FT_STRING, 0, "a string, \"module\" (the default) or \"program\"" },
	{ "check", FT_STRING, 0 },
	{ "module", FT_STRING, 0 },	/* kind "module" (the default) */
	{ "program", FT_STRING, 0 },	/* kind "program" */
	{ "file", FT_STRING, 0 },
	{ "skeleton", FT_STRING, 0 },
	{ "solution", FT_STRING, 0 },
	{ "hints", FT_STRINGS, 1 },
	{ "points", FT_INT, 0, "an integer from 0 to 1000" },
	{ "boot", FT_OBJECT, 0 },
	{ NULL, 0, 0, NULL },
};

static const struct field course_fields[] = {
	{ "credit", FT_STRING, 0, "a string, \"all-or-nothing\" (the default) or \"partial\"" },
	{ NULL, 0, 0, NULL },
};

static const char *const credit_names[] = {
	[CREDIT_ALL_OR_NOTHING] = "all-or-nothing",
	[CREDIT_PARTIAL] = "partial",
};

static const struct field boot_fields[] = {
	{ "cmdline", FT_STRING, 0 },
	{ "mem_mb", FT_INT, 0, "an integer from 64 to 4096" },
	{ "fresh", FT_BOOL, 0 },
	{ NULL, 0, 0, NULL },
};

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

/* ---- checking values against it ---- */

/* What a JSON value is, for messages. */
static const char *json_what(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return json_object_get_boolean(v) ? "true" : "false";
	case json_type_double:
		return "a decimal number";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "an unknown value";
}

/* where.name, or name at the top level. */
static char *sub(const char *where, const char *name)
{
	return *where ? xasprintf("%s.%s", where, name) : xstrdup(name);
}

/*
 * A member name as a message may show it: at most 64 bytes, control
 * characters as '?' (a lesson's text reaches the terminal).
 */
static char *shown(const char *s)
{
	size_t n = strlen(s) > 64 ? 64 : strlen(s);
	char *t = xstrndup(s, n);

	for (char *p = t; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return t;
}

/* Whether v, the value at path, is of type t (desc: what it must be, or NULL). */
static int check_value(struct json_object *v, const char *path, enum ftype t, const char *desc,
		       char **cause)
{
	json_type jt = json_object_get_type(v);
	int ok = 0;

	switch (t) {
	case FT_STRING:
		ok = jt == json_type_string;
		break;
	case FT_INT:
		ok = jt == json_type_int;
		break;
	case FT_NUMBER:
		ok = jt == json_type_int || jt == json_type_double;
		break;
	case FT_BOOL:
		ok = jt == json_type_boolean;
		break;
	case FT_OBJECT:
		ok = jt == json_type_object;
		break;
	case FT_STRINGS:
	case FT_OBJECTS:
		ok = jt == json_type_array;
		break;
	}
	if (!desc)
		desc = type_desc(t);
	if (!ok && jt == json_type_null) {
		*cause = xasprintf("'%s' is null: it must be %s", path, desc);
		return -1;
	}
	if (!ok) {
		*cause = xasprintf("'%s' must be %s, not %s", path, desc, json_what(v));
		return -1;
	}
	if (t == FT_STRING) {
		const char *s = json_object_get_string(v);
		size_t len = (size_t)json_object_get_string_len(v);

		if (!len) {
			*cause = xasprintf("'%s' must be a non-empty string, not \"\"", path);
			return -1;
		}
		if (strlen(s) != len) {
			*cause = xasprintf("'%s' holds a NUL character (\\u0000): it must be %s "
					   "without one", path, type_desc(t));
			return -1;
		}
	}
	if (t == FT_NUMBER && !isfinite(json_object_get_double(v))) {
		*cause = xasprintf("'%s' must be a finite number, not %s", path,
				   json_object_get_string(v));
		return -1;
	}
	if (t == FT_STRINGS || t == FT_OBJECTS) {
		size_t n = json_object_array_length(v);

		for (size_t i = 0; i < n; i++) {
			char *item = xasprintf("%s[%zu]", path, i);
			int r = check_value(json_object_array_get_idx(v, i), item,
					    t == FT_STRINGS ? FT_STRING : FT_OBJECT, NULL, cause);

			free(item);
			if (r < 0)
				return -1;
		}
	}
	return 0;
}

static const struct field *find_field(const struct field *fields, const char *name)
{
	for (; fields->name; fields++)
		if (!strcmp(fields->name, name))
			return fields;
	return NULL;
}

static char *field_list(const struct field *fields)
{
	struct strbuf sb = STRBUF_INIT;

	for (const struct field *f = fields; f->name; f++)
		strbuf_addf(&sb, "%s%s", f == fields ? "" : ", ", f->name);
	return strbuf_detach(&sb, NULL);
}

/*
 * Check the object o found at where (a path such as "exercises[0]", or ""
 * for the top level) against fields: each member is known and of its type,
 * and every required field is there.  what names the object in messages.
 */
static int check_object(struct json_object *o, const char *where, const char *what,
			const struct field *fields, char **cause)
{
	struct json_object_iterator it = json_object_iter_begin(o);
	struct json_object_iterator end = json_object_iter_end(o);

	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *name = json_object_iter_peek_name(&it);
		const struct field *f = find_field(fields, name);
		char *path, *list;
		int r;

		if (!f) {
			char *s = shown(name);

			path = sub(where, s);
			list = field_list(fields);
			*cause = xasprintf("'%s' is not a field of %s (unknown fields are errors; "
					   "%s has %s)", path, what, what, list);
			free(list);
			free(path);
			free(s);
			return -1;
		}
		path = sub(where, name);
		r = check_value(json_object_iter_peek_value(&it), path, f->type, f->desc, cause);
		free(path);
		if (r < 0)
			return -1;
	}
	for (const struct field *f = fields; f->name; f++) {
		if (f->required && !json_object_object_get_ex(o, f->name, NULL)) {
			char *path = sub(where, f->name);

			*cause = xasprintf("'%s' is missing: %s needs it (%s)", path, what,
					   field_desc(f));
			free(path);
			return -1;
		}
	}
	return 0;
}

/* Member key of o, checked already: its value or NULL when absent. */
static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *member_str(struct json_object *o, const char *key)
{
	struct json_object *v = member(o, key);

	return v ? json_object_get_string(v) : NULL;
}

static char *member_dup(struct json_object *o, const char *key)
{
	const char *s = member_str(o, key);

	return s ? xstrdup(s) : NULL;
}

static int valid_id(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_'))
			return 0;
	return 1;
}

/* A module or program name: letters, digits, '_' and '-'. */
static int valid_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

/* ---- exercises and questions ---- */

static int load_boot(struct json_object *o, const char *where, struct exercise *ex,
		     char **cause)
{
	struct json_object *v;

	if (check_object(o, where, "'boot'", boot_fields, cause) < 0)
		return -1;
	if ((v = member(o, "fresh")))
		ex->boot_fresh = json_object_get_boolean(v);
	ex->boot_cmdline = member_dup(o, "cmdline");
	if ((v = member(o, "mem_mb"))) {
		int64_t mb = json_object_get_int64(v);

		if (mb < 64 || mb > 4096) {
			*cause = xasprintf("'%s.mem_mb' must be an integer from 64 to 4096, not %s",
					   where, json_object_get_string(v));
			return -1;
		}
		ex->boot_mem_mb = (int)mb;
	}
	return 0;
}

static int load_exercise(const char *data_dir, struct json_object *o, const char *where,
			 struct exercise *ex, char **cause)
{
	const char *kind = member_str(o, "kind"), *name, *other;
	struct json_object *hints, *boot, *v;
	char *p;

	if (check_object(o, where, "an exercise", exercise_fields, cause) < 0)
		return -1;
	if (kind && !strcmp(kind, "program")) {
		ex->kind = EXERCISE_PROGRAM;
	} else if (kind && strcmp(kind, "module")) {
		char *s = shown(kind);

		*cause = xasprintf("'%s.kind' must be \"module\" or \"program\", not \"%s\"", where,
				   s);
		free(s);
		return -1;
	}
	name = ex->kind == EXERCISE_PROGRAM ? "program" : "module";
	other = ex->kind == EXERCISE_PROGRAM ? "module" : "program";
	if (member(o, other)) {
		*cause = xasprintf("'%s.%s' belongs to a %s exercise, and this one's kind is "
				   "\"%s\" (its name goes in '%s')", where, other, other, name,
				   name);
		return -1;
	}
	ex->id = member_dup(o, "id");
	ex->title = member_dup(o, "title");
	if (!valid_id(ex->id)) {
		*cause = xasprintf("exercise id '%s' may hold only a-z, 0-9, '-' and '_'", ex->id);
		return -1;
	}
	ex->check = member(o, "check") ? member_dup(o, "check") : xstrdup(ex->id);
	ex->module = member(o, name) ? member_dup(o, name) : xasprintf("%s_ex", ex->id);
	ex->file = member(o, "file") ? member_dup(o, "file") : xasprintf("%s.c", ex->module);
	if (!valid_name(ex->module)) {
		*cause = xasprintf("'%s.%s' ('%s') may hold only letters, digits, '-' and '_'",
				   where, name, ex->module);
		return -1;
	}
	if (strchr(ex->file, '/') || !strcmp(ex->file, ".") || !strcmp(ex->file, "..")) {
		*cause = xasprintf("'%s.file' ('%s') must be a file name, without '/'", where,
				   ex->file);
		return -1;
	}
	if (!checker_find(ex->check)) {
		*cause = xasprintf("exercise '%s' names check '%s', which the grader does not have",
				   ex->id, ex->check);
		return -1;
	}
	ex->points = COURSE_POINTS;
	if ((v = member(o, "points"))) {
		int64_t points = json_object_get_int64(v);

		if (points < 0 || points > 1000) {
			*cause = xasprintf("'%s.points' must be an integer from 0 to 1000, not %s",
					   where, json_object_get_string(v));
			return -1;
		}
		ex->points = (int)points;
	}
	if ((boot = member(o, "boot"))) {
		char *w = sub(where, "boot");
		int r = load_boot(boot, w, ex, cause);

		free(w);
		if (r < 0)
			return -1;
	}
	{
		char *skel = xasprintf("modules/exercises/%s/skeleton", ex->id);
		char *sol = xasprintf("modules/exercises/%s/solution", ex->id);

		ex->skeleton = path_join(data_dir, member(o, "skeleton") ? member_str(o, "skeleton")
									  : skel);
		ex->solution = path_join(data_dir, member(o, "solution") ? member_str(o, "solution")
									  : sol);
		free(skel);
		free(sol);
	}
	p = path_join(ex->skeleton, ex->file);
	if (!is_file(p)) {
		*cause = xasprintf("exercise '%s': skeleton file '%s' does not exist", ex->id, p);
		free(p);
		return -1;
	}
	free(p);
	p = path_join(ex->solution, ex->file);
	if (!is_file(p)) {
		*cause = xasprintf("exercise '%s': solution file '%s' does not exist", ex->id, p);
		free(p);
		return -1;
	}
	free(p);
	hints = member(o, "hints");
	if (!json_object_array_length(hints)) {
		*cause = xasprintf("'%s.hints' is empty: exercise '%s' needs one hint or more",
				   where, ex->id);
		return -1;
	}
	ex->nhints = (int)json_object_array_length(hints);
	ex->hints = xcalloc((size_t)ex->nhints, sizeof(char *));
	for (int i = 0; i < ex->nhints; i++)
		ex->hints[i] = xstrdup(json_object_get_string(
			json_object_array_get_idx(hints, (size_t)i)));
	return 0;
}

static void exercise_release(struct exercise *ex)
{
	free(ex->id);
	free(ex->title);
	free(ex->check);
	free(ex->module);
	free(ex->file);
	free(ex->skeleton);
	free(ex->solution);
	free(ex->boot_cmdline);
	for (int i = 0; i < ex->nhints; i++)
		free(ex->hints[i]);
	free(ex->hints);
}

/* The strings of an array already checked to hold only strings. */
static void dup_strings(struct json_object *arr, char ***out, int *n)
{
	*n = (int)json_object_array_length(arr);
	*out = xcalloc((size_t)*n, sizeof(char *));
	for (int i = 0; i < *n; i++)
		(*out)[i] = xstrdup(json_object_get_string(json_object_array_get_idx(arr, (size_t)i)));
}

static int load_question(struct json_object *o, const char *where, struct question *q,
			 char **cause)
{
	struct json_object *v, *arr;
	const char *kind;
	size_t k;

	if (check_object(o, where, "a question", question_fields, cause) < 0)
		return -1;
	q->id = member_dup(o, "id");
	q->text = member_dup(o, "text");
	if (!valid_id(q->id)) {	/* typed after 'answer', kept in the database */
		*cause = xasprintf("question id '%s' may hold only a-z, 0-9, '-' and '_'", q->id);
		return -1;
	}
	kind = member_str(o, "kind");
	for (k = 0; k < ARRAY_SIZE(question_kinds); k++)
		if (!strcmp(kind, question_kinds[k].kind))
			break;
	if (k == ARRAY_SIZE(question_kinds)) {
		char *s = shown(kind);

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
		if (!mine && member(o, f->name)) {
			*cause = xasprintf("'%s.%s' is not a field of a %s question", where, f->name,
					   kind);
			return -1;
		}
	}
	if (!strcmp(kind, "choice")) {
		int64_t a;

		q->kind = QUESTION_CHOICE;
		arr = member(o, "choices");
		if (!arr || json_object_array_length(arr) < 2) {
			*cause = xasprintf("question '%s': '%s.choices' is %s: a choice question "
					   "needs two choices or more", q->id, where,
					   arr ? "too short" : "missing");
			return -1;
		}
		v = member(o, "answer");
		if (!v) {
			*cause = xasprintf("question '%s': '%s.answer' is missing: a choice question "
					   "needs the index of the right choice (from 0)", q->id, where);
			return -1;
		}
		if (!json_object_is_type(v, json_type_int)) {
			*cause = xasprintf("question '%s': '%s.answer' must be an integer, not %s: "
					   "the index of the right choice (from 0)", q->id, where,
					   json_what(v));
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
		if (member(o, "answer") && member(o, "answer_vm")) {
			*cause = xasprintf("question '%s': give '%s.answer' or '%s.answer_vm', not "
					   "both", q->id, where, where);
			return -1;
		}
		if ((v = member(o, "answer_vm"))) {
			q->answer_vm = xstrdup(json_object_get_string(v));
		} else if ((v = member(o, "answer"))) {
			q->number = json_object_get_double(v);
		} else {
			*cause = xasprintf("question '%s': '%s.answer' and '%s.answer_vm' are "
					   "missing: a number question needs 'answer' or 'answer_vm'",
					   q->id, where, where);
			return -1;
		}
		if ((v = member(o, "tolerance"))) {
			q->tolerance = json_object_get_double(v);
			if (q->tolerance < 0) {
				*cause = xasprintf("question '%s': '%s.tolerance' must not be "
						   "negative", q->id, where);
				return -1;
			}
		}
	} else {
		q->kind = QUESTION_TEXT;
		arr = member(o, "accept");
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

static void question_release(struct question *q)
{
	free(q->id);
	free(q->text);
	for (int i = 0; i < q->nchoices; i++)
		free(q->choices[i]);
	free(q->choices);
	free(q->answer_vm);
}

static void lesson_release(struct lesson *l)
{
	for (int i = 0; i < l->nquestions; i++)
		question_release(&l->questions[i]);
	free(l->questions);
	for (int i = 0; i < l->nexercises; i++)
		exercise_release(&l->exercises[i]);
	free(l->exercises);
	free(l->id);
	free(l->title);
	free(l->text_path);
	free(l->dir);
	memset(l, 0, sizeof(*l));
}

/* ---- lessons ---- */

/* The JSON document in json, or NULL with *cause (the JSON null is not a lesson either). */
static struct json_object *parse_json(const char *json, size_t len, char **cause)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root = json_tokener_parse_ex(tok, json, (int)len);
	enum json_tokener_error err = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);

	json_tokener_free(tok);
	if (err != json_tokener_success) {
		int line = 1;

		for (size_t i = 0; i < end && i < len; i++)
			line += json[i] == '\n';
		*cause = xasprintf("not valid JSON at line %d: %s", line,
				   err == json_tokener_continue
					   ? "the file ends before the JSON value does"
					   : json_tokener_error_desc(err));
		json_object_put(root);
		return NULL;
	}
	for (size_t i = end; i < len; i++) {
		if (!json[i] || !strchr(" \t\r\n", json[i])) {
			*cause = xstrdup("not valid JSON: text after the closing brace");
			json_object_put(root);
			return NULL;
		}
	}
	if (!json_object_is_type(root, json_type_object)) {
		*cause = xasprintf("the top level must be an object, not %s", json_what(root));
		json_object_put(root);
		return NULL;
	}
	return root;
}

int course_parse(const char *data_dir, const char *path, const char *json, size_t len,
		 struct lesson *l, char **cause)
{
	struct json_object *root = NULL, *arr;
	int ret = -1;

	memset(l, 0, sizeof(*l));
	*cause = NULL;
	if (len > LESSON_MAX) {
		*cause = xasprintf("it is over %u KiB: not a lesson file", LESSON_MAX >> 10);
		return -1;
	}
	root = parse_json(json ? json : "", json ? len : 0, cause);
	if (!root)
		goto out;
	if (check_object(root, "", "a lesson", lesson_fields, cause) < 0)
		goto out;
	l->id = member_dup(root, "id");
	l->title = member_dup(root, "title");
	if (!valid_id(l->id)) {
		*cause = xasprintf("lesson id '%s' may hold only a-z, 0-9, '-' and '_'", l->id);
		goto out;
	}
	if (json_object_get_int64(member(root, "number")) < 1 ||
	    json_object_get_int64(member(root, "number")) > 999) {
		*cause = xasprintf("'number' must be an integer from 1 to 999, not %s",
				   json_object_get_string(member(root, "number")));
		goto out;
	}
	l->number = (int)json_object_get_int64(member(root, "number"));
	l->dir = path_dirname(path);
	l->text_path = path_join(l->dir, member_str(root, "text"));
	if (!is_file(l->text_path)) {
		*cause = xasprintf("its text '%s' does not exist", l->text_path);
		goto out;
	}
	if ((arr = member(root, "questions"))) {
		l->nquestions = (int)json_object_array_length(arr);
		l->questions = xcalloc((size_t)l->nquestions + 1, sizeof(*l->questions));
		for (int i = 0; i < l->nquestions; i++) {
			char *where = xasprintf("questions[%d]", i);
			int r = load_question(json_object_array_get_idx(arr, (size_t)i), where,
					      &l->questions[i], cause);

			free(where);
			if (r < 0)
				goto out;
			for (int j = 0; j < i; j++)
				if (!strcmp(l->questions[j].id, l->questions[i].id)) {
					*cause = xasprintf("two questions have id '%s'",
							   l->questions[i].id);
					goto out;
				}
		}
	}
	if ((arr = member(root, "exercises"))) {
		l->nexercises = (int)json_object_array_length(arr);
		l->exercises = xcalloc((size_t)l->nexercises + 1, sizeof(*l->exercises));
		for (int i = 0; i < l->nexercises; i++) {
			char *where = xasprintf("exercises[%d]", i);
			int r = load_exercise(data_dir, json_object_array_get_idx(arr, (size_t)i),
					      where, &l->exercises[i], cause);

			free(where);
			if (r < 0)
				goto out;
			for (int j = 0; j < i; j++)
				if (!strcmp(l->exercises[j].id, l->exercises[i].id)) {
					*cause = xasprintf("two exercises have id '%s'",
							   l->exercises[i].id);
					goto out;
				}
		}
	}
	ret = 0;
out:
	if (ret)
		lesson_release(l);
	json_object_put(root);
	return ret;
}

int course_check_file(const char *data_dir, const char *path, struct lesson *l, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	int ret;

	memset(l, 0, sizeof(*l));
	*cause = NULL;
	if (read_file(path, &sb, LESSON_MAX) < 0) {
		*cause = errno == EFBIG ? xasprintf("it is over %u KiB: not a lesson file",
						    LESSON_MAX >> 10)
					: xasprintf("cannot read it: %s", strerror(errno));
		strbuf_release(&sb);
		return -1;
	}
	ret = course_parse(data_dir, path, strbuf_str(&sb), sb.len, l, cause);
	strbuf_release(&sb);
	return ret;
}

const char *course_credit_name(enum course_credit credit)
{
	return credit_names[credit];
}

/* lessons/course.json: what the course declares once.  Absent: the defaults. */
static int load_course_file(const char *path, struct course *c, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_object *root = NULL;
	const char *credit;
	size_t k;
	int ret = -1;

	if (read_file(path, &sb, LESSON_MAX) < 0) {
		*cause = errno == EFBIG ? xasprintf("it is over %u KiB: not a course file",
						    LESSON_MAX >> 10)
					: xasprintf("cannot read it: %s", strerror(errno));
		goto out;
	}
	root = parse_json(strbuf_str(&sb), sb.len, cause);
	if (!root || check_object(root, "", "the course file", course_fields, cause) < 0)
		goto out;
	credit = member_str(root, "credit");
	for (k = 0; credit && k < ARRAY_SIZE(credit_names); k++)
		if (!strcmp(credit, credit_names[k]))
			break;
	if (credit && k == ARRAY_SIZE(credit_names)) {
		char *s = shown(credit);

		*cause = xasprintf("'credit' must be \"all-or-nothing\" or \"partial\", not \"%s\"",
				   s);
		free(s);
		goto out;
	}
	c->credit = credit ? (enum course_credit)k : CREDIT_ALL_OR_NOTHING;
	ret = 0;
out:
	json_object_put(root);
	strbuf_release(&sb);
	return ret;
}

static int course_exercise_in(const struct lesson *l, const char *id)
{
	for (int j = 0; j < l->nexercises; j++)
		if (!strcmp(l->exercises[j].id, id))
			return 1;
	return 0;
}

static int cmp_lesson(const void *a, const void *b)
{
	const struct lesson *x = a, *y = b;

	return x->number - y->number;
}

int course_load(const char *data_dir, struct course *c)
{
	char *dir = path_join(data_dir, "lessons");
	DIR *d = opendir(dir);
	struct dirent *e;
	char *json;
	int ret = -1;

	memset(c, 0, sizeof(*c));
	if (!d) {
		error("cannot open the lessons directory '%s': %s (set KMEMLAB_DATA to the "
		      "kmemlab tree)", dir, strerror(errno));
		free(dir);
		return -1;
	}
	while ((e = readdir(d))) {
		struct lesson l;
		char *cause;

		if (e->d_name[0] == '.')
			continue;
		json = xasprintf("%s/%s/lesson.json", dir, e->d_name);
		if (!is_file(json)) {
			free(json);
			continue;
		}
		if (course_check_file(data_dir, json, &l, &cause) < 0) {
			error("lesson '%s': %s", json, cause);
			free(cause);
			free(json);
			goto out;
		}
		free(json);
		c->lessons = xrealloc(c->lessons, (size_t)(c->nlessons + 1) * sizeof(l));
		c->lessons[c->nlessons++] = l;
	}
	json = path_join(dir, "course.json");
	if (is_file(json)) {
		char *cause;

		if (load_course_file(json, c, &cause) < 0) {
			error("course file '%s': %s", json, cause);
			free(cause);
			free(json);
			goto out;
		}
	}
	free(json);
	if (c->nlessons > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(c->lessons, (size_t)c->nlessons, sizeof(*c->lessons), cmp_lesson);
	for (int i = 0; i < c->nlessons; i++) {
		const struct lesson *l = &c->lessons[i];

		for (int j = 0; j < l->nexercises; j++) {
			l->exercises[j].lesson = &c->lessons[i];
			c->points += l->exercises[j].points;
		}
		if (i && l->number == c->lessons[i - 1].number) {
			error("lessons '%s' and '%s' share number %d", c->lessons[i - 1].id, l->id,
			      l->number);
			goto out;
		}
		/* Lessons and exercises are found by id: each id names one. */
		for (int k = 0; k < i; k++) {
			if (!strcmp(c->lessons[k].id, l->id)) {
				error("lessons %d and %d share id '%s'", c->lessons[k].number,
				      l->number, l->id);
				goto out;
			}
			for (int j = 0; j < l->nexercises; j++)
				if (course_exercise_in(&c->lessons[k], l->exercises[j].id)) {
					error("lessons %d and %d both have exercise '%s'",
					      c->lessons[k].number, l->number, l->exercises[j].id);
					goto out;
				}
		}
	}
	ret = 0;
out:
	closedir(d);
	free(dir);
	if (ret)
		course_release(c);
	return ret;
}

void course_release(struct course *c)
{
	for (int i = 0; i < c->nlessons; i++)
		lesson_release(&c->lessons[i]);
	free(c->lessons);
	memset(c, 0, sizeof(*c));
}

const struct lesson *course_lesson(const struct course *c, const char *key)
{
	char *end;
	long n = strtol(key, &end, 10);

	for (int i = 0; i < c->nlessons; i++) {
		const struct lesson *l = &c->lessons[i];

		if ((!*end && l->number == n) || !strcmp(l->id, key))
			return l;
	}
	return NULL;
}

const struct exercise *course_exercise(const struct course *c, const char *id)
{
	for (int i = 0; i < c->nlessons; i++)
		for (int j = 0; j < c->lessons[i].nexercises; j++)
			if (!strcmp(c->lessons[i].exercises[j].id, id))
				return &c->lessons[i].exercises[j];
	return NULL;
}
