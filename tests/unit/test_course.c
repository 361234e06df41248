/*
 * The course loader (grader/course.h): lesson.json validation on lessons
 * written to a temporary data directory, and the real course in this tree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "course.h"
#include "expr.h"
#include "grading.h"
#include "unit.h"

struct fixture {
	char *data;	/* the data directory: lessons/ and ex/ */
	char *json;	/* data/lessons/01-demo/lesson.json */
	char *cwd;	/* restored after each test */
};

static void put_file(const char *path, const char *text)
{
	assert_int_equal(write_file_atomic(path, text, strlen(text), 0644), 0);
}

static void make_dir(const char *data, const char *rel)
{
	char *p = path_join(data, rel);

	assert_int_equal(mkdir_p(p, 0755), 0);
	free(p);
}

static void put_rel(const char *data, const char *rel, const char *text)
{
	char *p = path_join(data, rel);

	put_file(p, text);
	free(p);
}

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	char tmpl[] = "/tmp/kmemlab-test-course-XXXXXX";

	if (!mkdtemp(tmpl)) {
		free(fx);
		return -1;
	}
	fx->data = xstrdup(tmpl);
	fx->cwd = getcwd(NULL, 0);
	fx->json = xasprintf("%s/lessons/01-demo/lesson.json", fx->data);
	make_dir(fx->data, "lessons/01-demo");
	make_dir(fx->data, "ex/demo/skeleton");
	make_dir(fx->data, "ex/demo/solution");
	make_dir(fx->data, "ex/demo/empty");
	put_rel(fx->data, "lessons/01-demo/lesson.md", "# Demo\n\nA lesson.\n");
	put_rel(fx->data, "ex/demo/skeleton/demo.c", "/* TODO */\n");
	put_rel(fx->data, "ex/demo/solution/demo.c", "/* done */\n");
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->cwd && chdir(fx->cwd) < 0)
		return -1;
	free(fx->cwd);
	remove_tree(fx->data);
	free(fx->data);
	free(fx->json);
	free(fx);
	return 0;
}

/*
 * The members of a lesson.json that the tests vary, as raw JSON values;
 * NULL leaves the member out.
 */
struct spec {
	const char *id, *number, *text;
	const char *ex_id, *check, *skeleton, *solution, *hints;
};

static const struct spec good = {
	.id = "\"demo\"",
	.number = "1",
	.text = "\"lesson.md\"",
	.ex_id = "\"demo-ex_1\"",
	.check = "\"ksize\"",
	.skeleton = "\"ex/demo/skeleton\"",
	.solution = "\"ex/demo/solution\"",
	.hints = "[\"look at ksize()\", \"multiply before dividing\"]",
};

static void member(struct strbuf *sb, const char *indent, const char *key, const char *value)
{
	if (value)
		strbuf_addf(sb, "%s\"%s\": %s,\n", indent, key, value);
}

static void write_lesson(const char *path, const struct spec *s)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "{\n");
	member(&sb, "  ", "id", s->id);
	member(&sb, "  ", "number", s->number);
	member(&sb, "  ", "text", s->text);
	strbuf_addstr(&sb, "  \"exercises\": [\n    {\n");
	member(&sb, "      ", "id", s->ex_id);
	member(&sb, "      ", "check", s->check);
	member(&sb, "      ", "skeleton", s->skeleton);
	member(&sb, "      ", "solution", s->solution);
	member(&sb, "      ", "hints", s->hints);
	strbuf_addstr(&sb, "      \"title\": \"Do the demo\",\n"
			   "      \"module\": \"demo\",\n"
			   "      \"file\": \"demo.c\"\n"
			   "    }\n  ],\n"
			   "  \"title\": \"A demo lesson\"\n}\n");
	put_file(path, strbuf_str(&sb));
	strbuf_release(&sb);
}

/* A lesson filled by course_check_file, freed the only public way. */
static void release_lesson(struct lesson *l)
{
	struct course c = { .lessons = xmalloc(sizeof(*l)), .nlessons = 1 };

	c.lessons[0] = *l;
	course_release(&c);
}

/*
 * course_check_file must refuse the lesson with a cause that names each
 * of the words in want (NULL-ended).
 */
static void expect_refused(struct fixture *fx, const char *what, const char *const *want)
{
	struct lesson l;
	char *cause = NULL;
	int r = course_check_file(fx->data, fx->json, &l, &cause);

	if (r != -1) {
		if (!r)
			release_lesson(&l);
		fail_msg("%s: course_check_file returned %d, not -1", what, r);
	}
	if (!cause || !*cause)
		fail_msg("%s: no cause", what);
	for (; *want; want++)
		if (!strstr(cause, *want))
			fail_msg("%s: the cause '%s' does not mention '%s'", what, cause, *want);
	free(cause);
}

#define REFUSED(fx, what, ...) \
	expect_refused(fx, what, (const char *const[]){ __VA_ARGS__, NULL })

static void test_valid_lesson(void **state)
{
	struct fixture *fx = *state;
	struct lesson l;
	char *cause = (char *)"unset", *want;
	const struct exercise *ex;

	write_lesson(fx->json, &good);
	assert_int_equal(course_check_file(fx->data, fx->json, &l, &cause), 0);
	assert_null(cause);
	assert_string_equal(l.id, "demo");
	assert_int_equal(l.number, 1);
	assert_string_equal(l.title, "A demo lesson");
	want = xasprintf("%s/lessons/01-demo/lesson.md", fx->data);
	assert_string_equal(l.text_path, want);
	free(want);
	assert_int_equal(l.nexercises, 1);
	ex = &l.exercises[0];
	assert_string_equal(ex->id, "demo-ex_1");
	assert_string_equal(ex->title, "Do the demo");
	assert_string_equal(ex->check, "ksize");
	assert_string_equal(ex->module, "demo");
	assert_string_equal(ex->file, "demo.c");
	want = xasprintf("%s/ex/demo/skeleton", fx->data);
	assert_string_equal(ex->skeleton, want);
	free(want);
	want = xasprintf("%s/ex/demo/solution", fx->data);
	assert_string_equal(ex->solution, want);
	free(want);
	assert_int_equal(ex->points, COURSE_POINTS);	/* the lesson does not say */
	assert_int_equal(ex->nhints, 2);
	assert_string_equal(ex->hints[0], "look at ksize()");
	assert_string_equal(ex->hints[1], "multiply before dividing");
	release_lesson(&l);
}

static void test_invalid_json(void **state)
{
	struct fixture *fx = *state;

	/* A value missing on line 3. */
	put_file(fx->json, "{\n"
			   "  \"id\": \"demo\",\n"
			   "  \"number\": ,\n"
			   "  \"title\": \"A demo lesson\",\n"
			   "  \"text\": \"lesson.md\"\n"
			   "}\n");
	REFUSED(fx, "missing value", "JSON", "line 3");

	/* A missing comma, seen at the start of line 5. */
	put_file(fx->json, "{\n"
			   "  \"id\": \"demo\",\n"
			   "  \"number\": 1,\n"
			   "  \"title\": \"A demo lesson\"\n"
			   "  \"text\": \"lesson.md\"\n"
			   "}\n");
	REFUSED(fx, "missing comma", "JSON", "line ");

	/* Cut short. */
	put_file(fx->json, "{\n  \"id\": \"demo\",\n  \"number\": 1,\n");
	REFUSED(fx, "truncated", "JSON");

	put_file(fx->json, "");
	REFUSED(fx, "empty file", "JSON");

	put_file(fx->json, "[1, 2]\n");
	REFUSED(fx, "top level array", "object");
}

