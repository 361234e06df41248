/*
 * Reports (grader/report.h): CSV and HTML escaping, scores, and the
 * learners as the report reads them and its writers, on a small class
 * database built here with SQL through a real store, so the schema is the
 * one kmemlab writes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "course.h"
#include "report.h"
#include "text.h"
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

/* ---- scores ---- */

static void test_score_text(void **state)
{
	static const struct {
		long long hundredths;
		const char *text;
	} cases[] = {
		{ 0, "0" }, { 1000, "10" }, { 750, "7.5" }, { 833, "8.33" }, { 5, "0.05" },
		{ 11000, "110" }, { 101, "1.01" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		report_score_text(cases[i].hundredths, buf);
		assert_string_equal(buf, cases[i].text);
	}
}

static void test_cell_score(void **state)
{
	struct report_cell c = { 0 };

	(void)state;
	/* Not started: nothing, whatever the credit. */
	assert_int_equal(report_cell_score(CREDIT_ALL_OR_NOTHING, 10, &c), 0);
	assert_int_equal(report_cell_score(CREDIT_PARTIAL, 10, &c), 0);
	/* Failed with 5 of 6 checks: nothing, or 10 x 5 / 6 = 8.33. */
	c.self_verdict = (char *)"fail";
	c.checks_passed = 5;
	c.checks = 6;
	assert_int_equal(report_cell_score(CREDIT_ALL_OR_NOTHING, 10, &c), 0);
	assert_int_equal(report_cell_score(CREDIT_PARTIAL, 10, &c), 833);
	/* Rounded half up: 10 x 2 / 3 = 6.666... */
	c.checks_passed = 2;
	c.checks = 3;
	assert_int_equal(report_cell_score(CREDIT_PARTIAL, 10, &c), 667);
	/* A regrade's verdict counts over the learner's own. */
	c.regrade_verdict = (char *)"pass";
	assert_int_equal(report_cell_score(CREDIT_ALL_OR_NOTHING, 10, &c), 1000);
	assert_int_equal(report_cell_score(CREDIT_PARTIAL, 10, &c), 1000);
	c.self_verdict = (char *)"pass";
	c.regrade_verdict = (char *)"fail";
	c.checks_passed = 3;
	c.checks = 4;
	assert_int_equal(report_cell_score(CREDIT_ALL_OR_NOTHING, 10, &c), 0);
	assert_int_equal(report_cell_score(CREDIT_PARTIAL, 10, &c), 750);
	/* Checks out of bounds in a database are clamped. */
	c.checks_passed = 9;
	assert_int_equal(report_cell_score(CREDIT_PARTIAL, 10, &c), 1000);
	/* An exercise worth nothing. */
	c.regrade_verdict = NULL;
	assert_int_equal(report_cell_score(CREDIT_ALL_OR_NOTHING, 0, &c), 0);
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

/* Run sql on the database at path, through a connection of the test's own. */
static void exec_sql(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *err = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		fail_msg("cannot open '%s': %s", path, db ? sqlite3_errmsg(db) : "?");
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err ? err : "?");
	sqlite3_close(db);
}

/*
 * Four learners and a course of three exercises (e1, e2 in lesson 1, e3
 * in lesson 2), worth 10, 20 and 5 points:
 *   alice  e1: fail, fail, pass, fail (self), then a failing regrade
 *          (disagreement); e2: fail, error (self); e3 untouched
 *   bob    e1: regrade only (pass), stale in his latest submission
 *   "<script>..." (carol): e2: pass at once; an attempt at "gone", an
 *          exercise no longer in the course
 *   dan    e3: fail (self), then a passing regrade (a disagreement that
 *          counts as passed); an experiment at e1, counted apart and
 *          in no verdict, and one at "other"; a pass at e3 of an origin
 *          the report does not know, not counted at all; his attempts
 *          stored out of time order
 * and the database's own learner (is_self = 1), who is not in the class.
 */
static const char class_sql[] =
	"INSERT INTO learner (id, login, name, created_at, is_self) VALUES"
	" (1, 'me', 'Me Myself', '2026-01-01T00:00:00Z', 1),"
	" (10, 'alice', 'Alice, \"Al\" Liddell', '2026-01-01T00:00:00Z', 0),"
	" (11, 'bob', '=HYPERLINK(\"x\") Bob', '2026-01-01T00:00:00Z', 0),"
	" (12, 'carol', '<script>alert(1)</script>\x1b[31mCarol', '2026-01-01T00:00:00Z', 0),"
	" (13, 'dan', 'Dan 10', '2026-01-01T00:00:00Z', 0);"
	"INSERT INTO submission (id, learner_id, bundle_sha256, submitted_at, imported_at,"
	"  kmemlab_version, kernel, manifest) VALUES"
	" (1, 10, 'a1', '2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z', '0.1.0', 'k', '{}'),"
	" (2, 11, 'b1', '2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z', '0.1.0', 'k', '{}'),"
	" (3, 11, 'b2', '2026-02-03T00:00:00Z', '2026-02-04T00:00:00Z', '0.1.0', 'k', '{}'),"
	" (4, 13, 'd1', '2026-02-03T00:00:00Z', '2026-02-04T00:00:00Z', '0.1.0', 'k', '{}');"
	"INSERT INTO submission_exercise VALUES (1, 'e1', 'h', 'pass', 0),"
	" (2, 'e1', 'h', 'pass', 0), (3, 'e1', 'h', 'pass', 1), (4, 'e3', 'h', 'fail', 0);"
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
	" (110, 1, 'e3', '2026-01-11T08:30:00Z', 'h', 'pass', 3, 3, '', 'self', NULL),"
	" (111, 13, 'e3', '2026-02-04T00:00:00Z', 'h', 'pass', 3, 3, '', 'regrade', 4),"
	" (112, 13, 'e3', '2026-01-20T09:00:00Z', 'h', 'fail', 2, 3, '', 'self', NULL),"
	" (113, 13, 'e3', '2026-01-19T09:00:00Z', 'h', 'fail', 1, 3, '', 'self', NULL),"
	" (114, 13, 'e1', '2026-01-19T09:00:00Z', 'h', 'pass', 4, 4, '', 'experiment', NULL),"
	" (115, 13, 'other', '2026-01-19T09:00:00Z', 'h', 'pass', 4, 4, '', 'experiment', NULL),"
	" (116, 13, 'e3', '2026-01-21T09:00:00Z', 'h', 'pass', 3, 3, '', 'unknown', NULL);"
	"INSERT INTO check_result (attempt_id, seq, name, status, expected, observed, hint) VALUES"
	" (100, 1, 'build', 'pass', NULL, NULL, NULL),"
	" (100, 2, 'sizes', 'fail', '192', '160', 'ksize rounds up'),"
	" (101, 1, 'build', 'pass', NULL, NULL, NULL),"
	" (101, 2, 'sizes', 'fail', '192', '128', 'ksize rounds up'),"
	" (103, 2, 'unload', 'fail', 'clean', 'WARNING', 'free it'),"
	" (104, 1, 'build', 'pass', NULL, NULL, NULL),"
	" (104, 2, 'sizes', 'fail', '256', '<b>200</b>', 'regrade hint'),"
	" (106, 1, 'build', 'error', 'a module', 'no Kbuild', 'add one'),"
	" (109, 1, 'build', 'fail', 'x', 'y', 'z'),"
	" (112, 3, 'pfns', 'fail', '3', '2', 'count again'),"
	" (113, 2, 'pfns', 'fail', '3', '1', 'count again');";

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	char tmpl[] = "/tmp/kmemlab-test-report-XXXXXX";
	static char *ids[] = { "e1", "e2", "e3" };
	static char *titles[] = { "First exercise", "Second, \"quoted\"", "Third" };
	static const int points[] = { 10, 20, 5 };

	if (!mkdtemp(tmpl)) {
		free(fx);
		return -1;
	}
	fx->dir = xstrdup(tmpl);
	fx->db = xasprintf("%s/class.db", fx->dir);
	fx->st = store_open(fx->db);
	if (!fx->st)
		return -1;
	exec_sql(fx->db, class_sql);
	for (int i = 0; i < 3; i++) {
		fx->ex[i].id = ids[i];
		fx->ex[i].title = titles[i];
		fx->ex[i].points = points[i];
	}
	fx->lessons[0].number = 1;
	fx->lessons[0].exercises = &fx->ex[0];
	fx->lessons[0].nexercises = 2;
	fx->lessons[1].number = 2;
	fx->lessons[1].exercises = &fx->ex[2];
	fx->lessons[1].nexercises = 1;
	fx->course.lessons = fx->lessons;
	fx->course.nlessons = 2;
	fx->course.points = 35;
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

static void open_report(struct fixture *fx, struct report *r, int is_class, const char *learner)
{
	struct report_options o = { .is_class = is_class, .learner = learner, .title = "t" };

	if (report_open(fx->st, &fx->course, &o, r) < 0)
		fail_msg("report_open failed");
}

/* Every learner of the report, in its order (at most 9), with the checks of their cells. */
struct loaded {
	struct report r;
	struct report_learner l[10];
	int n;
};

static void load(struct fixture *fx, struct loaded *ld, int is_class, const char *learner)
{
	int got;

	memset(ld, 0, sizeof(*ld));
	open_report(fx, &ld->r, is_class, learner);
	ld->r.details = 1;
	while ((got = report_next(&ld->r, &ld->l[ld->n])) > 0)
		assert_true(++ld->n < 10);
	assert_int_equal(got, 0);
	assert_int_equal(ld->n, ld->r.nlearners);
	assert_int_equal(report_load_failing(&ld->r), 0);
}

static void unload(struct loaded *ld)
{
	for (int i = 0; i <= ld->n && i < 10; i++)
		report_learner_release(&ld->l[i]);
	report_close(&ld->r);
}

static const struct report_learner *find(const struct loaded *ld, const char *login)
{
	for (int i = 0; i < ld->n; i++)
		if (!strcmp(ld->l[i].login, login))
			return &ld->l[i];
	fail_msg("no learner '%s' in the report", login);
	return NULL;
}

static void test_model(void **state)
{
	struct fixture *fx = *state;
	struct loaded ld;
	const struct report *r = &ld.r;
	const struct report_learner *a, *b, *c, *d;
	const struct report_cell *cell;

	load(fx, &ld, 1, NULL);
	assert_int_equal(ld.n, 4);	/* not the database's own learner */
	/* Names as people sort them: '<' and '=' before letters, digits by value. */
	assert_string_equal(ld.l[0].login, "carol");
	assert_string_equal(ld.l[1].login, "bob");
	assert_string_equal(ld.l[2].login, "alice");
	assert_string_equal(ld.l[3].login, "dan");
	/*
	 * The course's exercises in order, then the one only the database
	 * knows (not "other": only an experiment has it).
	 */
	assert_int_equal(r->nexercises, 4);
	assert_string_equal(r->exercises[0].id, "e1");
	assert_string_equal(r->exercises[0].number, "1.1");
	assert_string_equal(r->exercises[2].id, "e3");
	assert_string_equal(r->exercises[2].number, "2");
	assert_int_equal(r->exercises[2].lesson, 2);
	assert_int_equal(r->exercises[2].points, 5);
	assert_string_equal(r->exercises[3].id, "gone");
	assert_int_equal(r->exercises[3].lesson, 0);
	assert_int_equal(r->exercises[3].points, 0);
	assert_string_equal(r->exercises[3].number, "");
	assert_int_equal(r->points, 35);

	a = find(&ld, "alice");
	cell = &a->cells[0];
	assert_int_equal(cell->attempts, 4);
	assert_string_equal(cell->first_at, "2026-01-10T10:00:00Z");
	assert_string_equal(cell->passed_at, "2026-01-11T09:00:00Z");
	assert_string_equal(cell->last_at, "2026-01-12T09:00:00Z");
	assert_int_equal(cell->attempts_to_pass, 3);
	assert_string_equal(cell->self_verdict, "pass");	/* any self pass */
	assert_string_equal(cell->regrade_verdict, "fail");
	assert_int_equal(cell->checks_passed, 3);	/* the regrade's */
	assert_int_equal(cell->checks, 4);
	assert_int_equal(cell->score, 0);		/* the regrade's fail counts */
	assert_int_equal(report_cell_status(cell), REPORT_DISAGREE);
	assert_false(report_cell_passed(cell));
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
	assert_int_equal(cell->checks_passed, 2);	/* the best self attempt */
	assert_int_equal(cell->checks, 5);
	assert_int_equal(report_cell_status(cell), REPORT_FAIL);
	assert_int_equal(cell->nfailing, 1);
	assert_string_equal(cell->failing[0].status, "error");

	cell = &a->cells[2];
	assert_int_equal(report_cell_status(cell), REPORT_NEW);
	assert_int_equal(cell->checks, 0);
	assert_int_equal(cell->score, 0);
	assert_int_equal(cell->attempts, 0);
	assert_int_equal(a->passed, 0);
	assert_int_equal(a->score, 0);

	b = find(&ld, "bob");
	cell = &b->cells[0];
	assert_int_equal(cell->attempts, 0);
	assert_null(cell->self_verdict);
	assert_string_equal(cell->regrade_verdict, "pass");
	assert_int_equal(report_cell_status(cell), REPORT_PASS);
	assert_true(cell->stale);	/* his latest submission says so */
	assert_int_equal(b->passed, 1);
	assert_int_equal(b->score, 1000);

	c = find(&ld, "carol");
	assert_int_equal(c->cells[1].attempts_to_pass, 1);
	assert_int_equal(c->cells[1].score, 2000);
	assert_int_equal(report_cell_status(&c->cells[3]), REPORT_FAIL);
	assert_int_equal(c->cells[3].score, 0);		/* worth nothing now */
	assert_int_equal(c->score, 2000);

	/*
	 * dan: his own runs failed, the clean regrade passed: a disagreement,
	 * and the regrade counts.  Stored out of order, his attempts are still
	 * told apart by time; his experiment is not one.
	 */
	d = find(&ld, "dan");
	cell = &d->cells[2];
	assert_int_equal(cell->attempts, 2);
	assert_string_equal(cell->first_at, "2026-01-19T09:00:00Z");
	assert_string_equal(cell->last_at, "2026-01-20T09:00:00Z");
	assert_string_equal(cell->self_verdict, "fail");
	assert_string_equal(cell->regrade_verdict, "pass");
	assert_int_equal(report_cell_status(cell), REPORT_DISAGREE);
	assert_true(report_cell_passed(cell));
	assert_int_equal(cell->score, 500);
	assert_int_equal(cell->nfailing, 0);	/* the attempt that counts passed */
	assert_int_equal(d->cells[0].attempts, 0);
	assert_int_equal(report_cell_status(&d->cells[0]), REPORT_NEW);
	/* His experiment at e1 is counted apart; the one at "other" has no column. */
	assert_int_equal(d->cells[0].experiments, 1);
	assert_null(d->cells[0].first_at);
	assert_int_equal(d->cells[0].score, 0);
	assert_int_equal(d->cells[2].experiments, 0);
	assert_int_equal(d->passed, 1);
	assert_int_equal(d->score, 500);

	/* The class's figures, added up learner by learner. */
	assert_int_equal(r->stats.learners, 4);
	assert_int_equal(r->stats.passes[0], 1);	/* bob; alice's regrade failed */
	assert_int_equal(r->stats.passes[1], 1);
	assert_int_equal(r->stats.passes[2], 1);	/* dan */
	assert_int_equal(r->stats.cells_passed, 3);
	assert_int_equal(r->stats.disagree, 2);
	assert_int_equal(r->stats.stale, 1);
	assert_int_equal(r->stats.started, 6);
	assert_int_equal(r->stats.attempts, 4 + 2 + 1 + 1 + 2);
	assert_int_equal(r->stats.score, 1000 + 2000 + 500);
	/* Attempts to pass: alice's e1 (3) and carol's e2 (1); a median of 2. */
	assert_int_equal(r->stats.to_pass_all.count, 2);
	assert_true(report_hist_median(&r->stats.to_pass_all) == 2.0);
	assert_true(report_hist_median(&r->stats.to_pass[0]) == 3.0);
	/*
	 * Passes by day: carol's e2 on the 11th; not alice's e1 (the regrade
	 * disagrees) nor bob's or dan's (a regrade alone has no day of a
	 * first pass).
	 */
	assert_int_equal(r->stats.ndays, 1);
	assert_string_equal(r->stats.days[0].date, "2026-01-11");
	assert_int_equal(r->stats.days[0].passes, 1);

	/* Failed checks over self attempts: alice's 'sizes' twice comes first. */
	assert_true(r->nfailing >= 3);
	assert_string_equal(r->failing[0].name, "sizes");
	assert_int_equal(r->failing[0].attempts, 2);
	assert_int_equal(r->failing[0].learners, 1);
	unload(&ld);
}

static void test_model_own_and_one_learner(void **state)
{
	struct fixture *fx = *state;
	struct loaded ld;
	struct report r;
	struct report_options o = { .is_class = 1, .learner = "nobody" };

	load(fx, &ld, 0, NULL);
	assert_int_equal(ld.n, 1);
	assert_string_equal(ld.l[0].login, "me");
	assert_int_equal(report_cell_status(&ld.l[0].cells[2]), REPORT_PASS);
	/* The failed checks are the learner's own (none). */
	assert_int_equal(ld.r.nfailing, 0);
	unload(&ld);

	load(fx, &ld, 1, "bob");
	assert_int_equal(ld.n, 1);
	assert_string_equal(ld.l[0].login, "bob");
	assert_string_equal(ld.l[0].cells[0].regrade_verdict, "pass");
	/* The columns of the whole database. */
	assert_int_equal(ld.r.nexercises, 4);
	unload(&ld);

	load(fx, &ld, 1, "10");	/* a numeric id */
	assert_int_equal(ld.n, 1);
	assert_string_equal(ld.l[0].login, "alice");
	assert_int_equal(ld.l[0].cells[0].attempts, 4);
	assert_int_equal(ld.r.nfailing, 3);	/* sizes, unload, build: hers alone */
	unload(&ld);

	assert_int_equal(report_open(fx->st, &fx->course, &o, &r), -1);
}

/* What a writer wrote, on a report opened for it. */
static char *written(struct fixture *fx, int is_class, const char *learner, char what, int arg)
{
	struct report r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret;

	open_report(fx, &r, is_class, learner);
	if (what == 'c')
		ret = report_write_csv(&r, f);
	else if (what == 'h')
		ret = report_write_html(&r, f);
	else if (what == 'j')
		ret = report_write_json(&r, f, arg);
	else
		ret = report_write_table(&r, f, arg, 0);
	fclose(f);
	assert_int_equal(ret, 0);
	report_close(&r);
	return buf;
}

static long long json_hundredths(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no '%s'", key);
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		fail_msg("'%s' is not a number: %s", key, json_object_to_json_string(v));
	return llround(json_object_get_double(v) * 100);
}

/* Only the fields Gradescope documents for results.json, of the types it says. */
static void check_gradescope(struct json_object *res)
{
	static const char *const top[] = { "score", "max_score", "output", "visibility", "tests",
					   NULL };
	static const char *const test[] = { "name", "number", "score", "max_score", "status",
					    "output", NULL };
	struct json_object *tests;
	long long score = 0, max = 0;

	json_object_object_foreach(res, key, val) {
		int known = 0;

		(void)val;
		for (int i = 0; top[i]; i++)
			known |= !strcmp(key, top[i]);
		if (!known)
			fail_msg("'%s' is not a results.json field", key);
	}
	assert_true(json_object_object_get_ex(res, "tests", &tests));
	for (size_t i = 0; i < json_object_array_length(tests); i++) {
		struct json_object *t = json_object_array_get_idx(tests, i), *v;
		const char *status;

		json_object_object_foreach(t, name, val2) {
			int known = 0;

			(void)val2;
			for (int k = 0; test[k]; k++)
				known |= !strcmp(name, test[k]);
			if (!known)
				fail_msg("'%s' is not a field of a results.json test", name);
		}
		assert_true(json_object_object_get_ex(t, "status", &v));
		status = json_object_get_string(v);
		assert_true(!strcmp(status, "passed") || !strcmp(status, "failed"));
		if (json_object_object_get_ex(t, "number", &v))
			assert_true(json_object_is_type(v, json_type_string));
		assert_true(json_object_object_get_ex(t, "name", &v));
		assert_true(json_object_is_type(v, json_type_string));
		score += json_hundredths(t, "score");
		max += json_hundredths(t, "max_score");
	}
	assert_int_equal(json_hundredths(res, "score"), score);
	assert_int_equal(json_hundredths(res, "max_score"), max);
}

static void test_writers(void **state)
{
	struct fixture *fx = *state;
	char *out, *p;
	int lines = 0;
	struct json_object *j, *arr, *t, *res;

	out = written(fx, 1, NULL, 'c', 0);
	for (p = out; (p = strstr(p, "\r\n")); p += 2)
		lines++;
	assert_int_equal(lines, 1 + 4 * 4);
	assert_non_null(strstr(out, "id,name,exercise,attempts,first_attempt,passed_at,"
				    "self_verdict,regrade_verdict,score,max_score,experiments\r\n"));
	/* Scores are points: alice's disagreeing e1 is worth 0 of 10. */
	assert_non_null(strstr(out, "alice,\"Alice, \"\"Al\"\" Liddell\",e1,4,"
				    "2026-01-10T10:00:00Z,2026-01-11T09:00:00Z,pass,fail,0,10,0\r\n"));
	/* A name a spreadsheet would run as a formula is quoted. */
	assert_non_null(strstr(out, "bob,\"'=HYPERLINK(\"\"x\"\") Bob\",e1,0,,,,pass,10,10,0\r\n"));
	/* Not started: 0 of the exercise's points, a number in every score cell. */
	assert_non_null(strstr(out, "Bob\",e3,0,,,,,0,5,0\r\n"));
	assert_non_null(strstr(out, "dan,Dan 10,e3,2,2026-01-19T09:00:00Z,,fail,pass,5,5,0\r\n"));
	assert_non_null(strstr(out, ",gone,1,2026-01-11T08:30:00Z,,fail,,0,0,0\r\n"));
	/* An experiment, last: counted, and in nothing else. */
	assert_non_null(strstr(out, "dan,Dan 10,e1,0,,,,,0,10,1\r\n"));
	assert_null(strstr(out, ",,\r\n"));
	free(out);

	out = written(fx, 1, NULL, 'h', 0);
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
	/* The figures, known only after the learners, come before them. */
	assert_true(strstr(out, "learner-exercises passed") < strstr(out, "id=\"l-10\""));
	assert_non_null(strstr(out, "<b>3 of 16 learner-exercises passed") ||
			strstr(out, "3 of 16 learner-exercises passed"));
	/* Scores: each learner's, of the course's 35 points. */
	assert_non_null(strstr(out, "score 5 of 35 (all-or-nothing credit)"));
	assert_non_null(strstr(out, "<td class=\"n\">0/5</td>"));	/* not started */
	/* dan's experiment, beside his attempts (none) at e1. */
	assert_non_null(strstr(out, "<td class=\"n\">0<span class=\"muted\""));
	assert_non_null(strstr(out, ", 1 experiment</span></td>"));
	free(out);

	out = written(fx, 1, NULL, 'j', 0);
	j = json_tokener_parse(out);
	assert_non_null(j);
	assert_true(json_object_object_get_ex(j, "learners", &arr));
	assert_int_equal(json_object_array_length(arr), 4);
	assert_true(json_object_object_get_ex(j, "max_score", &t));
	assert_int_equal(json_object_get_int(t), 35);
	for (size_t i = 0; i < 4; i++) {
		assert_true(json_object_object_get_ex(json_object_array_get_idx(arr, i), "results",
						      &res));
		check_gradescope(res);
		assert_int_equal(json_hundredths(res, "max_score"), 3500);
	}
	free(out);
	json_object_put(j);

	out = written(fx, 1, "alice", 'j', 1);
	j = json_tokener_parse(out);
	assert_non_null(j);
	check_gradescope(j);
	/* Nothing passed (the regrade of e1 failed): 0 of all the course's points. */
	assert_int_equal(json_hundredths(j, "score"), 0);
	assert_int_equal(json_hundredths(j, "max_score"), 3500);
	assert_true(json_object_object_get_ex(j, "tests", &arr));
	assert_int_equal(json_object_array_length(arr), 4);
	t = json_object_array_get_idx(arr, 0);
	assert_string_equal(json_object_get_string(json_object_object_get(t, "name")),
			    "First exercise");
	assert_string_equal(json_object_get_string(json_object_object_get(t, "number")), "1.1");
	assert_string_equal(json_object_get_string(json_object_object_get(t, "status")), "failed");
	assert_int_equal(json_hundredths(t, "max_score"), 1000);
	assert_non_null(strstr(json_object_get_string(json_object_object_get(t, "output")),
			       "clean regrade says fail"));
	assert_non_null(strstr(json_object_get_string(json_object_object_get(t, "output")),
			       "sizes: <b>200</b> (expected: 256)"));
	t = json_object_array_get_idx(arr, 2);
	assert_non_null(strstr(json_object_get_string(json_object_object_get(t, "output")),
			       "not started"));
	assert_int_equal(json_hundredths(t, "score"), 0);
	assert_int_equal(json_hundredths(t, "max_score"), 500);
	free(out);
	json_object_put(j);

	/* dan: the regrade's pass counts, though his own runs failed. */
	out = written(fx, 1, "dan", 'j', 1);
	j = json_tokener_parse(out);
	assert_non_null(j);
	check_gradescope(j);
	assert_int_equal(json_hundredths(j, "score"), 500);
	assert_true(json_object_object_get_ex(j, "tests", &arr));
	t = json_object_array_get_idx(arr, 2);
	assert_string_equal(json_object_get_string(json_object_object_get(t, "status")), "passed");
	free(out);
	json_object_put(j);
}

/* With partial credit, a cell not passed earns its share of its checks. */
static void test_partial_credit(void **state)
{
	struct fixture *fx = *state;
	struct loaded ld;
	char *out;
	struct json_object *j, *arr;

	fx->course.credit = CREDIT_PARTIAL;
	load(fx, &ld, 1, NULL);
	/* alice: e1 3 of 4 checks of the regrade (7.5), e2 2 of 5 of her best (8). */
	assert_int_equal(find(&ld, "alice")->cells[0].score, 750);
	assert_int_equal(find(&ld, "alice")->cells[1].score, 800);
	assert_int_equal(find(&ld, "alice")->score, 1550);
	assert_int_equal(find(&ld, "bob")->score, 1000);
	assert_int_equal(find(&ld, "carol")->cells[3].score, 0);	/* worth nothing */
	unload(&ld);

	out = written(fx, 1, "alice", 'j', 1);
	j = json_tokener_parse(out);
	assert_non_null(j);
	check_gradescope(j);
	assert_int_equal(json_hundredths(j, "score"), 1550);
	assert_non_null(strstr(out, "\"score\":15.5,"));	/* as written, not 15.50000001 */
	assert_true(json_object_object_get_ex(j, "tests", &arr));
	assert_non_null(strstr(json_object_get_string(json_object_object_get(
					json_object_array_get_idx(arr, 0), "output")),
			       "partial credit: 3 of 4 checks of the clean regrade"));
	free(out);
	json_object_put(j);

	out = written(fx, 1, NULL, 'c', 0);
	assert_non_null(strstr(out, ",e1,4,2026-01-10T10:00:00Z,2026-01-11T09:00:00Z,pass,fail,"
				    "7.5,10,0\r\n"));
	free(out);
	out = written(fx, 1, NULL, 't', 0);
	assert_non_null(strstr(out, "15.5/35"));
	assert_non_null(strstr(out, "(partial credit)"));
	free(out);
}

static void test_table(void **state)
{
	struct fixture *fx = *state;
	char *out;

	out = written(fx, 1, NULL, 't', 0);
	assert_null(strstr(out, "\x1b"));	/* the name's escape sequence is shown as '?' */
	assert_non_null(strstr(out, "</script>?"));
	assert_non_null(strstr(out, "!4"));	/* alice's disagreement, 4 attempts */
	assert_non_null(strstr(out, "\xe2\x9c\x93" "0*"));	/* bob: passed, stale */
	assert_non_null(strstr(out, "\xe2\x9c\x97" "2"));
	assert_non_null(strstr(out, "passed  score"));
	assert_non_null(strstr(out, "1/4     10/35\n"));	/* bob */
	assert_non_null(strstr(out, "0/4     0/35\n"));	/* alice */
	assert_non_null(strstr(out, "2 where self and regrade disagree"));
	assert_non_null(strstr(out, "\nmean score 8.75 of 35 points (all-or-nothing credit)\n"));
	free(out);

	/* Narrow: the columns wrap into bands, each with the learners again. */
	out = written(fx, 1, NULL, 't', 40);
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

	/* One learner's own report: their score, not a mean. */
	out = written(fx, 0, NULL, 't', 0);
	assert_non_null(strstr(out, "\nscore 5 of 35 points (all-or-nothing credit)\n"));
	free(out);
}

/* The folder: an index, a page per learner, one stylesheet. */
static void test_html_folder(void **state)
{
	struct fixture *fx = *state;
	char *dir = xasprintf("%s/site", fx->dir), *path;
	struct strbuf sb = STRBUF_INIT;
	struct report r;

	/* A page of an earlier report, longer than the new one: written over whole. */
	path = xasprintf("%s/learners", dir);
	assert_int_equal(mkdir_p(path, 0755), 0);
	free(path);
	path = xasprintf("%s/learners/11.html", dir);
	for (int i = 0; i < 20000; i++)
		strbuf_addstr(&sb, "earlier-report ");
	assert_int_equal(write_file_atomic(path, sb.buf, sb.len, 0644), 0);
	strbuf_release(&sb);
	free(path);
	open_report(fx, &r, 1, NULL);
	assert_int_equal(report_write_html_dir(&r, dir), 0);
	report_close(&r);
	path = xasprintf("%s/learners/11.html", dir);
	assert_int_equal(read_file(path, &sb, 0), 0);
	assert_null(strstr(sb.buf, "earlier-report"));
	assert_true(path_has_suffix(sb.buf, "</html>\n"));
	strbuf_release(&sb);
	free(path);
	path = xasprintf("%s/index.html", dir);
	assert_int_equal(read_file(path, &sb, 0), 0);
	free(path);
	assert_non_null(strstr(sb.buf, "<table class=\"matrix\">"));
	assert_non_null(strstr(sb.buf, "href=\"learners/10.html\""));
	assert_non_null(strstr(sb.buf, "<link rel=\"stylesheet\" href=\"style.css\">"));
	assert_non_null(strstr(sb.buf, "<svg"));
	assert_non_null(strstr(sb.buf, "The checks failed most"));
	assert_null(strstr(sb.buf, "<section class=\"learner\""));	/* on their own pages */
	strbuf_release(&sb);
	for (int id = 10; id <= 13; id++) {
		path = xasprintf("%s/learners/%d.html", dir, id);
		if (read_file(path, &sb, 0) < 0)
			fail_msg("no page '%s'", path);
		assert_non_null(strstr(sb.buf, "<section class=\"learner\""));
		assert_non_null(strstr(sb.buf, "href=\"../index.html#matrix\""));
		assert_non_null(strstr(sb.buf, "href=\"../style.css\""));
		assert_null(strstr(sb.buf, "<script"));
		strbuf_release(&sb);
		free(path);
	}
	path = xasprintf("%s/style.css", dir);
	assert_true(is_file(path));
	free(path);
	path = xasprintf("%s/learners/1.html", dir);	/* the database's own learner */
	assert_false(is_file(path));
	free(path);
	free(dir);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/*
 * A class nobody has submitted to yet: every format says so, and nothing
 * is handed to qsort() or memcpy() as (NULL, 0) on the way (UBSan).
 */
static void test_empty_class(void **state)
{
	struct fixture *fx = *state;
	struct loaded ld;
	struct report r;
	char *out, *dir = xasprintf("%s/empty", fx->dir);

	exec_sql(fx->db, "DELETE FROM check_result; DELETE FROM attempt;"
			 " DELETE FROM submission_exercise; DELETE FROM submission;"
			 " DELETE FROM learner;");
	load(fx, &ld, 1, NULL);
	assert_int_equal(ld.n, 0);
	assert_int_equal(ld.r.nexercises, 3);
	unload(&ld);
	for (const char *w = "chjt"; *w; w++) {
		out = written(fx, 1, NULL, *w, 80);
		assert_non_null(out);
		free(out);
	}
	assert_int_equal(mkdir_p(dir, 0755), 0);
	open_report(fx, &r, 1, NULL);
	assert_int_equal(report_write_html_dir(&r, dir), 0);
	report_close(&r);
	free(dir);
	load(fx, &ld, 0, NULL);	/* no learner of one's own either */
	assert_int_equal(ld.n, 0);
	unload(&ld);
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
	assert_true(natural_casecmp("x10", "x9a") > 0);
	assert_true(natural_casecmp("", "a") < 0);
}

/* The database sorts the learners with natural_casecmp() too. */
static void test_learners_in_natural_order(void **state)
{
	struct fixture *fx = *state;
	struct loaded ld;

	exec_sql(fx->db,
		 "INSERT INTO learner (login, name, created_at, is_self) VALUES"
		 " ('l10', 'learner 10', 'x', 0), ('l9', 'Learner 9', 'x', 0),"
		 " ('l2b', 'Learner 2', 'x', 0), ('l2a', 'Learner 2', 'x', 0)");
	load(fx, &ld, 1, NULL);
	assert_int_equal(ld.n, 8);
	assert_string_equal(ld.l[3].login, "dan");	/* "Dan 10" */
	assert_string_equal(ld.l[4].login, "l2a");	/* a tie: by login */
	assert_string_equal(ld.l[5].login, "l2b");
	assert_string_equal(ld.l[6].login, "l9");
	assert_string_equal(ld.l[7].login, "l10");
	unload(&ld);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_field),
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_natural_order),
		cmocka_unit_test(test_score_text),
		cmocka_unit_test(test_cell_score),
		T(test_model),
		T(test_model_own_and_one_learner),
		T(test_writers),
		T(test_partial_credit),
		T(test_table),
		T(test_html_folder),
		T(test_empty_class),
		T(test_learners_in_natural_order),
	};

	return cmocka_run_group_tests(tests, 0, NULL);
}
