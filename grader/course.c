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
	struct json_object *hints, *v;
	char *skel = NULL, *sol = NULL, *p;
	int ret = -1;

	if (!json_object_is_type(o, json_type_object)) {
		*cause = xstrdup("each exercise must be an object");
		return -1;
	}
	if (json_object_object_get_ex(o, "kind", &v)) {
		const char *k = json_object_get_string(v);

		if (!strcmp(k, "program")) {
			ex->kind = EXERCISE_PROGRAM;
		} else if (strcmp(k, "module")) {
			*cause = xasprintf("'kind' must be \"module\" or \"program\", not \"%s\"", k);
			goto out;
		}
	}
	if (json_object_object_get_ex(o, "boot", &v)) {
		struct json_object *f;

		if (!json_object_is_type(v, json_type_object)) {
			*cause = xstrdup("'boot' must be an object with 'cmdline', 'mem_mb' "
					 "and/or 'fresh'");
			goto out;
		}
		if (json_object_object_get_ex(v, "fresh", &f)) {
			if (!json_object_is_type(f, json_type_boolean)) {
				*cause = xstrdup("'boot.fresh' must be true or false");
				goto out;
			}
			ex->boot_fresh = json_object_get_boolean(f);
		}
		if (json_object_object_get_ex(v, "cmdline", &f))
			ex->boot_cmdline = xstrdup(json_object_get_string(f));
		if (json_object_object_get_ex(v, "mem_mb", &f)) {
			ex->boot_mem_mb = json_object_get_int(f);
			if (!json_object_is_type(f, json_type_int) || ex->boot_mem_mb < 64 ||
			    ex->boot_mem_mb > 4096) {
				*cause = xstrdup("'boot.mem_mb' must be an integer from 64 to 4096");
				goto out;
			}
		}
	}
	if (get_string(o, "id", &ex->id, cause) < 0 || get_string(o, "title", &ex->title, cause) < 0 ||
	    get_string(o, "check", &ex->check, cause) < 0 ||
	    get_string(o, ex->kind == EXERCISE_PROGRAM ? "program" : "module", &ex->module,
		       cause) < 0 ||
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
	free(ex->boot_cmdline);
	for (int i = 0; i < ex->nhints; i++)
		free(ex->hints[i]);
	free(ex->hints);
}

static int load_question(struct json_object *o, struct question *q, char **cause)
{
	struct json_object *v, *arr;
	char *kind = NULL;
	int ret = -1;

	if (!json_object_is_type(o, json_type_object)) {
		*cause = xstrdup("each question must be an object");
		return -1;
	}
	if (get_string(o, "id", &q->id, cause) < 0 || get_string(o, "kind", &kind, cause) < 0 ||
	    get_string(o, "text", &q->text, cause) < 0)
		goto out;
	if (!strcmp(kind, "choice")) {
		q->kind = QUESTION_CHOICE;
		if (!json_object_object_get_ex(o, "choices", &arr) ||
		    !json_object_is_type(arr, json_type_array) || json_object_array_length(arr) < 2) {
			*cause = xasprintf("question '%s': 'choices' needs two or more", q->id);
			goto out;
		}
		if (!json_object_object_get_ex(o, "answer", &v) || !json_object_is_type(v, json_type_int) ||
		    json_object_get_int(v) < 0 ||
		    (size_t)json_object_get_int(v) >= json_object_array_length(arr)) {
			*cause = xasprintf("question '%s': 'answer' must index 'choices'", q->id);
			goto out;
		}
		q->answer = json_object_get_int(v);
	} else if (!strcmp(kind, "number")) {
		q->kind = QUESTION_NUMBER;
		arr = NULL;
		if (json_object_object_get_ex(o, "answer_vm", &v)) {
			if (!json_object_is_type(v, json_type_string) || !*json_object_get_string(v)) {
				*cause = xasprintf("question '%s': 'answer_vm' must be a command", q->id);
				goto out;
			}
			q->answer_vm = xstrdup(json_object_get_string(v));
		} else if (json_object_object_get_ex(o, "answer", &v) &&
			   (json_object_is_type(v, json_type_int) ||
			    json_object_is_type(v, json_type_double))) {
			q->number = json_object_get_double(v);
		} else {
			*cause = xasprintf("question '%s': a number question needs 'answer' or "
					   "'answer_vm'", q->id);
			goto out;
		}
		if (json_object_object_get_ex(o, "tolerance", &v))
			q->tolerance = json_object_get_double(v);
	} else if (!strcmp(kind, "text")) {
		q->kind = QUESTION_TEXT;
		if (!json_object_object_get_ex(o, "accept", &arr) ||
		    !json_object_is_type(arr, json_type_array) || !json_object_array_length(arr)) {
			*cause = xasprintf("question '%s': 'accept' needs one or more answers", q->id);
			goto out;
		}
	} else {
		*cause = xasprintf("question '%s': kind must be choice, number or text, not '%s'",
				   q->id, kind);
		goto out;
	}
	if (arr) {
		q->nchoices = (int)json_object_array_length(arr);
		q->choices = xcalloc((size_t)q->nchoices, sizeof(char *));
		for (int i = 0; i < q->nchoices; i++) {
			struct json_object *c = json_object_array_get_idx(arr, (size_t)i);

			if (!json_object_is_type(c, json_type_string) || !*json_object_get_string(c)) {
				*cause = xasprintf("question '%s': option %d must be a non-empty "
						   "string", q->id, i + 1);
				goto out;
			}
			q->choices[i] = xstrdup(json_object_get_string(c));
		}
	}
	ret = 0;
out:
	free(kind);
	return ret;
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
				   json_tokener_get_error(tok) == json_tokener_continue
					   ? "the file ends inside an object or array"
					   : json_tokener_error_desc(json_tokener_get_error(tok)));
		goto out;
	}
	for (size_t i = json_tokener_get_parse_end(tok); i < sb.len; i++) {
		if (!strchr(" \t\r\n", sb.buf[i])) {
			*cause = xstrdup("not valid JSON: text after the closing brace");
			goto out;
		}
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
	if (strrchr(l->dir, '/'))
		*strrchr(l->dir, '/') = '\0';
	else
		strcpy(l->dir, ".");
	l->text_path = path_join(l->dir, text);
	if (!is_file(l->text_path)) {
		*cause = xasprintf("its text '%s' does not exist", l->text_path);
		goto out;
	}
	if (json_object_object_get_ex(root, "questions", &v)) {
		if (!json_object_is_type(v, json_type_array)) {
			*cause = xstrdup("'questions' must be an array");
			goto out;
		}
		l->nquestions = (int)json_object_array_length(v);
		l->questions = xcalloc((size_t)l->nquestions + 1, sizeof(*l->questions));
		for (int i = 0; i < l->nquestions; i++) {
			if (load_question(json_object_array_get_idx(v, (size_t)i), &l->questions[i],
					  cause) < 0)
				goto out;
			for (int j = 0; j < i; j++)
				if (!strcmp(l->questions[j].id, l->questions[i].id)) {
					*cause = xasprintf("two questions have id '%s'",
							   l->questions[i].id);
					goto out;
				}
		}
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