/* A complete object followed by more text is not a JSON document. */
static void test_trailing_garbage(void **state)
{
	struct fixture *fx = *state;
	struct strbuf sb = STRBUF_INIT;

	write_lesson(fx->json, &good);
	assert_int_equal(read_file(fx->json, &sb, 0), 0);
	strbuf_addstr(&sb, "{\"id\": \"second\"}\n");
	put_file(fx->json, strbuf_str(&sb));
	strbuf_release(&sb);
	REFUSED(fx, "trailing text", "JSON");
}

static void test_missing_id(void **state)
{
	struct fixture *fx = *state;
	struct spec s = good;

	s.id = NULL;
	write_lesson(fx->json, &s);
	REFUSED(fx, "no id", "'id'");

	s.id = "\"\"";
	write_lesson(fx->json, &s);
	REFUSED(fx, "empty id", "'id'");

	s.id = "7";
	write_lesson(fx->json, &s);
	REFUSED(fx, "numeric id", "'id'");

	s = good;
	s.ex_id = NULL;
	write_lesson(fx->json, &s);
	REFUSED(fx, "no exercise id", "'exercises[0].id'", "missing");
}

static void test_bad_id_characters(void **state)
{
	struct fixture *fx = *state;
	struct spec s = good;

	s.id = "\"Demo Lesson!\"";
	write_lesson(fx->json, &s);
	REFUSED(fx, "lesson id", "id", "Demo Lesson!");

	s.id = "\"../etc\"";
	write_lesson(fx->json, &s);
	REFUSED(fx, "lesson id with a slash", "id", "../etc");

	s = good;
	s.ex_id = "\"demo/ex\"";
	write_lesson(fx->json, &s);
	REFUSED(fx, "exercise id", "id", "demo/ex");
}

static void test_bad_number(void **state)
{
	struct fixture *fx = *state;
	struct spec s = good;

	s.number = "0";
	write_lesson(fx->json, &s);
	REFUSED(fx, "number 0", "number");

	s.number = "-3";
	write_lesson(fx->json, &s);
	REFUSED(fx, "negative number", "number");

	s.number = "\"1\"";
	write_lesson(fx->json, &s);
	REFUSED(fx, "number as a string", "number");

	s.number = NULL;
	write_lesson(fx->json, &s);
	REFUSED(fx, "no number", "number");
}

static void test_missing_text(void **state)
{
	struct fixture *fx = *state;
	struct spec s = good;

	s.text = "\"missing.md\"";
	write_lesson(fx->json, &s);
	REFUSED(fx, "text file", "missing.md");

	s.text = NULL;
	write_lesson(fx->json, &s);
	REFUSED(fx, "no text", "'text'");
}

static void test_unknown_check(void **state)
{
	struct fixture *fx = *state;
	struct spec s = good;

	s.check = "\"no-such-check\"";
	write_lesson(fx->json, &s);
	REFUSED(fx, "unknown check", "check", "no-such-check");
}

static void test_missing_exercise_files(void **state)
{
	struct fixture *fx = *state;
	struct spec s = good;

	s.skeleton = "\"ex/demo/empty\"";
	write_lesson(fx->json, &s);
	REFUSED(fx, "skeleton file", "skeleton", "ex/demo/empty/demo.c");

	s.skeleton = "\"ex/demo/nowhere\"";
	write_lesson(fx->json, &s);
	REFUSED(fx, "skeleton directory", "skeleton", "ex/demo/nowhere");

	s = good;
	s.solution = "\"ex/demo/empty\"";
	write_lesson(fx->json, &s);
	REFUSED(fx, "solution file", "solution", "ex/demo/empty/demo.c");
}

static void test_bad_hints(void **state)
{
	struct fixture *fx = *state;
	struct spec s = good;

	s.hints = "[]";
	write_lesson(fx->json, &s);
	REFUSED(fx, "empty hints", "hints");

	s.hints = NULL;
	write_lesson(fx->json, &s);
	REFUSED(fx, "no hints", "hints");

	s.hints = "\"just one\"";
	write_lesson(fx->json, &s);
	REFUSED(fx, "hints not an array", "hints");

	s.hints = "[\"first\", 42]";
	write_lesson(fx->json, &s);
	REFUSED(fx, "hint not a string", "'exercises[0].hints[1]'", "string", "integer");

	s.hints = "[\"first\", \"second\", \"\"]";
	write_lesson(fx->json, &s);
	REFUSED(fx, "empty hint", "'exercises[0].hints[2]'", "non-empty");
}

static void test_unreadable_file(void **state)
{
	struct fixture *fx = *state;
	char *missing = xasprintf("%s/lessons/99-none/lesson.json", fx->data);
	struct lesson l;
	char *cause = NULL;

	assert_int_equal(course_check_file(fx->data, missing, &l, &cause), -1);
	assert_non_null(cause);
	free(cause);
	free(missing);
}

/* An instructor checking the lesson.json in the current directory. */
static void test_path_without_directory(void **state)
{
	struct fixture *fx = *state;
	char *dir = xasprintf("%s/lessons/01-demo", fx->data);
	struct lesson l;
	char *cause = NULL;
	int r;

	write_lesson(fx->json, &good);
	assert_int_equal(chdir(dir), 0);
	free(dir);
	r = course_check_file(fx->data, "lesson.json", &l, &cause);
	assert_int_equal(chdir(fx->cwd), 0);
	if (r)
		fail_msg("course_check_file(\"lesson.json\") failed: %s", cause ? cause : "?");
	assert_true(path_has_suffix(l.text_path, "lesson.md"));
	assert_int_equal(l.nexercises, 1);
	release_lesson(&l);
}

/* An exercise that follows the naming pattern gives only its id. */
static void test_names_by_convention(void **state)
{
	struct fixture *fx = *state;
	struct lesson l;
	char *cause = NULL;
	const struct exercise *ex;

	make_dir(fx->data, "modules/exercises/ksize/skeleton");
	make_dir(fx->data, "modules/exercises/ksize/solution");
	put_rel(fx->data, "modules/exercises/ksize/skeleton/ksize_ex.c", "/* skeleton */\n");
	put_rel(fx->data, "modules/exercises/ksize/solution/ksize_ex.c", "/* solution */\n");
	put_file(fx->json, "{ \"id\": \"demo\", \"number\": 1, \"title\": \"A demo lesson\",\n"
			   "  \"text\": \"lesson.md\", \"exercises\": [ { \"id\": \"ksize\",\n"
			   "  \"title\": \"Measure\", \"hints\": [\"a\", \"b\", \"c\"] } ] }\n");
	if (course_check_file(fx->data, fx->json, &l, &cause) < 0)
		fail_msg("refused: %s", cause ? cause : "?");
	ex = &l.exercises[0];
	assert_string_equal(ex->check, "ksize");
	assert_string_equal(ex->module, "ksize_ex");
	assert_string_equal(ex->file, "ksize_ex.c");
	assert_true(path_has_suffix(ex->skeleton, "/modules/exercises/ksize/skeleton"));
	assert_true(path_has_suffix(ex->solution, "/modules/exercises/ksize/solution"));
	release_lesson(&l);
}

