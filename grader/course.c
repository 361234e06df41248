#include "course.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "grading.h"
#include "lab.h"
#include "course-internal.h"
#include "schema.h"
#include "util.h"

/* The largest lesson.json read: anything bigger is not a lesson. */
#define LESSON_MAX (1u << 20)

/* ---- the schema ---- */

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
	{ "grade", FT_OBJECT, 0 },
	{ "wrong", FT_OBJECTS, 0 },
	{ NULL, 0, 0, NULL },
};

static const struct field course_fields[] = {
	{ "id", FT_STRING, 0, "the course's id: a-z, 0-9, '-' and '_'" },
	{ "title", FT_STRING, 0 },
	{ "version", FT_STRING, 0 },
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


static int load_boot(struct json_object *o, const char *where, struct exercise *ex,
		     char **cause)
{
	struct json_object *v;

	if (schema_check_object(o, where, "'boot'", boot_fields, cause) < 0)
		return -1;
	if ((v = schema_member(o, "fresh")))
		ex->boot_fresh = json_object_get_boolean(v);
	ex->boot_cmdline = schema_dup(o, "cmdline");
	if ((v = schema_member(o, "mem_mb"))) {
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

static const struct field wrong_fields[] = {
	{ "dir", FT_STRING, 0, "a folder of the course holding the exercise's file" },
	{ "patch", FT_STRING, 0, "a patch (diff -u) of the course, applied to the solution" },
	{ "fails", FT_STRING, 1, "the name of the check it must fail" },
	{ NULL, 0, 0, NULL },
};

/* Whether name is a check that grading ex gives. */
static int check_of(const struct exercise *ex, const char *name)
{
	static const char *const common[] = { "build", "load", "unload", "runs", "cleanup" };
	const struct checker *ck = ex->grading ? NULL : checker_find(ex->check);

	for (size_t i = 0; i < ARRAY_SIZE(common); i++)
		if (!strcmp(common[i], name))
			return 1;
	if (ex->grading) {
		const char **names = grading_check_names(ex->grading);
		int hit = 0;

		for (int i = 0; names[i]; i++)
			hit |= !strcmp(names[i], name);
		free(names);
		if (hit)
			return 1;
	}
	for (int i = 0; ck && ck->checks[i]; i++)
		if (!strcmp(ck->checks[i], name))
			return 1;
	return 0;
}

/* "wrong": solutions with one mistake each, and the check each must fail. */
static int load_wrong(const char *data_dir, struct json_object *arr, const char *where,
		      struct exercise *ex, char **cause)
{
	size_t n = json_object_array_length(arr);

	ex->wrong = xcalloc(n + 1, sizeof(*ex->wrong));
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		char *w = xasprintf("%s.wrong[%zu]", where, i), *f;
		struct wrong_solution *ws = &ex->wrong[ex->nwrong];

		if (schema_check_object(o, w, "a wrong solution", wrong_fields, cause) < 0) {
			free(w);
			return -1;
		}
		if (!!schema_member(o, "dir") + !!schema_member(o, "patch") != 1) {
			*cause = xasprintf("'%s' must have \"dir\" (a folder) or \"patch\" (one "
					   "against the solution)", w);
			free(w);
			return -1;
		}
		ws->fails = schema_dup(o, "fails");
		ex->nwrong++;
		if (schema_member(o, "patch")) {
			ws->patch = path_join(data_dir, schema_str(o, "patch"));
			f = xstrdup(ws->patch);
		} else {
			ws->dir = path_join(data_dir, schema_str(o, "dir"));
			f = path_join(ws->dir, ex->file);
		}
		if (!is_file(f)) {
			*cause = xasprintf("'%s.%s': '%s' does not exist", w, ws->patch ? "patch" : "dir",
					   f);
			free(f);
			free(w);
			return -1;
		}
		free(f);
		if (!check_of(ex, ws->fails)) {
			*cause = xasprintf("'%s.fails': exercise '%s' has no check '%s'", w, ex->id,
					   ws->fails);
			free(w);
			return -1;
		}
		free(w);
	}
	return 0;
}

static int load_exercise(const char *data_dir, const char *lesson_dir, struct json_object *o,
			 const char *where, struct exercise *ex, char **cause)
{
	const char *kind = schema_str(o, "kind"), *name, *other;
	struct json_object *hints, *boot, *v;
	char *p;

	if (schema_check_object(o, where, "an exercise", exercise_fields, cause) < 0)
		return -1;
	if (kind && !strcmp(kind, "program")) {
		ex->kind = EXERCISE_PROGRAM;
	} else if (kind && strcmp(kind, "module")) {
		char *s = schema_shown(kind);

		*cause = xasprintf("'%s.kind' must be \"module\" or \"program\", not \"%s\"", where,
				   s);
		free(s);
		return -1;
	}
	name = ex->kind == EXERCISE_PROGRAM ? "program" : "module";
	other = ex->kind == EXERCISE_PROGRAM ? "module" : "program";
	if (schema_member(o, other)) {
		*cause = xasprintf("'%s.%s' belongs to a %s exercise, and this one's kind is "
				   "\"%s\" (its name goes in '%s')", where, other, other, name,
				   name);
		return -1;
	}
	ex->id = schema_dup(o, "id");
	ex->title = schema_dup(o, "title");
	if (!schema_valid_id(ex->id)) {
		*cause = xasprintf("exercise id '%s' may hold only a-z, 0-9, '-' and '_'", ex->id);
		return -1;
	}
	if (schema_member(o, "check") && schema_member(o, "grade")) {
		*cause = xasprintf("'%s' has both \"check\" (a grader of kmemlab's) and \"grade\" "
				   "(declared grading): keep one", where);
		return -1;
	}
	if ((v = schema_member(o, "grade"))) {
		char *w = schema_sub(where, "grade");
		int r;

		ex->grading = xcalloc(1, sizeof(*ex->grading));
		r = grading_load(v, w, lesson_dir, ex->kind == EXERCISE_PROGRAM, ex->grading, cause);
		free(w);
		if (r < 0)
			return -1;
		ex->check = xstrdup("declared");
	} else {
		ex->check = schema_member(o, "check") ? schema_dup(o, "check") : xstrdup(ex->id);
		if (!strcmp(ex->check, "declared")) {
			*cause = xasprintf("'%s.check' is \"declared\", but the exercise has no "
					   "\"grade\" to declare its grading", where);
			return -1;
		}
	}
	ex->module = schema_member(o, name) ? schema_dup(o, name) : xasprintf("%s_ex", ex->id);
	ex->file = schema_member(o, "file") ? schema_dup(o, "file") : xasprintf("%s.c", ex->module);
	if (!schema_valid_name(ex->module)) {
		*cause = xasprintf("'%s.%s' ('%s') may hold only letters, digits, '-' and '_'",
				   where, name, ex->module);
		return -1;
	}
	if (strchr(ex->file, '/') || !strcmp(ex->file, ".") || !strcmp(ex->file, "..")) {
		*cause = xasprintf("'%s.file' ('%s') must be a file name, without '/'", where,
				   ex->file);
		return -1;
	}
	if (!ex->grading && !checker_find(ex->check)) {
		*cause = xasprintf("exercise '%s' names check '%s', which the grader does not have",
				   ex->id, ex->check);
		return -1;
	}
	ex->points = COURSE_POINTS;
	if ((v = schema_member(o, "points"))) {
		int64_t points = json_object_get_int64(v);

		if (points < 0 || points > 1000) {
			*cause = xasprintf("'%s.points' must be an integer from 0 to 1000, not %s",
					   where, json_object_get_string(v));
			return -1;
		}
		ex->points = (int)points;
	}
	if ((boot = schema_member(o, "boot"))) {
		char *w = schema_sub(where, "boot");
		int r = load_boot(boot, w, ex, cause);

		free(w);
		if (r < 0)
			return -1;
	}
	{
		char *skel = xasprintf("modules/exercises/%s/skeleton", ex->id);
		char *sol = xasprintf("modules/exercises/%s/solution", ex->id);

		ex->skeleton = path_join(data_dir, schema_member(o, "skeleton") ? schema_str(o, "skeleton")
									  : skel);
		ex->solution = path_join(data_dir, schema_member(o, "solution") ? schema_str(o, "solution")
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
	hints = schema_member(o, "hints");
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
	if ((v = schema_member(o, "wrong")) && load_wrong(data_dir, v, where, ex, cause) < 0)
		return -1;
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
	for (int i = 0; i < ex->nwrong; i++) {
		free(ex->wrong[i].dir);
		free(ex->wrong[i].patch);
		free(ex->wrong[i].fails);
	}
	free(ex->wrong);
	if (ex->grading) {
		grading_release(ex->grading);
		free(ex->grading);
	}
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
		*cause = xasprintf("the top level must be an object, not %s", schema_json_what(root));
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
	if (schema_check_object(root, "", "a lesson", lesson_fields, cause) < 0)
		goto out;
	l->id = schema_dup(root, "id");
	l->title = schema_dup(root, "title");
	if (!schema_valid_id(l->id)) {
		*cause = xasprintf("lesson id '%s' may hold only a-z, 0-9, '-' and '_'", l->id);
		goto out;
	}
	if (json_object_get_int64(schema_member(root, "number")) < 1 ||
	    json_object_get_int64(schema_member(root, "number")) > 999) {
		*cause = xasprintf("'number' must be an integer from 1 to 999, not %s",
				   json_object_get_string(schema_member(root, "number")));
		goto out;
	}
	l->number = (int)json_object_get_int64(schema_member(root, "number"));
	l->dir = path_dirname(path);
	l->text_path = path_join(l->dir, schema_str(root, "text"));
	if (!is_file(l->text_path)) {
		*cause = xasprintf("its text '%s' does not exist", l->text_path);
		goto out;
	}
	if ((arr = schema_member(root, "questions"))) {
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
	if ((arr = schema_member(root, "exercises"))) {
		l->nexercises = (int)json_object_array_length(arr);
		l->exercises = xcalloc((size_t)l->nexercises + 1, sizeof(*l->exercises));
		for (int i = 0; i < l->nexercises; i++) {
			char *where = xasprintf("exercises[%d]", i);
			int r = load_exercise(data_dir, l->dir,
					      json_object_array_get_idx(arr, (size_t)i), where,
					      &l->exercises[i], cause);

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
	if (!root || schema_check_object(root, "", "the course file", course_fields, cause) < 0)
		goto out;
	credit = schema_str(root, "credit");
	for (k = 0; credit && k < ARRAY_SIZE(credit_names); k++)
		if (!strcmp(credit, credit_names[k]))
			break;
	if (credit && k == ARRAY_SIZE(credit_names)) {
		char *s = schema_shown(credit);

		*cause = xasprintf("'credit' must be \"all-or-nothing\" or \"partial\", not \"%s\"",
				   s);
		free(s);
		goto out;
	}
	c->credit = credit ? (enum course_credit)k : CREDIT_ALL_OR_NOTHING;
	if (schema_member(root, "id")) {
		free(c->id);
		c->id = schema_dup(root, "id");
		if (!schema_valid_id(c->id)) {
			*cause = xasprintf("'id' ('%s') may hold only a-z, 0-9, '-' and '_'", c->id);
			goto out;
		}
	}
	if (schema_member(root, "title")) {
		free(c->title);
		c->title = schema_dup(root, "title");
	}
	if (schema_member(root, "version")) {
		free(c->version);
		c->version = schema_dup(root, "version");
	}
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

/* Add the file at path (named name) to key, when it can be read. */
static void hash_file(struct strbuf *key, const char *name, const char *path)
{
	struct strbuf data = STRBUF_INIT;

	if (read_file(path, &data, 16 << 20) == 0)
		source_hash_add(key, name, data.buf ? data.buf : "", data.len);
	strbuf_release(&data);
}

void course_hash(const struct course *c, char hash[65])
{
	struct strbuf key = STRBUF_INIT;
	char *cf;

	hash[0] = '\0';
	if (!c->dir)
		return;
	cf = xasprintf("%s/lessons/course.json", c->dir);

	hash_file(&key, "course.json", cf);
	free(cf);
	for (int i = 0; i < c->nlessons; i++) {
		const struct lesson *l = &c->lessons[i];
		char *lj = path_join(l->dir, "lesson.json");

		hash_file(&key, l->id, lj);
		free(lj);
		for (int j = 0; j < l->nexercises; j++) {
			const struct grading *g = l->exercises[j].grading;
			char **names = NULL;
			size_t n = 0;

			for (int k = 0; g && k < g->nchecks; k++)
				if (g->checks[k].script)
					hash_file(&key, g->checks[k].script, g->checks[k].script);
			/* The probe's sources, and each guest program's. */
			for (int d = -1; g && d < g->nprograms; d++) {
				const char *dir = d < 0 ? g->probe_dir : g->programs[d].dir;

				if (!dir || source_files(dir, &names, &n) < 0)
					continue;
				for (size_t k = 0; k < n; k++) {
					char *p = path_join(dir, names[k]);

					hash_file(&key, names[k], p);
					free(p);
					free(names[k]);
				}
				free(names);
				names = NULL;
				n = 0;
			}
		}
	}
	sha256_hex(key.buf ? key.buf : "", key.len, hash);
	strbuf_release(&key);
}

int course_load(const char *data_dir, struct course *c)
{
	char *dir = path_join(data_dir, "lessons");
	DIR *d = opendir(dir);
	struct dirent *e;
	char *json;
	int ret = -1;

	memset(c, 0, sizeof(*c));
	c->id = xstrdup("kmemlab");
	c->title = xstrdup("Linux kernel memory management");
	c->version = xstrdup("1");
	c->dir = xstrdup(data_dir);
	if (!d) {
		error("cannot open the lessons folder '%s': %s (a course pack holds lessons/ with "
		      "course.json and a folder per lesson: 'kmemlab course new DIR' makes one)",
		      dir, strerror(errno));
		free(dir);
		course_release(c);
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
	free(c->id);
	free(c->title);
	free(c->version);
	free(c->dir);
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
