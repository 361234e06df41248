#include "course.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "util.h"

static int get_string(struct json_object *o, const char *key, char **out, char **cause)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string) ||
	    !*json_object_get_string(v)) {
		*cause = xasprintf("'%s' must be a non-empty string", key);
		return -1;
	}
	*out = xstrdup(json_object_get_string(v));
	return 0;
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

static int load_exercise(const char *data_dir, struct json_object *o, struct exercise *ex,
			 char **cause)
{
	struct json_object *hints;
	char *skel = NULL, *sol = NULL, *p;
	int ret = -1;

	if (!json_object_is_type(o, json_type_object)) {
		*cause = xstrdup("each exercise must be an object");
		return -1;
	}
	if (get_string(o, "id", &ex->id, cause) < 0 || get_string(o, "title", &ex->title, cause) < 0 ||
	    get_string(o, "check", &ex->check, cause) < 0 ||
	    get_string(o, "module", &ex->module, cause) < 0 ||
	    get_string(o, "file", &ex->file, cause) < 0 ||
	    get_string(o, "skeleton", &skel, cause) < 0 ||
	    get_string(o, "solution", &sol, cause) < 0)
		goto out;
	if (!valid_id(ex->id)) {
		*cause = xasprintf("exercise id '%s' may hold only a-z, 0-9, '-' and '_'", ex->id);
		goto out;
	}
	if (!checker_find(ex->check)) {
		*cause = xasprintf("exercise '%s' names check '%s', which the grader does not have",
				   ex->id, ex->check);
		goto out;
	}
	ex->skeleton = path_join(data_dir, skel);
	ex->solution = path_join(data_dir, sol);
	p = path_join(ex->skeleton, ex->file);
	if (!is_file(p)) {
		*cause = xasprintf("exercise '%s': skeleton file '%s' does not exist", ex->id, p);
		free(p);
		goto out;
	}
	free(p);
	p = path_join(ex->solution, ex->file);
	if (!is_file(p)) {
		*cause = xasprintf("exercise '%s': solution file '%s' does not exist", ex->id, p);
		free(p);
		goto out;
	}
	free(p);
	if (!json_object_object_get_ex(o, "hints", &hints) ||
	    !json_object_is_type(hints, json_type_array) || json_object_array_length(hints) == 0) {
		*cause = xasprintf("exercise '%s': 'hints' must be a non-empty array", ex->id);
		goto out;
	}
	ex->nhints = (int)json_object_array_length(hints);
	ex->hints = xcalloc((size_t)ex->nhints, sizeof(char *));
	for (int i = 0; i < ex->nhints; i++) {
		struct json_object *h = json_object_array_get_idx(hints, (size_t)i);

		if (!json_object_is_type(h, json_type_string) || !*json_object_get_string(h)) {
			*cause = xasprintf("exercise '%s': hint %d must be a non-empty string",
					   ex->id, i + 1);
			goto out;
		}
		ex->hints[i] = xstrdup(json_object_get_string(h));
	}
	ret = 0;
out:
	free(skel);
	free(sol);
	return ret;
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
	for (int i = 0; i < ex->nhints; i++)
		free(ex->hints[i]);
	free(ex->hints);
}

static void lesson_release(struct lesson *l)
{
	for (int i = 0; i < l->nexercises; i++)
		exercise_release(&l->exercises[i]);
	free(l->exercises);
	free(l->id);
	free(l->title);
	free(l->text_path);
	free(l->dir);
	memset(l, 0, sizeof(*l));
}

int course_check_file(const char *data_dir, const char *path, struct lesson *l, char **cause)
{
	struct json_object *root = NULL, *v, *exs;
	struct strbuf sb = STRBUF_INIT;
	struct json_tokener *tok = NULL;
	char *text = NULL;
	int ret = -1;

	memset(l, 0, sizeof(*l));
	*cause = NULL;
	if (read_file(path, &sb, 1 << 20) < 0) {
		*cause = xasprintf("cannot read it: %s", strerror(errno));
		goto out;
	}
	tok = json_tokener_new();
	root = json_tokener_parse_ex(tok, strbuf_str(&sb), (int)sb.len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		size_t off = json_tokener_get_parse_end(tok);
		int line = 1;

		for (size_t i = 0; i < off && i < sb.len; i++)
			line += sb.buf[i] == '\n';
		*cause = xasprintf("not valid JSON at line %d: %s", line,
				   json_tokener_error_desc(json_tokener_get_error(tok)));
		goto out;
	}
	if (!json_object_is_type(root, json_type_object)) {
		*cause = xstrdup("the top level must be an object");
		goto out;
	}
	if (get_string(root, "id", &l->id, cause) < 0 ||
	    get_string(root, "title", &l->title, cause) < 0 ||
	    get_string(root, "text", &text, cause) < 0)
		goto out;
	if (!valid_id(l->id)) {
		*cause = xasprintf("lesson id '%s' may hold only a-z, 0-9, '-' and '_'", l->id);
		goto out;
	}
	if (!json_object_object_get_ex(root, "number", &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int(v) < 1) {
		*cause = xstrdup("'number' must be a positive integer");
		goto out;
	}
	l->number = json_object_get_int(v);
	l->dir = xstrdup(path);
	*strrchr(l->dir, '/') = '\0';
	l->text_path = path_join(l->dir, text);
	if (!is_file(l->text_path)) {
		*cause = xasprintf("its text '%s' does not exist", l->text_path);
		goto out;
	}
	if (json_object_object_get_ex(root, "exercises", &exs)) {
		if (!json_object_is_type(exs, json_type_array)) {
			*cause = xstrdup("'exercises' must be an array");
			goto out;
		}
		l->nexercises = (int)json_object_array_length(exs);
		l->exercises = xcalloc((size_t)l->nexercises + 1, sizeof(*l->exercises));
		for (int i = 0; i < l->nexercises; i++)
			if (load_exercise(data_dir, json_object_array_get_idx(exs, (size_t)i),
					  &l->exercises[i], cause) < 0)
				goto out;
	}
	ret = 0;
out:
	if (ret)
		lesson_release(l);
	json_object_put(root);
	if (tok)
		json_tokener_free(tok);
	strbuf_release(&sb);
	free(text);
	return ret;
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
	int ret = -1;

	memset(c, 0, sizeof(*c));
	if (!d) {
		error("cannot open the lessons directory '%s': %s (set KMEMLAB_DATA to the "
		      "kmemlab tree)", dir, strerror(errno));
		free(dir);
		return -1;
	}
	while ((e = readdir(d))) {
		char *json, *cause;
		struct lesson l;

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
	qsort(c->lessons, (size_t)c->nlessons, sizeof(*c->lessons), cmp_lesson);
	for (int i = 0; i < c->nlessons; i++) {
		for (int j = 0; j < c->lessons[i].nexercises; j++)
			c->lessons[i].exercises[j].lesson = &c->lessons[i];
		if (i && c->lessons[i].number == c->lessons[i - 1].number) {
			error("lessons '%s' and '%s' share number %d", c->lessons[i - 1].id,
			      c->lessons[i].id, c->lessons[i].number);
			goto out;
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