/* ---- every field of lesson.json: null, another type, missing, unknown ---- */

/*
 * A lesson with every field lesson.json may have: a module exercise with
 * all of 'boot', a program exercise, and each kind of question.
 */
static const char full_lesson[] =
	"{ \"id\": \"demo\", \"number\": 1, \"title\": \"A demo lesson\", \"text\": \"lesson.md\",\n"
	"  \"exercises\": [\n"
	"    { \"id\": \"demo-mod\", \"title\": \"A module\", \"kind\": \"module\",\n"
	"      \"check\": \"ksize\", \"module\": \"demo\", \"file\": \"demo.c\",\n"
	"      \"skeleton\": \"ex/demo/skeleton\", \"solution\": \"ex/demo/solution\",\n"
	"      \"hints\": [\"one\", \"two\"], \"points\": 25,\n"
	"      \"boot\": { \"cmdline\": \"nokaslr\", \"mem_mb\": 256, \"fresh\": true } },\n"
	"    { \"id\": \"demo-prog\", \"title\": \"A program\", \"kind\": \"program\",\n"
	"      \"check\": \"slabinfo\", \"program\": \"prog\", \"file\": \"prog.c\",\n"
	"      \"skeleton\": \"ex/prog/skeleton\", \"solution\": \"ex/prog/solution\",\n"
	"      \"hints\": [\"look\"] } ],\n"
	"  \"questions\": [\n"
	"    { \"id\": \"q-choice\", \"kind\": \"choice\", \"text\": \"Which?\",\n"
	"      \"choices\": [\"a\", \"b\", \"c\"], \"answer\": 1 },\n"
	"    { \"id\": \"q-number\", \"kind\": \"number\", \"text\": \"How many?\",\n"
	"      \"answer\": 12.5, \"tolerance\": 0.5 },\n"
	"    { \"id\": \"q-vm\", \"kind\": \"number\", \"text\": \"Measured?\",\n"
	"      \"answer_vm\": \"echo 4096\" },\n"
	"    { \"id\": \"q-text\", \"kind\": \"text\", \"text\": \"Name it\",\n"
	"      \"accept\": [\"kmalloc\", \"kmalloc()\"] } ] }\n";

/* The program exercise's files, beside the fixture's module exercise. */
static void add_program_files(struct fixture *fx)
{
	make_dir(fx->data, "ex/prog/skeleton");
	make_dir(fx->data, "ex/prog/solution");
	put_rel(fx->data, "ex/prog/skeleton/prog.c", "int main(void) { return 1; }\n");
	put_rel(fx->data, "ex/prog/solution/prog.c", "int main(void) { return 0; }\n");
}

static void expect_accepted(struct fixture *fx, const char *what)
{
	struct lesson l;
	char *cause = NULL;

	if (course_check_file(fx->data, fx->json, &l, &cause) < 0)
		fail_msg("%s: refused: %s", what, cause ? cause : "?");
	release_lesson(&l);
}

struct walk {
	struct fixture *fx;
	struct json_object *root;
	int cases;
};

/* Write the document as it is now; refused with each of want, or accepted (want NULL). */
static void try_doc(struct walk *w, const char *what, const char *const *want)
{
	put_file(w->fx->json, json_object_to_json_string_ext(w->root, JSON_C_TO_STRING_PRETTY));
	w->cases++;
	if (want)
		expect_refused(w->fx, what, want);
	else
		expect_accepted(w->fx, what);
}

/* Put v (a reference the parent takes) at key, or at index idx when key is NULL. */
static void set_at(struct json_object *parent, const char *key, size_t idx, struct json_object *v)
{
	if (key)
		json_object_object_add(parent, key, v);
	else
		assert_int_equal(json_object_array_put_idx(parent, idx, v), 0);
}

/* The values a field is set to, and how a message names each. */
static const struct {
	const char *json, *named;
	json_type type;
} other_values[] = {
	{ "null", "null", json_type_null },
	{ "7", "an integer", json_type_int },
	{ "1.5", "a decimal number", json_type_double },
	{ "\"x\"", "a string", json_type_string },
	{ "true", "true", json_type_boolean },
	{ "{}", "an object", json_type_object },
	{ "[]", "an array", json_type_array },
};

/*
 * The value at path (parent's key, or item idx): set to null and to every
 * other JSON type it may not have, each refused naming path and what it got.
 */
static void try_types(struct walk *w, struct json_object *parent, const char *key, size_t idx,
		      const char *path)
{
	struct json_object *orig = key ? json_object_object_get(parent, key)
				       : json_object_array_get_idx(parent, idx);
	json_type t = json_object_get_type(orig);

	json_object_get(orig);
	for (size_t i = 0; i < ARRAY_SIZE(other_values); i++) {
		char *quoted = xasprintf("'%s'", path), *what, *named;

		/* A decimal number's field (answer, tolerance) takes an integer too. */
		if (other_values[i].type == t ||
		    (t == json_type_double && other_values[i].type == json_type_int)) {
			free(quoted);
			continue;
		}
		set_at(parent, key, idx, json_tokener_parse(other_values[i].json));
		what = xasprintf("%s set to %s", path, other_values[i].json);
		if (other_values[i].type == json_type_null) {
			named = xasprintf("%s is null", quoted);
			try_doc(w, what, (const char *const[]){ named, "must be", NULL });
		} else {
			named = xasprintf("not %s", other_values[i].named);
			try_doc(w, what, (const char *const[]){ quoted, "must be", named, NULL });
		}
		free(named);
		free(what);
		free(quoted);
	}
	set_at(parent, key, idx, orig);
}

/*
 * Fields that may be left out, or whose absence another message names:
 * every other field is required, and leaving it out is refused as
 * "'PATH' is missing".
 */
static const struct {
	const char *path;
	const char *want;	/* NULL: accepted without it */
} optional_fields[] = {
	{ "exercises", NULL },
	{ "questions", NULL },
	{ "exercises[0].kind", NULL },	/* "module" is the default */
	{ "exercises[0].boot", NULL },
	{ "exercises[0].points", NULL },	/* COURSE_POINTS */
	{ "exercises[0].boot.cmdline", NULL },
	{ "exercises[0].boot.mem_mb", NULL },
	{ "exercises[0].boot.fresh", NULL },
	/* Without its kind, a program exercise is a module exercise with a program. */
	{ "exercises[1].kind", "'exercises[1].program' belongs to a program exercise" },
	/* Names follow the id by default: here the defaults name no such thing. */
	{ "exercises[0].check", "names check 'demo-mod', which the grader does not have" },
	{ "exercises[0].module", NULL },	/* demo-mod_ex, and the file is named */
	{ "exercises[0].file", NULL },		/* demo.c, from the module */
	{ "exercises[0].skeleton", "skeleton file '" },
	{ "exercises[0].solution", "solution file '" },
	{ "exercises[1].check", "names check 'demo-prog', which the grader does not have" },
	{ "exercises[1].program", NULL },
	{ "exercises[1].file", NULL },
	{ "exercises[1].skeleton", "skeleton file '" },
	{ "exercises[1].solution", "solution file '" },
	{ "questions[1].tolerance", NULL },
	{ "questions[1].answer", "'questions[1].answer' and 'questions[1].answer_vm' are missing" },
	{ "questions[2].answer_vm", "'questions[2].answer' and 'questions[2].answer_vm' are missing" },
};

