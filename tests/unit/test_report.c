/*
 * Reports (grader/report.h): CSV and HTML escaping, and the model and
 * its writers on a small class database built here with SQL through a
 * real store, so the schema is the one kmemlab writes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "course.h"
#include "report.h"
#include "store.h"
#include "util.h"

/* ---- escaping ---- */

typedef void (*writer_fn)(FILE *f, const char *s);

static char *through(writer_fn fn, const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, s);
	fclose(f);
	return buf;
}

static void expect_written(writer_fn fn, const char *in, const char *want)
{
	char *got = through(fn, in);

	if (strcmp(got, want))
		fail_msg("'%s' was written as '%s', expected '%s'", in ? in : "(null)", got, want);
	free(got);
}

static void test_csv_field(void **state)
{
	(void)state;
	expect_written(csv_field, "plain", "plain");
	expect_written(csv_field, "", "");
	expect_written(csv_field, NULL, "");
	expect_written(csv_field, "Doe, Jane", "\"Doe, Jane\"");
	expect_written(csv_field, "say \"hi\"", "\"say \"\"hi\"\"\"");
	expect_written(csv_field, "two\nlines", "\"two\nlines\"");
	expect_written(csv_field, "cr\rhere", "\"cr\rhere\"");
	expect_written(csv_field, "Zo\xc3\xab", "Zo\xc3\xab");
	expect_written(csv_field, "'single' ok", "'single' ok");
}

static void test_html_escape(void **state)
{
	(void)state;
	expect_written(html_escape, "<script>alert('x')</script>",
		       "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
	expect_written(html_escape, "a & b \"c\"", "a &amp; b &quot;c&quot;");
	expect_written(html_escape, "bell\a", "bell\xef\xbf\xbd");
	expect_written(html_escape, "Zo\xc3\xab", "Zo\xc3\xab");
	expect_written(html_escape, NULL, "");
}

/* ---- the model ---- */

struct fixture {
	char *dir;
	char *db;
	struct store *st;
	struct course course;
	struct lesson lessons[2];
	struct exercise ex[3];
};

static void exec_sql(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err ? err : "?");
}

/*
 * Three learners and a course of three exercises (e1, e2 in lesson 1, e3
 * in lesson 2):
 *   alice  e1: fail, fail, pass, fail (self), then a failing regrade
 *          (disagreement); e2: fail, error (self); e3 untouched
 *   bob    e1: regrade only (pass), stale in his latest submission
 *   "<script>..." (carol): e2: pass at once; an attempt at "gone", an
 *          exercise no longer in the course
 * and the database's own learner (is_self = 1), who is not in the class.
 */
