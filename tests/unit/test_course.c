/*
 * The course loader (grader/course.h): lesson.json validation on lessons
 * written to a temporary data directory, and the real course in this tree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "course.h"
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
	struct course c = { xmalloc(sizeof(*l)), 1 };

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
		cmocka_unit_test(test_real_course),
		T(test_path_without_directory),
	};

	return cmocka_run_group_tests(tests, 0, NULL);
}