static void try_missing(struct walk *w, struct json_object *o, const char *key, const char *path)
{
	struct json_object *v = json_object_get(json_object_object_get(o, key));
	char *what = xasprintf("without %s", path), *want = NULL;
	size_t i;

	json_object_object_del(o, key);
	for (i = 0; i < ARRAY_SIZE(optional_fields); i++)
		if (!strcmp(optional_fields[i].path, path))
			break;
	if (i == ARRAY_SIZE(optional_fields)) {
		want = xasprintf("'%s' is missing", path);
		try_doc(w, what, (const char *const[]){ want, NULL });
	} else if (optional_fields[i].want) {
		try_doc(w, what, (const char *const[]){ optional_fields[i].want, NULL });
	} else {
		try_doc(w, what, NULL);
	}
	json_object_object_add(o, key, v);
	free(want);
	free(what);
}

static char *path_sub(const char *where, const char *key)
{
	return *where ? xasprintf("%s.%s", where, key) : xstrdup(key);
}

/* Every mutation of every member below o (at where), depth first. */
static void walk_doc(struct walk *w, struct json_object *o, const char *where)
{
	if (json_object_is_type(o, json_type_object)) {
		struct json_object_iterator it = json_object_iter_begin(o);
		struct json_object_iterator end = json_object_iter_end(o);
		char *keys[32], *unknown = path_sub(where, "colour"), *want;
		int n = 0;

		for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
			assert_true(n < 32);
			keys[n++] = xstrdup(json_object_iter_peek_name(&it));
		}
		/* A field the object does not have. */
		json_object_object_add(o, "colour", json_object_new_string("red"));
		want = xasprintf("'%s' is not a field", unknown);
		try_doc(w, unknown, (const char *const[]){ want, "unknown fields are errors", NULL });
		json_object_object_del(o, "colour");
		free(want);
		free(unknown);
		for (int i = 0; i < n; i++) {
			char *path = path_sub(where, keys[i]);

			try_types(w, o, keys[i], 0, path);
			try_missing(w, o, keys[i], path);
			free(path);
		}
		for (int i = 0; i < n; i++) {
			char *path = path_sub(where, keys[i]);

			walk_doc(w, json_object_object_get(o, keys[i]), path);
			free(path);
			free(keys[i]);
		}
	} else if (json_object_is_type(o, json_type_array)) {
		size_t n = json_object_array_length(o);

		for (size_t i = 0; i < n; i++) {
			char *path = xasprintf("%s[%zu]", where, i);

			try_types(w, o, NULL, i, path);
			walk_doc(w, json_object_array_get_idx(o, i), path);
			free(path);
		}
	}
}

static void test_every_field(void **state)
{
	struct fixture *fx = *state;
	struct walk w = { fx, json_tokener_parse(full_lesson), 0 };

	assert_non_null(w.root);
	add_program_files(fx);
	try_doc(&w, "the full lesson", NULL);
	walk_doc(&w, w.root, "");
	/* Nothing was left changed. */
	try_doc(&w, "the full lesson, after", NULL);
	/* 24 fields and 8 array items, each null or of another type, and so on. */
	print_message("%d variants of the full lesson\n", w.cases);
	assert_true(w.cases > 250);
	json_object_put(w.root);
}

/* A field that belongs to another kind of exercise or question. */
static void test_fields_of_another_kind(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const char *pointer;	/* where, in the full lesson */
		const char *key, *value;
		const char *want;
	} cases[] = {
		{ "/exercises/0", "program", "\"prog\"", "'exercises[0].program' belongs to a program exercise" },
		{ "/exercises/1", "module", "\"demo\"", "'exercises[1].module' belongs to a module exercise" },
		{ "/questions/0", "answer_vm", "\"echo 1\"", "'questions[0].answer_vm' is not a field of a choice question" },
		{ "/questions/0", "tolerance", "1", "'questions[0].tolerance' is not a field of a choice question" },
		{ "/questions/0", "accept", "[\"a\"]", "'questions[0].accept' is not a field of a choice question" },
		{ "/questions/1", "choices", "[\"a\", \"b\"]", "'questions[1].choices' is not a field of a number question" },
		{ "/questions/1", "accept", "[\"a\"]", "'questions[1].accept' is not a field of a number question" },
		{ "/questions/1", "answer_vm", "\"echo 1\"", "not both" },
		{ "/questions/3", "choices", "[\"a\", \"b\"]", "'questions[3].choices' is not a field of a text question" },
		{ "/questions/3", "answer", "1", "'questions[3].answer' is not a field of a text question" },
		{ "/questions/3", "answer_vm", "\"echo 1\"", "'questions[3].answer_vm' is not a field of a text question" },
		{ "/questions/3", "tolerance", "1", "'questions[3].tolerance' is not a field of a text question" },
	};

	add_program_files(fx);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct walk w = { fx, json_tokener_parse(full_lesson), 0 };
		struct json_object *o;

		assert_int_equal(json_pointer_get(w.root, cases[i].pointer, &o), 0);
		json_object_object_add(o, cases[i].key, json_tokener_parse(cases[i].value));
		try_doc(&w, cases[i].want, (const char *const[]){ cases[i].want, NULL });
		json_object_put(w.root);
	}
}

