/*
 * Every exercise's grading, from recorded runs (grader/check.h): each
 * tests/unit/fixtures/EXERCISE-WHAT/ is the record of a real check in the
 * lab VM (tests/record-fixtures made it) of the reference solution, the
 * skeleton or a wrong solution of tests/solutions.  Graded again here,
 * it must give what it gave in the VM: the same verdict and score, and
 * every check with the same status, expected, observed and hint.
 *
 * KMEMLAB_RECORDS=DIR grades the records in DIR instead (tests/e2e
 * t-record.sh, on records it has just made), without the test that every
 * exercise has its fixtures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "course.h"
#include "unit.h"

static struct course course;
static char *records;		/* the directory of records */
static int own_fixtures;	/* records are this tree's fixtures */

static const char *str_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* "graded" of DIR/record.json, owned by the caller. */
static struct json_object *graded_of(const char *dir)
{
	char *path = path_join(dir, "record.json");
	struct json_object *o = json_object_from_file(path), *g = NULL;

	if (!o)
		fail_msg("cannot read '%s'", path);
	if (!json_object_object_get_ex(o, "graded", &g))
		fail_msg("'%s' has no \"graded\"", path);
	json_object_get(g);
	json_object_put(o);
	free(path);
	return g;
}

/* Texts equal, NULL only with NULL; a failure names the record, check and field. */
static void same_text(const char *dir, const char *check, const char *field, const char *want,
		      const char *got)
{
	if ((want == NULL) != (got == NULL) || (want && strcmp(want, got)))
		fail_msg("%s: check '%s', %s:\n  recorded: %s\n  graded:   %s", dir, check, field,
			 want ? want : "(null)", got ? got : "(null)");
}

/* a as graded now against what the record says it was graded. */
static void same_grading(const char *dir, const struct attempt *a, struct json_object *g)
{
	struct json_object *checks;
	size_t n;

	assert_true(json_object_object_get_ex(g, "checks", &checks));
	n = json_object_array_length(checks);
	same_text(dir, "(attempt)", "verdict", str_of(g, "verdict"), a->verdict);
	for (size_t i = 0; i < n && i < (size_t)a->nitems; i++) {
		struct json_object *c = json_object_array_get_idx(checks, i);
		const struct check_item *it = &a->items[i];
		const char *name = str_of(c, "name");

		same_text(dir, name, "name", name, it->name);
		same_text(dir, name, "status", str_of(c, "status"), it->status);
		same_text(dir, name, "expected", str_of(c, "expected"), it->expected);
		same_text(dir, name, "observed", str_of(c, "observed"), it->observed);
		same_text(dir, name, "hint", str_of(c, "hint"), it->hint);
	}
	if (n != (size_t)a->nitems)
		fail_msg("%s: %zu checks recorded, %d graded", dir, n, a->nitems);
	{
		struct json_object *v;

		assert_true(json_object_object_get_ex(g, "score", &v));
		assert_int_equal(json_object_get_int(v), a->score);
		assert_true(json_object_object_get_ex(g, "max_score", &v));
		assert_int_equal(json_object_get_int(v), a->max_score);
	}
}

/* One record: loaded and graded, it grades as it did in the VM. */
static void test_record(void **state)
{
	const char *dir = *state;
	struct json_object *g = graded_of(dir);
	struct attempt a;

	if (attempt_load(dir, &course, &a) < 0)
		fail_msg("cannot load the record '%s'", dir);
	attempt_grade(&a);
	same_grading(dir, &a, g);
	attempt_release(&a);
	json_object_put(g);
}

/* Saved again and loaded back, a record grades the same (the codec's round trip). */
static void test_save_load(void **state)
{
	const char *dir = *state;
	char tmpl[] = "/tmp/kmemlab-test-grade-XXXXXX";
	struct json_object *g = graded_of(dir);
	struct attempt a, b;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	assert_int_equal(attempt_load(dir, &course, &a), 0);
	attempt_grade(&a);
	assert_int_equal(attempt_save(&a, tmpl), 0);
	assert_int_equal(attempt_load(tmpl, &course, &b), 0);
	attempt_grade(&b);
	same_grading(tmpl, &b, g);
	attempt_release(&a);
	attempt_release(&b);
	json_object_put(g);
	assert_int_equal(remove_tree(tmpl), 0);
}