static const char class_sql[] =
	"INSERT INTO learner (id, login, name, created_at, is_self) VALUES"
	" (1, 'me', 'Me Myself', '2026-01-01T00:00:00Z', 1),"
	" (10, 'alice', 'Alice, \"Al\" Liddell', '2026-01-01T00:00:00Z', 0),"
	" (11, 'bob', '=HYPERLINK(\"x\") Bob', '2026-01-01T00:00:00Z', 0),"
	" (12, 'carol', '<script>alert(1)</script>\x1b[31mCarol', '2026-01-01T00:00:00Z', 0);"
	"INSERT INTO submission (id, learner_id, bundle_sha256, submitted_at, imported_at,"
	"  kmemlab_version, kernel, manifest) VALUES"
	" (1, 10, 'a1', '2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z', '0.1.0', 'k', '{}'),"
	" (2, 11, 'b1', '2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z', '0.1.0', 'k', '{}'),"
	" (3, 11, 'b2', '2026-02-03T00:00:00Z', '2026-02-04T00:00:00Z', '0.1.0', 'k', '{}');"
	"INSERT INTO submission_exercise VALUES (1, 'e1', 'h', 'pass', 0),"
	" (2, 'e1', 'h', 'pass', 0), (3, 'e1', 'h', 'pass', 1);"
	"INSERT INTO attempt (id, learner_id, exercise, started_at, source_hash, verdict, score,"
	"  max_score, transcript, origin, submission_id) VALUES"
	" (100, 10, 'e1', '2026-01-10T10:00:00Z', 'h', 'fail', 1, 4, '', 'self', NULL),"
	" (101, 10, 'e1', '2026-01-10T11:00:00Z', 'h', 'fail', 2, 4, '', 'self', NULL),"
	" (102, 10, 'e1', '2026-01-11T09:00:00Z', 'h', 'pass', 4, 4, '', 'self', NULL),"
	" (103, 10, 'e1', '2026-01-12T09:00:00Z', 'h', 'fail', 3, 4, '', 'self', NULL),"
	" (104, 10, 'e1', '2026-02-02T00:00:00Z', 'h', 'fail', 3, 4, '', 'regrade', 1),"
	" (105, 10, 'e2', '2026-01-13T09:00:00Z', 'h', 'fail', 2, 5, '', 'self', NULL),"
	" (106, 10, 'e2', '2026-01-14T09:00:00Z', 'h', 'error', 0, 5, '', 'self', NULL),"
	" (107, 11, 'e1', '2026-02-04T00:00:00Z', 'h', 'pass', 4, 4, '', 'regrade', 3),"
	" (108, 12, 'e2', '2026-01-11T08:00:00Z', 'h', 'pass', 5, 5, '', 'self', NULL),"
	" (109, 12, 'gone', '2026-01-11T08:30:00Z', 'h', 'fail', 0, 2, '', 'self', NULL),"
	" (110, 1, 'e3', '2026-01-11T08:30:00Z', 'h', 'pass', 3, 3, '', 'self', NULL);"
	"INSERT INTO check_result (attempt_id, seq, name, status, expected, observed, hint) VALUES"
	" (100, 1, 'build', 'pass', NULL, NULL, NULL),"
	" (100, 2, 'sizes', 'fail', '192', '160', 'ksize rounds up'),"
	" (101, 1, 'build', 'pass', NULL, NULL, NULL),"
	" (101, 2, 'sizes', 'fail', '192', '128', 'ksize rounds up'),"
	" (103, 2, 'unload', 'fail', 'clean', 'WARNING', 'free it'),"
	" (104, 1, 'build', 'pass', NULL, NULL, NULL),"
	" (104, 2, 'sizes', 'fail', '256', '<b>200</b>', 'regrade hint'),"
	" (106, 1, 'build', 'error', 'a module', 'no Kbuild', 'add one'),"
	" (109, 1, 'build', 'fail', 'x', 'y', 'z');";

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	char tmpl[] = "/tmp/kmemlab-test-report-XXXXXX";
	static char *ids[] = { "e1", "e2", "e3" };
	static char *titles[] = { "First exercise", "Second, \"quoted\"", "Third" };

	if (!mkdtemp(tmpl)) {
		free(fx);
		return -1;
	}
	fx->dir = xstrdup(tmpl);
	fx->db = xasprintf("%s/class.db", fx->dir);
	fx->st = store_open(fx->db);
	if (!fx->st)
		return -1;
	exec_sql(store_db(fx->st), class_sql);
	for (int i = 0; i < 3; i++) {
		fx->ex[i].id = ids[i];
		fx->ex[i].title = titles[i];
	}
	fx->lessons[0].number = 1;
	fx->lessons[0].exercises = &fx->ex[0];
	fx->lessons[0].nexercises = 2;
	fx->lessons[1].number = 2;
	fx->lessons[1].exercises = &fx->ex[2];
	fx->lessons[1].nexercises = 1;
	fx->course.lessons = fx->lessons;
	fx->course.nlessons = 2;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	store_close(fx->st);
	remove_tree(fx->dir);
	free(fx->dir);
	free(fx->db);
	free(fx);
	return 0;
}

static void load(struct fixture *fx, struct report *r, int is_class, const char *learner)
{
	struct report_options o = { .is_class = is_class, .learner = learner, .title = "t" };

	if (report_load(store_db(fx->st), fx->db, &fx->course, &o, r) < 0)
		fail_msg("report_load failed");
}