/* Values of the right type that are still wrong. */
static void test_values_out_of_range(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const char *pointer, *value, *want;
	} cases[] = {
		{ "/number", "0", "'number' must be an integer from 1 to 999, not 0" },
		{ "/number", "1000", "'number' must be an integer from 1 to 999" },
		{ "/number", "99999999999999999999", "'number' must be an integer from 1 to 999" },
		{ "/exercises/0/boot/mem_mb", "63", "'exercises[0].boot.mem_mb' must be an integer from 64 to 4096" },
		{ "/exercises/0/boot/mem_mb", "4097", "'exercises[0].boot.mem_mb'" },
		{ "/exercises/0/kind", "\"driver\"", "'exercises[0].kind' must be \"module\" or \"program\", not \"driver\"" },
		{ "/exercises/0/module", "\"demo mod\"", "'exercises[0].module' ('demo mod') may hold only" },
		{ "/exercises/0/file", "\"../demo.c\"", "'exercises[0].file' ('../demo.c') must be a file name" },
		{ "/exercises/0/file", "\"..\"", "'exercises[0].file'" },
		{ "/exercises/1/id", "\"demo-mod\"", "two exercises have id 'demo-mod'" },
		{ "/exercises/0/hints", "[]", "'exercises[0].hints' is empty" },
		{ "/exercises/0/points", "-1", "'exercises[0].points' must be an integer from 0 to 1000, not -1" },
		{ "/exercises/0/points", "1001", "'exercises[0].points' must be an integer from 0 to 1000" },
		{ "/exercises/0/points", "10.5", "'exercises[0].points' must be an integer from 0 to 1000, not a decimal number" },
		{ "/exercises/0/title", "\"a\\u0000b\"", "'exercises[0].title' holds a NUL character" },
		{ "/questions/0/kind", "\"essay\"", "kind must be choice, number or text, not 'essay'" },
		{ "/questions/0/id", "\"Which one?\"", "question id 'Which one?' may hold only" },
		{ "/questions/0/answer", "3", "'questions[0].answer' must index 'choices' (0 to 2), not 3" },
		{ "/questions/0/answer", "-1", "'questions[0].answer' must index 'choices'" },
		{ "/questions/0/answer", "1.0", "'questions[0].answer' must be an integer, not a decimal number" },
		{ "/questions/0/choices", "[\"only\"]", "'questions[0].choices' is too short" },
		{ "/questions/1/tolerance", "-0.5", "'questions[1].tolerance' must not be negative" },
		{ "/questions/1/answer", "NaN", "'questions[1].answer' must be a finite number" },
		{ "/questions/1/answer", "-Infinity", "'questions[1].answer' must be a finite number" },
		{ "/questions/3/accept", "[]", "'questions[3].accept' is empty" },
		{ "/questions/3/id", "\"q-choice\"", "two questions have id 'q-choice'" },
	};

	add_program_files(fx);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct walk w = { fx, json_tokener_parse(full_lesson), 0 };
		struct json_object *v = json_tokener_parse(cases[i].value);

		if (!v && strcmp(cases[i].value, "null"))
			fail_msg("json-c does not parse %s", cases[i].value);
		assert_int_equal(json_pointer_set(&w.root, cases[i].pointer, v), 0);
		try_doc(&w, cases[i].want, (const char *const[]){ cases[i].want, NULL });
		json_object_put(w.root);
	}
}

/* The top level must be an object; an unknown field's name is shown safely. */
static void test_top_level_and_odd_names(void **state)
{
	struct fixture *fx = *state;
	struct json_object *root;

	put_file(fx->json, "null\n");
	REFUSED(fx, "null document", "the top level must be an object, not null");
	put_file(fx->json, "\"demo\"\n");
	REFUSED(fx, "string document", "the top level must be an object, not a string");
	put_file(fx->json, "42\n");
	REFUSED(fx, "number document", "the top level must be an object, not an integer");

	add_program_files(fx);
	root = json_tokener_parse(full_lesson);
	json_object_object_add(root, "bad\033[2Jname", json_object_new_int(1));
	put_file(fx->json, json_object_to_json_string(root));
	json_object_put(root);
	REFUSED(fx, "escape in a field name", "'bad?[2Jname' is not a field of a lesson");
}

/* course_parse() reads a buffer that need not end in a NUL. */
static void test_parse_buffer(void **state)
{
	struct fixture *fx = *state;
	size_t len = strlen(full_lesson);
	char *copy = xmalloc(len + 8);
	struct lesson l;
	char *cause = NULL;

	add_program_files(fx);
	memcpy(copy, full_lesson, len);
	memcpy(copy + len, "garbage", 7);	/* past len: not read */
	assert_int_equal(course_parse(fx->data, fx->json, copy, len, &l, &cause), 0);
	assert_null(cause);
	assert_int_equal(l.nexercises, 2);
	assert_int_equal(l.exercises[1].kind, EXERCISE_PROGRAM);
	assert_string_equal(l.exercises[1].module, "prog");
	assert_string_equal(l.exercises[0].boot_cmdline, "nokaslr");
	assert_int_equal(l.exercises[0].boot_mem_mb, 256);
	assert_int_equal(l.exercises[0].boot_fresh, 1);
	assert_int_equal(l.nquestions, 4);
	assert_int_equal(l.questions[0].answer, 1);
	assert_int_equal(l.questions[0].nchoices, 3);
	assert_true(l.questions[1].number == 12.5 && l.questions[1].tolerance == 0.5);
	assert_string_equal(l.questions[2].answer_vm, "echo 4096");
	assert_int_equal(l.questions[3].kind, QUESTION_TEXT);
	assert_string_equal(l.questions[3].choices[1], "kmalloc()");
	release_lesson(&l);

	/* A NUL inside the buffer, after the document, is not whitespace. */
	copy[len] = '\0';
	assert_int_equal(course_parse(fx->data, fx->json, copy, len + 1, &l, &cause), -1);
	assert_non_null(strstr(cause, "text after the closing brace"));
	free(cause);
	assert_int_equal(course_parse(fx->data, fx->json, NULL, 0, &l, &cause), -1);
	assert_non_null(strstr(cause, "JSON"));
	free(cause);
	free(copy);
}

/* What course_load() printed on stderr while it ran, and what it returned. */
static char *load_stderr(const char *data, int *ret)
{
	char tmpl[] = "/tmp/kmemlab-test-stderr-XXXXXX";
	int fd = mkstemp(tmpl), saved = dup(2);
	struct strbuf sb = STRBUF_INIT;
	struct course c;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	assert_int_equal(dup2(fd, 2), 2);
	*ret = course_load(data, &c);
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	close(fd);
	if (*ret == 0)
		course_release(&c);
	assert_int_equal(read_file(tmpl, &sb, 0), 0);
	unlink(tmpl);
	return sb.buf ? strbuf_detach(&sb, NULL) : xstrdup("");
}

/*
 * The nulls that crashed every command: now an error naming the file and
 * the field, from course_load() as every command calls it.
 */
static void test_null_fields_reported(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const char *pointer, *want;
	} cases[] = {
		{ "/exercises/0/kind", "'exercises[0].kind' is null: it must be a string, \"module\"" },
		{ "/exercises/0/boot/cmdline", "'exercises[0].boot.cmdline' is null: it must be a non-empty string" },
		{ "/exercises/0/boot", "'exercises[0].boot' is null: it must be an object" },
		{ "/questions/1/tolerance", "'questions[1].tolerance' is null: it must be a number" },
		{ "/exercises/0/hints/1", "'exercises[0].hints[1]' is null" },
	};

	add_program_files(fx);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct json_object *root = json_tokener_parse(full_lesson);
		char *err, *file = xasprintf("lesson '%s'", fx->json);
		int r;

		assert_int_equal(json_pointer_set(&root, cases[i].pointer, NULL), 0);
		put_file(fx->json, json_object_to_json_string(root));
		json_object_put(root);
		err = load_stderr(fx->data, &r);
		assert_int_equal(r, -1);
		if (!strstr(err, file) || !strstr(err, cases[i].want))
			fail_msg("%s: course_load said '%s'", cases[i].pointer, err);
		free(err);
		free(file);
	}
}