/* A record whose draws no longer give its inputs is refused, not misgraded. */
static void test_other_inputs_refused(void **state)
{
	const char *dir = *state;
	char tmpl[] = "/tmp/kmemlab-test-grade-XXXXXX";
	char *from = path_join(dir, "record.json"), *to;
	struct json_object *o = json_object_from_file(from), *draws;
	struct attempt a;

	assert_non_null(mkdtemp(tmpl));
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "draws", &draws));
	/* ksize's first draw picks the size class below 128 or above it. */
	json_object_array_put_idx(draws, 0, json_object_new_int(
		!json_object_get_int(json_object_array_get_idx(draws, 0))));
	to = path_join(tmpl, "record.json");
	assert_int_equal(json_object_to_file(to, o), 0);
	assert_int_equal(attempt_load(tmpl, &course, &a), -1);
	attempt_release(&a);
	json_object_put(o);
	free(from);
	free(to);
	assert_int_equal(remove_tree(tmpl), 0);
}

static int has_fixture(const char *id, const char *what)
{
	char *name = xasprintf("%s/%s-%s/record.json", records, id, what);
	int r = is_file(name);

	free(name);
	return r;
}

/*
 * Every exercise has the record of its solution and its skeleton, and one
 * of each wrong solution kept in tests/solutions/ID.
 */
static void test_every_exercise_recorded(void **state)
{
	char *top = unit_top();
	int missing = 0;

	(void)state;
	for (int l = 0; l < course.nlessons; l++)
		for (int e = 0; e < course.lessons[l].nexercises; e++) {
			const char *id = course.lessons[l].exercises[e].id;
			char *dir = xasprintf("%s/tests/solutions/%s", top, id);
			DIR *d = opendir(dir);
			struct dirent *de;

			for (int k = 0; k < 2; k++)
				if (!has_fixture(id, k ? "skeleton" : "solution")) {
					print_error("no fixture %s-%s\n", id, k ? "skeleton" : "solution");
					missing++;
				}
			while (d && (de = readdir(d))) {
				char *what;

				if (de->d_name[0] == '.')
					continue;
				what = xstrdup(de->d_name);
				if (path_has_suffix(what, ".patch"))
					what[strlen(what) - 6] = '\0';
				if (!has_fixture(id, what)) {
					print_error("no fixture %s-%s (tests/solutions/%s/%s)\n", id, what,
						    id, de->d_name);
					missing++;
				}
				free(what);
			}
			if (d)
				closedir(d);
			free(dir);
		}
	free(top);
	assert_int_equal(missing, 0);
}

static int by_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

int main(void)
{
	char *top = unit_top();
	const char *env = getenv("KMEMLAB_RECORDS");
	struct CMUnitTest *tests;
	char **dirs = NULL;
	int n = 0, nt = 0, r;
	DIR *d;
	struct dirent *de;

	if (course_load(top, &course) < 0)
		return 1;
	own_fixtures = !env || !*env;
	records = own_fixtures ? path_join(top, "tests/unit/fixtures") : xstrdup(env);
	d = opendir(records);
	if (!d) {
		fprintf(stderr, "test_grade: cannot open '%s'\n", records);
		return 1;
	}
	while ((de = readdir(d))) {
		char *dir = path_join(records, de->d_name), *rec = path_join(dir, "record.json");

		if (de->d_name[0] != '.' && is_file(rec)) {
			dirs = xrealloc(dirs, (size_t)(n + 1) * sizeof(*dirs));
			dirs[n++] = dir;
		} else {
			free(dir);
		}
		free(rec);
	}
	closedir(d);
	qsort(dirs, (size_t)n, sizeof(*dirs), by_name);
	tests = xcalloc((size_t)n + 4, sizeof(*tests));
	for (int i = 0; i < n; i++)
		tests[nt++] = (struct CMUnitTest){ .name = strrchr(dirs[i], '/') + 1,
						   .test_func = test_record,
						   .initial_state = dirs[i] };
	if (own_fixtures && n) {
		char *ksize = path_join(records, "ksize-solution");

		tests[nt++] = (struct CMUnitTest){ .name = "save_load", .test_func = test_save_load,
						   .initial_state = ksize };
		tests[nt++] = (struct CMUnitTest){ .name = "other_inputs_refused",
						   .test_func = test_other_inputs_refused,
						   .initial_state = ksize };
		tests[nt++] = (struct CMUnitTest){ .name = "every_exercise_recorded",
						   .test_func = test_every_exercise_recorded };
	}
	r = _cmocka_run_group_tests("grade", tests, (size_t)nt, NULL, NULL);
	for (int i = 0; i < n; i++)
		free(dirs[i]);
	if (own_fixtures && n)
		free((void *)tests[n].initial_state);
	free(dirs);
	free(tests);
	free(records);
	free(top);
	course_release(&course);
	return r;
}