static const struct report_learner *find(const struct report *r, const char *login)
{
	for (int i = 0; i < r->nlearners; i++)
		if (!strcmp(r->learners[i].login, login))
			return &r->learners[i];
	fail_msg("no learner '%s' in the report", login);
	return NULL;
}

static void test_model(void **state)
{
	struct fixture *fx = *state;
	struct report r;
	const struct report_learner *a, *b, *c;
	const struct report_cell *cell;

	load(fx, &r, 1, NULL);
	assert_int_equal(r.nlearners, 3);	/* not the database's own learner */
	/* The course's exercises in order, then the one only the database knows. */
	assert_int_equal(r.nexercises, 4);
	assert_string_equal(r.exercises[0].id, "e1");
	assert_string_equal(r.exercises[2].id, "e3");
	assert_int_equal(r.exercises[2].lesson, 2);
	assert_string_equal(r.exercises[3].id, "gone");
	assert_int_equal(r.exercises[3].lesson, 0);
	assert_int_equal(r.exercises[1].max_score, 5);

	a = find(&r, "alice");
	cell = &a->cells[0];
	assert_int_equal(cell->attempts, 4);
	assert_string_equal(cell->first_at, "2026-01-10T10:00:00Z");
	assert_string_equal(cell->passed_at, "2026-01-11T09:00:00Z");
	assert_string_equal(cell->last_at, "2026-01-12T09:00:00Z");
	assert_int_equal(cell->attempts_to_pass, 3);
	assert_string_equal(cell->self_verdict, "pass");	/* any self pass */
	assert_string_equal(cell->regrade_verdict, "fail");
	assert_int_equal(cell->score, 3);	/* the regrade's */
	assert_int_equal(cell->max_score, 4);
	assert_int_equal(report_cell_status(cell), REPORT_DISAGREE);
	assert_false(cell->stale);
	/* The failing checks are the regrade's. */
	assert_int_equal(cell->graded_id, 104);
	assert_int_equal(cell->nfailing, 1);
	assert_string_equal(cell->failing[0].name, "sizes");
	assert_string_equal(cell->failing[0].observed, "<b>200</b>");

	cell = &a->cells[1];
	assert_int_equal(cell->attempts, 2);
	assert_null(cell->passed_at);
	assert_int_equal(cell->attempts_to_pass, 0);
	assert_string_equal(cell->self_verdict, "error");	/* the latest */
	assert_null(cell->regrade_verdict);
	assert_int_equal(cell->score, 2);	/* the best self attempt */
	assert_int_equal(cell->max_score, 5);
	assert_int_equal(report_cell_status(cell), REPORT_FAIL);
	assert_int_equal(cell->nfailing, 1);
	assert_string_equal(cell->failing[0].status, "error");

	cell = &a->cells[2];
	assert_int_equal(report_cell_status(cell), REPORT_NEW);
	assert_false(cell->has_score);
	assert_int_equal(cell->attempts, 0);
	assert_int_equal(a->passed, 0);

	b = find(&r, "bob");
	cell = &b->cells[0];
	assert_int_equal(cell->attempts, 0);
	assert_null(cell->self_verdict);
	assert_string_equal(cell->regrade_verdict, "pass");
	assert_int_equal(report_cell_status(cell), REPORT_PASS);
	assert_true(cell->stale);	/* his latest submission says so */
	assert_int_equal(b->passed, 1);

	c = find(&r, "carol");
	assert_int_equal(c->cells[1].attempts_to_pass, 1);
	assert_int_equal(report_cell_status(&c->cells[3]), REPORT_FAIL);

	/*
	 * Passes by day: carol's e2 on the 11th; not alice's e1 (the regrade
	 * disagrees) nor bob's (a regrade alone has no day of a first pass).
	 */
	assert_int_equal(r.ndays, 1);
	assert_string_equal(r.days[0].date, "2026-01-11");
	assert_int_equal(r.days[0].passes, 1);

	/* Failed checks over self attempts: alice's 'sizes' twice comes first. */
	assert_true(r.nfailing >= 3);
	assert_string_equal(r.failing[0].name, "sizes");
	assert_int_equal(r.failing[0].attempts, 2);
	assert_int_equal(r.failing[0].learners, 1);
	report_release(&r);
}