/* Lessons and exercises are found by id: an id used twice is refused. */
static void test_ids_unique_in_course(void **state)
{
	struct fixture *fx = *state;
	struct spec s = good;
	char *second = xasprintf("%s/lessons/02-more/lesson.json", fx->data);
	char *err;
	int r;

	write_lesson(fx->json, &good);
	make_dir(fx->data, "lessons/02-more");
	put_rel(fx->data, "lessons/02-more/lesson.md", "# More\n");
	s.number = "2";
	s.id = "\"more\"";
	write_lesson(second, &s);	/* exercise 'demo-ex_1' again */
	err = load_stderr(fx->data, &r);
	assert_int_equal(r, -1);
	assert_non_null(strstr(err, "lessons 1 and 2 both have exercise 'demo-ex_1'"));
	free(err);

	s.id = "\"demo\"";
	s.ex_id = "\"other\"";
	write_lesson(second, &s);
	err = load_stderr(fx->data, &r);
	assert_int_equal(r, -1);
	assert_non_null(strstr(err, "lessons 1 and 2 share id 'demo'"));
	free(err);

	s.id = "\"more\"";
	write_lesson(second, &s);
	err = load_stderr(fx->data, &r);
	assert_int_equal(r, 0);
	free(err);
	free(second);
}

/* ---- course_load ---- */

static void test_load_sorts_and_refuses_duplicates(void **state)
{
	struct fixture *fx = *state;
	struct spec s = good;
	struct course c;
	char *second = xasprintf("%s/lessons/00-intro/lesson.json", fx->data);

	/* 01-demo is lesson 2, 00-intro lesson 1: order comes from the numbers. */
	s.number = "2";
	write_lesson(fx->json, &s);
	make_dir(fx->data, "lessons/00-intro");
	put_rel(fx->data, "lessons/00-intro/lesson.md", "# Intro\n");
	s = good;
	s.id = "\"intro\"";
	s.ex_id = "\"intro-ex\"";
	write_lesson(second, &s);
	/* Not a lesson: no lesson.json. */
	make_dir(fx->data, "lessons/notes");

	assert_int_equal(course_load(fx->data, &c), 0);
	assert_int_equal(c.nlessons, 2);
	assert_string_equal(c.lessons[0].id, "intro");
	assert_int_equal(c.lessons[0].number, 1);
	assert_string_equal(c.lessons[1].id, "demo");
	assert_int_equal(c.lessons[1].number, 2);
	assert_ptr_equal(course_lesson(&c, "2"), &c.lessons[1]);
	assert_non_null(course_exercise(&c, "intro-ex"));
	assert_ptr_equal(course_exercise(&c, "intro-ex")->lesson, &c.lessons[0]);
	course_release(&c);

	/* Two lessons with one number. */
	s = good;
	write_lesson(fx->json, &s);
	assert_int_equal(course_load(fx->data, &c), -1);

	/* One malformed lesson stops the course from loading. */
	s.number = "2";
	s.hints = "[]";
	write_lesson(fx->json, &s);
	assert_int_equal(course_load(fx->data, &c), -1);
	free(second);
}

/* No lesson at all: an empty course, and no qsort(NULL, 0) on the way (UBSan). */
static void test_load_empty(void **state)
{
	struct fixture *fx = *state;
	struct course c;

	remove_tree(fx->json);
	assert_int_equal(course_load(fx->data, &c), 0);
	assert_int_equal(c.nlessons, 0);
	assert_null(course_lesson(&c, "1"));
	assert_null(course_exercise(&c, "demo-ex_1"));
	course_release(&c);
}

/* lessons/course.json: the credit, declared once; the total of the points. */
static void test_course_file(void **state)
{
	struct fixture *fx = *state;
	char *path = xasprintf("%s/lessons/course.json", fx->data);
	static const struct {
		const char *json, *want;	/* want NULL: loads */
	} cases[] = {
		{ "{}", NULL },
		{ "{ \"credit\": \"partial\" }", NULL },
		{ "{ \"credit\": \"all-or-nothing\" }", NULL },
		{ "{ \"credit\": \"half\" }",
		  "'credit' must be \"all-or-nothing\" or \"partial\", not \"half\"" },
		{ "{ \"credit\": true }", "'credit' must be a string, \"all-or-nothing\"" },
		{ "{ \"credits\": \"partial\" }",
		  "'credits' is not a field of the course file (unknown fields are errors" },
		{ "[\"partial\"]", "the top level must be an object, not an array" },
		{ "{ \"credit\": ", "not valid JSON at line 1" },
	};
	struct course c;

	write_lesson(fx->json, &good);
	/* No course.json: all-or-nothing, and the points of the one exercise. */
	assert_int_equal(course_load(fx->data, &c), 0);
	assert_int_equal(c.credit, CREDIT_ALL_OR_NOTHING);
	assert_int_equal(c.points, COURSE_POINTS);
	assert_string_equal(course_credit_name(c.credit), "all-or-nothing");
	course_release(&c);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *err = NULL;
		int ret;

		put_file(path, cases[i].json);
		err = load_stderr(fx->data, &ret);
		if (!cases[i].want && ret)
			fail_msg("%s: refused: %s", cases[i].json, err);
		if (cases[i].want && (!ret || !strstr(err, cases[i].want) || !strstr(err, path)))
			fail_msg("%s: course_load returned %d and said '%s', not '%s' about '%s'",
				 cases[i].json, ret, err, cases[i].want, path);
		free(err);
	}
	put_file(path, "{ \"credit\": \"partial\" }");
	assert_int_equal(course_load(fx->data, &c), 0);
	assert_int_equal(c.credit, CREDIT_PARTIAL);
	assert_string_equal(course_credit_name(c.credit), "partial");
	course_release(&c);
	free(path);
}

static void test_real_course(void **state)
{
	char *top = unit_top();
	struct course c;
	const struct exercise *ex;
	const struct lesson *l;

	(void)state;
	assert_int_equal(course_load(top, &c), 0);
	assert_true(c.nlessons >= 1);
	for (int i = 0; i < c.nlessons; i++) {
		const struct lesson *li = &c.lessons[i];

		assert_true(li->number >= 1);
		assert_true(is_file(li->text_path));
		for (int j = 0; j < c.nlessons; j++) {
			if (j == i)
				continue;
			if (li->number == c.lessons[j].number)
				fail_msg("lessons '%s' and '%s' share number %d", li->id,
					 c.lessons[j].id, li->number);
			assert_string_not_equal(li->id, c.lessons[j].id);
		}
		for (int k = 0; k < li->nexercises; k++) {
			const struct exercise *e = &li->exercises[k];
			char *skel = path_join(e->skeleton, e->file);
			char *sol = path_join(e->solution, e->file);

			if (!is_file(skel))
				fail_msg("exercise '%s': no skeleton '%s'", e->id, skel);
			if (!is_file(sol))
				fail_msg("exercise '%s': no solution '%s'", e->id, sol);
			assert_ptr_equal(e->lesson, li);
			assert_ptr_equal(course_exercise(&c, e->id), e);
			assert_true(e->nhints >= 1);
			free(skel);
			free(sol);
		}
	}

	{
		int sum = 0;

		for (int i = 0; i < c.nlessons; i++)
			for (int k = 0; k < c.lessons[i].nexercises; k++)
				sum += c.lessons[i].exercises[k].points;
		assert_int_equal(c.points, sum);
		assert_true(c.points > 0);
	}
	ex = course_exercise(&c, "ksize");
	assert_non_null(ex);
	assert_string_equal(ex->check, "ksize");
	assert_null(course_exercise(&c, "no-such-exercise"));

	l = course_lesson(&c, "1");
	assert_non_null(l);
	assert_int_equal(l->number, 1);
	assert_ptr_equal(course_lesson(&c, l->id), l);
	assert_ptr_equal(ex->lesson, l);
	assert_ptr_equal(course_lesson(&c, "ksize"), l);
	assert_null(course_lesson(&c, "999"));
	assert_null(course_lesson(&c, "no-such-lesson"));
	assert_null(course_lesson(&c, "1x"));
	course_release(&c);
	free(top);
}

/* ---- the expressions of declared grading (grader/expr.h) ---- */

static int lookup_min(const char *name, int64_t *v, char **why, void *arg)
{
	(void)arg;
	(void)why;
	*v = !strcmp(name, "reading.min") ? INT64_MIN : 7;
	return 0;
}

/* What it computes, and a number or result past 64 bits named, not wrapped. */
static void test_expr_values_and_overflow(void **state)
{
	static const char *const overflow[] = {
		"99999999999999999999", "9223372036854775807 + 1", "-reading.min",
		"reading.min - 1", "reading.min * -1", "reading.min / -1", "reading.min % -1",
		"4294967296 * 4294967296", "0x8000000000000000",
	};
	int64_t v;
	char *why;

	(void)state;
	assert_int_equal(expr_eval("(x + 3) * 100 / 4 - -2 % 3", lookup_min, NULL, &v, &why), 0);
	assert_int_equal(v, 252);
	assert_int_equal(expr_eval("0x1000 + 0X10 - 0", lookup_min, NULL, &v, &why), 0);
	assert_int_equal(v, 4112);
	assert_int_equal(expr_eval("0x", lookup_min, NULL, &v, &why), -1);
	free(why);
	assert_int_equal(expr_eval("reading.min + 1", lookup_min, NULL, &v, &why), 0);
	assert_true(v == INT64_MIN + 1);
	for (size_t i = 0; i < sizeof(overflow) / sizeof(*overflow); i++) {
		assert_int_equal(expr_eval(overflow[i], lookup_min, NULL, &v, &why), -1);
		assert_non_null(strstr(why, "64 bits"));
		free(why);
	}
	assert_int_equal(expr_eval("x / 0", lookup_min, NULL, &v, &why), -1);
	assert_non_null(strstr(why, "division by zero"));
	free(why);
}

/* ---- declared grading's runs, readings around them, "in", "needs" and values ---- */

/* grading_load() of text as a program's (or a module's) grade: its cause, or NULL. */
static char *grade_cause(const char *text, int program, struct grading *g)
{
	struct json_object *o = json_tokener_parse(text);
	char *cause = NULL;

	assert_non_null(o);
	if (grading_load(o, "grade", "/", program, g, &cause) == 0)
		assert_null(cause);
	json_object_put(o);
	return cause;
}