static void test_model_own_and_one_learner(void **state)
{
	struct fixture *fx = *state;
	struct report r;
	struct report_options o = { .is_class = 1, .learner = "nobody" };

	load(fx, &r, 0, NULL);
	assert_int_equal(r.nlearners, 1);
	assert_string_equal(r.learners[0].login, "me");
	assert_int_equal(report_cell_status(&r.learners[0].cells[2]), REPORT_PASS);
	report_release(&r);

	load(fx, &r, 1, "bob");
	assert_int_equal(r.nlearners, 1);
	assert_string_equal(r.learners[0].login, "bob");
	assert_string_equal(r.learners[0].cells[0].regrade_verdict, "pass");
	report_release(&r);

	load(fx, &r, 1, "10");	/* a numeric id */
	assert_int_equal(r.nlearners, 1);
	assert_string_equal(r.learners[0].login, "alice");
	assert_int_equal(r.learners[0].cells[0].attempts, 4);
	report_release(&r);

	assert_int_equal(report_load(store_db(fx->st), fx->db, &fx->course, &o, &r), -1);
}

static char *written(const struct report *r, char what, int arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (what == 'c')
		report_write_csv(r, f);
	else if (what == 'h')
		report_write_html(r, f);
	else if (what == 'j')
		report_write_json(r, f, arg);
	else
		report_write_table(r, f, arg, 0);
	fclose(f);
	return buf;
}