static void test_grading_runs(void **state)
{
	static const struct {
		const char *text;
		int program;
		const char *cause;	/* a part of it */
	} bad[] = {
		{ "{\"runs\": [{\"name\": \"a\"}], \"checks\": [{\"name\": \"x\", \"kind\": \"exit\"}]}",
		  0, "'grade.runs' is for a program exercise" },
		{ "{\"params\": \"x\", \"runs\": [{\"name\": \"a\"}], \"checks\": [{\"name\": \"x\", "
		  "\"kind\": \"exit\"}]}", 1, "instead of \"params\"" },
		{ "{\"runs\": [{\"name\": \"a\"}, {\"name\": \"a\"}], \"checks\": [{\"name\": \"x\", "
		  "\"kind\": \"exit\"}]}", 1, "'grade.runs[1].name' ('a')" },
		{ "{\"runs\": [], \"checks\": [{\"name\": \"x\", \"kind\": \"exit\"}]}", 1,
		  "1 to 16 runs" },
		{ "{\"runs\": [{\"name\": \"a\"}], \"read\": [{\"name\": \"r\", \"when\": \"before b\", "
		  "\"run\": \"true\"}], \"checks\": [{\"name\": \"x\", \"kind\": \"exit\"}]}", 1,
		  "'grade.read[0].when' (\"before b\")" },
		{ "{\"read\": [{\"name\": \"r\", \"when\": \"start\", \"run\": \"true\"}], "
		  "\"checks\": [{\"name\": \"x\", \"kind\": \"ktap\"}]}", 0,
		  "(\"start\") is for a program exercise" },
		{ "{\"read\": [{\"name\": \"r\", \"when\": \"loaded\", \"run\": \"true\"}], "
		  "\"checks\": [{\"name\": \"x\", \"kind\": \"exit\"}]}", 1,
		  "(\"loaded\") is for a module exercise" },
		{ "{\"read\": [{\"name\": \"r\", \"when\": \"soon\", \"run\": \"true\"}], "
		  "\"checks\": [{\"name\": \"x\", \"kind\": \"exit\"}]}", 1,
		  "'grade.read[0].when' (\"soon\") must be" },
		{ "{\"runs\": [{\"name\": \"a\"}], \"checks\": [{\"name\": \"x\", \"kind\": \"exit\", "
		  "\"in\": [\"b\"]}]}", 1, "'grade.checks[0].in[0]' (\"b\") is not one of" },
		{ "{\"checks\": [{\"name\": \"x\", \"kind\": \"exit\", \"in\": [\"b\"]}]}", 1,
		  "declares no \"runs\"" },
		{ "{\"runs\": [{\"name\": \"a\"}], \"checks\": [{\"name\": \"x\", \"kind\": \"exit\", "
		  "\"in\": [\"a\", \"a\"]}]}", 1, "names 2 runs, and the program has 1" },
		{ "{\"checks\": [{\"name\": \"x\", \"kind\": \"exit\", \"needs\": [\"y\"]}, "
		  "{\"name\": \"y\", \"kind\": \"exit\"}]}", 1,
		  "'grade.checks[0].needs[0]' (\"y\") is not the name of an earlier check" },
		{ "{\"checks\": [{\"name\": \"x\", \"kind\": \"ktap\", \"in\": [\"a\"]}]}", 1,
		  "'grade.checks[0].in' is not a field of a \"ktap\" check" },
		{ "{\"checks\": [{\"name\": \"x\", \"kind\": \"value\", \"value\": \"1\"}]}", 0,
		  "must have \"value\" and either \"expect\"" },
		{ "{\"checks\": [{\"name\": \"x\", \"kind\": \"value\", \"value\": \"1\", \"expect\": "
		  "\"1\", \"at_most\": \"2\"}]}", 0, "must have \"value\" and either \"expect\"" },
		{ "{\"checks\": [{\"name\": \"x\", \"kind\": \"value\", \"value\": \"1\", \"at_least\": "
		  "\"2\", \"within\": \"3\"}]}", 0, "must have \"value\" and either \"expect\"" },
		{ "{\"checks\": [{\"name\": \"x\", \"kind\": \"value\", \"value\": \"1\", \"at_most\": "
		  "\"2 +\"}]}", 0, "'grade.checks[0].at_most' is not an integer expression" },
		{ "{\"checks\": [{\"name\": \"x\", \"kind\": \"value\", \"value\": \"(1\", \"at_most\": "
		  "\"2\"}]}", 0, "'grade.checks[0].value' is not an integer expression" },
		{ "{\"inputs\": [{\"name\": \"a\", \"int\": [-1, 4294967295]}], \"checks\": [{\"name\": "
		  "\"x\", \"kind\": \"ktap\"}]}", 0, "'grade.inputs[0].int' must have -2147483648 <= MIN" },
		{ "{\"inputs\": [{\"name\": \"a\", \"int\": [[1, 2], [-2147483649, 0]]}], \"checks\": "
		  "[{\"name\": \"x\", \"kind\": \"ktap\"}]}", 0, "'grade.inputs[0].int[1]' must have" },
		{ "{\"inputs\": [{\"name\": \"a\", \"int\": [5, 4]}], \"checks\": [{\"name\": \"x\", "
		  "\"kind\": \"ktap\"}]}", 0, "'grade.inputs[0].int' must have" },
		{ "{\"checks\": [{\"name\": \"a\", \"kind\": \"ktap\"}, {\"name\": \"s\", \"kind\": "
		  "\"script\", \"run\": \"etc/passwd\", \"results\": [\"b\", \"a\"]}]}", 0,
		  "'grade.checks': check 'a' is named twice" },
		{ "{\"checks\": [{\"name\": \"runs\", \"kind\": \"exit\"}]}", 1,
		  "'grade.checks': check 'runs' is named twice (build, load, runs, unload and cleanup "
		  "are kmemlab's own)" },
		{ "{\"checks\": [{\"name\": \"s\", \"kind\": \"script\", \"run\": \"etc/passwd\", \"results\": "
		  "[\"B\"]}]}", 0, "'grade.checks[0].results[0]' ('B') must be" },
		{ "{\"programs\": [{\"name\": \"../x\", \"dir\": \"tmp\"}], \"checks\": [{\"name\": "
		  "\"x\", \"kind\": \"ktap\"}]}", 0, "'grade.programs[0].name' ('../x') must be" },
		{ "{\"programs\": [{\"name\": \"p\", \"dir\": \"/etc\"}], \"checks\": [{\"name\": "
		  "\"x\", \"kind\": \"ktap\"}]}", 0, "must be a path inside the lesson's folder" },
	};
	struct grading g;
	char *cause;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		cause = grade_cause(bad[i].text, bad[i].program, &g);
		if (!cause || !strstr(cause, bad[i].cause))
			fail_msg("case %zu: '%s', not '%s'", i, cause ? cause : "(loaded)",
				 bad[i].cause);
		free(cause);
		grading_release(&g);
	}
	/* A good one: two runs, readings around them, "in", "needs" and script args. */
	cause = grade_cause("{\"runs\": [{\"name\": \"grew\", \"args\": \"{nonce} grew\"}, "
			    "{\"name\": \"top\"}], \"read\": [{\"name\": \"s0\", \"when\": "
			    "\"start\", \"run\": \"true\"}, {\"name\": \"s3\", \"when\": \"after top\", "
			    "\"run\": \"true\"}], \"checks\": [{\"name\": \"ran\", \"kind\": \"exit\", "
			    "\"in\": [\"top\"]}, {\"name\": \"out\", \"kind\": \"output\", \"require\": "
			    "\"^top\", \"needs\": [\"ran\"]}]}", 1, &g);
	assert_null(cause);
	assert_int_equal(g.nruns, 2);
	assert_string_equal(g.runs[0].args, "{nonce} grew");
	assert_string_equal(g.runs[1].args, "");
	assert_int_equal(g.reads[0].when, READ_START);
	assert_int_equal(g.reads[1].when, READ_AFTER_RUN);
	assert_int_equal(g.reads[1].run, 1);
	assert_int_equal(g.checks[0].nin, 1);
	assert_int_equal(g.checks[0].in[0], 1);
	assert_int_equal(g.checks[1].nneeds, 1);
	assert_int_equal(g.checks[1].needs[0], 0);
	grading_release(&g);
	/* Negative ranges, and a choice of ranges for one integer. */
	cause = grade_cause("{\"inputs\": [{\"name\": \"adj\", \"int\": [[-5000, -1002], [1001, 1001]]}], "
			    "\"checks\": [{\"name\": \"x\", \"kind\": \"ktap\"}]}", 0, &g);
	assert_null(cause);
	assert_int_equal(g.inputs[0].values[0].nalt, 2);
	assert_true(g.inputs[0].values[0].alt[0][0] == -5000 && g.inputs[0].values[0].alt[0][1] == -1002);
	grading_release(&g);
	/* One script run grading three checks. */
	cause = grade_cause("{\"checks\": [{\"name\": \"list\", \"kind\": \"script\", \"run\": \"etc/passwd\", "
			    "\"results\": [\"score\", \"adj\"]}, {\"name\": \"x\", \"kind\": \"exit\"}]}", 1, &g);
	assert_null(cause);
	{
		const char **names = grading_check_names(&g);

		assert_string_equal(names[0], "list");
		assert_string_equal(names[1], "score");
		assert_string_equal(names[2], "adj");
		assert_string_equal(names[3], "x");
		assert_null(names[4]);
		free(names);
	}
	grading_release(&g);
	/* "needs" may name a check a script's further result grades. */
	cause = grade_cause("{\"checks\": [{\"name\": \"bytes\", \"kind\": \"script\", \"run\": "
			    "\"etc/passwd\", \"results\": [\"grew\"]}, {\"name\": \"growth\", \"kind\": "
			    "\"exit\", \"needs\": [\"grew\"]}]}", 1, &g);
	assert_null(cause);
	assert_int_equal(g.checks[1].needs[0], 1);
	grading_release(&g);
	/* A value check with bounds. */
	cause = grade_cause("{\"checks\": [{\"name\": \"freed\", \"kind\": \"value\", \"value\": "
			    "\"reading.after - reading.before\", \"at_least\": \"-64\", \"at_most\": "
			    "\"sum.truth.pages\"}]}", 0, &g);
	assert_null(cause);
	assert_int_equal(g.checks[0].kind, GCHECK_VALUE);
	assert_string_equal(g.checks[0].value, "reading.after - reading.before");
	assert_string_equal(g.checks[0].at_least, "-64");
	assert_string_equal(g.checks[0].at_most, "sum.truth.pages");
	assert_null(g.checks[0].expect);
	grading_release(&g);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_valid_lesson),
		T(test_invalid_json),
		T(test_trailing_garbage),
		T(test_missing_id),
		T(test_bad_id_characters),
		T(test_bad_number),
		T(test_missing_text),
		T(test_unknown_check),
		T(test_missing_exercise_files),
		T(test_bad_hints),
		T(test_unreadable_file),
		T(test_load_sorts_and_refuses_duplicates),
		T(test_load_empty),
		T(test_course_file),
		cmocka_unit_test(test_real_course),
		cmocka_unit_test(test_expr_values_and_overflow),
		cmocka_unit_test(test_grading_runs),
		T(test_path_without_directory),
		T(test_names_by_convention),
		T(test_every_field),
		T(test_fields_of_another_kind),
		T(test_values_out_of_range),
		T(test_top_level_and_odd_names),
		T(test_parse_buffer),
		T(test_null_fields_reported),
		T(test_ids_unique_in_course),
	};

	return cmocka_run_group_tests(tests, 0, NULL);
}