static void test_writers(void **state)
{
	struct fixture *fx = *state;
	struct report r;
	char *out, *p;
	int lines = 0;
	struct json_object *j, *arr, *t;

	load(fx, &r, 1, NULL);

	out = written(&r, 'c', 0);
	for (p = out; (p = strstr(p, "\r\n")); p += 2)
		lines++;
	assert_int_equal(lines, 1 + 3 * 4);
	assert_non_null(strstr(out, "id,name,exercise,attempts,first_attempt,passed_at,"
				    "self_verdict,regrade_verdict,score,max_score\r\n"));
	assert_non_null(strstr(out, "alice,\"Alice, \"\"Al\"\" Liddell\",e1,4,"
				    "2026-01-10T10:00:00Z,2026-01-11T09:00:00Z,pass,fail,3,4\r\n"));
	/* A name a spreadsheet would run as a formula is quoted. */
	assert_non_null(strstr(out, "bob,\"'=HYPERLINK(\"\"x\"\") Bob\",e1,0,,,,pass,4,4\r\n"));
	assert_non_null(strstr(out, "Bob\",e3,0,,,,,,\r\n"));
	free(out);

	out = written(&r, 'h', 0);
	assert_null(strstr(out, "<script"));
	assert_null(strstr(out, "<b>200"));
	assert_null(strstr(out, "\x1b"));
	assert_non_null(strstr(out, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(out, "&lt;b&gt;200&lt;/b&gt;"));
	assert_non_null(strstr(out, "class=\"c dis\""));
	assert_non_null(strstr(out, "class=\"c pass stale\""));
	assert_non_null(strstr(out, "@media print"));
	assert_non_null(strstr(out, "<svg"));
	assert_null(strstr(out, "http:"));
	assert_null(strstr(out, "https:"));
	assert_null(strstr(out, "url("));
	free(out);

	out = written(&r, 'j', 0);
	j = json_tokener_parse(out);
	assert_non_null(j);
	assert_true(json_object_object_get_ex(j, "learners", &arr));
	assert_int_equal(json_object_array_length(arr), 3);
	free(out);
	json_object_put(j);
	report_release(&r);

	load(fx, &r, 1, "alice");
	out = written(&r, 'j', 1);
	j = json_tokener_parse(out);
	assert_non_null(j);
	assert_true(json_object_object_get_ex(j, "score", &t));
	assert_int_equal(json_object_get_int(t), 3 + 2);
	assert_true(json_object_object_get_ex(j, "max_score", &t));
	/* e3's maximum comes from the database's own learner, gone's from carol. */
	assert_int_equal(json_object_get_int(t), 4 + 5 + 3 + 2);
	assert_true(json_object_object_get_ex(j, "tests", &arr));
	assert_int_equal(json_object_array_length(arr), 4);
	t = json_object_array_get_idx(arr, 0);
	assert_string_equal(json_object_get_string(json_object_object_get(t, "name")),
			    "First exercise");
	assert_string_equal(json_object_get_string(json_object_object_get(t, "status")), "failed");
	assert_non_null(strstr(json_object_get_string(json_object_object_get(t, "output")),
			       "clean regrade says fail"));
	assert_non_null(strstr(json_object_get_string(json_object_object_get(t, "output")),
			       "sizes: <b>200</b> (expected: 256)"));
	free(out);
	json_object_put(j);
	report_release(&r);
}

static void test_table(void **state)
{
	struct fixture *fx = *state;
	struct report r;
	char *out;

	load(fx, &r, 1, NULL);
	out = written(&r, 't', 0);
	assert_null(strstr(out, "\x1b"));	/* the name's escape sequence is shown as '?' */
	assert_non_null(strstr(out, "</script>?"));
	assert_non_null(strstr(out, "!4"));	/* alice's disagreement, 4 attempts */
	assert_non_null(strstr(out, "\xe2\x9c\x93" "0*"));	/* bob: passed, stale */
	assert_non_null(strstr(out, "\xe2\x9c\x97" "2"));
	assert_non_null(strstr(out, "passed"));
	assert_non_null(strstr(out, "1 where self and regrade disagree"));
	free(out);

	/* Narrow: the columns wrap into bands, each with the learners again. */
	out = written(&r, 't', 40);
	{
		int bands = 0;

		for (char *p = out; (p = strstr(p, "\nlearner ")); p++)
			bands++;
		assert_true(bands >= 2);
		for (char *line = out; *line;) {
			size_t n = strcspn(line, "\n");
			char *l = xstrndup(line, n);
			/* Every matrix line fits 40 columns (legend lines excepted). */
			if (!strncmp(l, "learner", 7) || !strncmp(l, "alice", 5) ||
			    !strncmp(l, "Alice", 5)) {
				int w = 0;

				for (char *q = l; *q; q++)
					w += ((unsigned char)*q & 0xc0) != 0x80;
				if (w > 40)
					fail_msg("line '%s' is %d columns wide", l, w);
			}
			free(l);
			line += n + (line[n] == '\n');
		}
	}
	free(out);
	report_release(&r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/*
 * A class nobody has submitted to yet: every format says so, and nothing
 * is handed to qsort() or memcpy() as (NULL, 0) on the way (UBSan).
 */
static void test_empty_class(void **state)
{
	struct fixture *fx = *state;
	struct report r;
	char *out;

	exec_sql(store_db(fx->st), "DELETE FROM check_result; DELETE FROM attempt;"
				   " DELETE FROM submission_exercise; DELETE FROM submission;"
				   " DELETE FROM learner;");
	load(fx, &r, 1, NULL);
	assert_int_equal(r.nlearners, 0);
	assert_int_equal(r.nexercises, 3);
	for (const char *w = "chjt"; *w; w++) {
		out = written(&r, *w, 80);
		assert_non_null(out);
		free(out);
	}
	report_release(&r);
	load(fx, &r, 0, NULL);	/* no learner of one's own either */
	assert_int_equal(r.nlearners, 0);
	report_release(&r);
}

static void test_natural_order(void **state)
{
	(void)state;
	assert_true(natural_casecmp("Learner 2", "Learner 10") < 0);
	assert_true(natural_casecmp("learner 10", "Learner 9") > 0);
	assert_true(natural_casecmp("ada", "Ada") == 0);
	assert_true(natural_casecmp("s007", "s7") == 0);
	assert_true(natural_casecmp("Ada", "Adam") < 0);
	assert_true(natural_casecmp("x1y", "x1z") < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_field),
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_natural_order),
		T(test_model),
		T(test_model_own_and_one_learner),
		T(test_writers),
		T(test_table),
		T(test_empty_class),
	};

	return cmocka_run_group_tests(tests, 0, NULL);
}
