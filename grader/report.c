/*
 * The report's model: the exercises and the learners, read from the
 * database one learner at a time and added up into cells, scores and the
 * class's figures, with the checks failed most read beside them, for the
 * writers (report-text.c, report-html.c).
 */
#include "report.h"

#include <json-c/json.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "report-internal.h"
#include "store.h"
#include "text.h"
#include "util.h"

/* ---- reading ---- */

/* Column i of s as valid UTF-8 (a bad byte becomes U+FFFD), allocated; NULL stays NULL. */
static char *report_col_dup(sqlite3_stmt *s, int i)
{
	return text_utf8_dup((const char *)sqlite3_column_text(s, i));
}

/* What one learner's attempts at one exercise add up to, beyond the cell. */
struct cell_acc {
	struct strbuf times;	/* when each self attempt started, NUL-separated */
	struct strbuf last_at;	/* when the latest self attempt started ... */
	int64_t self_id;	/* ... which is this one */
	char self_verdict[8];	/* its verdict */
	int best_passed, best_checks, has_best;	/* the best self attempt's checks */
	struct strbuf regrade_at;	/* the latest regrade */
	int64_t regrade_id;
	char regrade_verdict[8];
	int regrade_passed, regrade_checks;
};

static int cur_fail(struct report *r, const char *what)
{
	return store_fail(r->cur->st, what);
}

/* natural_casecmp() as an SQLite collation, so that the database sorts the learners. */
static int natural_collation(void *unused, int na, const void *a, int nb, const void *b)
{
	(void)unused;
	return natural_ncasecmp(a, (size_t)na, b, (size_t)nb);
}

static void add_exercise(struct report *r, const char *id, const char *title, int lesson,
			 const char *number, int points)
{
	struct report_exercise *e;

	r->exercises = xrealloc(r->exercises, (size_t)(r->nexercises + 1) * sizeof(*e));
	e = &r->exercises[r->nexercises++];
	e->id = xstrdup(id);
	e->title = xstrdup(title);
	e->lesson = lesson;
	snprintf(e->number, sizeof(e->number), "%s", number);
	e->points = points;
}

static int exercise_index(const struct report *r, const char *id)
{
	for (int i = 0; i < r->nexercises; i++)
		if (!strcmp(r->exercises[i].id, id))
			return i;
	return -1;
}

/*
 * Exercises graded once and no longer in the course are still reported,
 * after the course's, worth no points.  One learner's report has the
 * columns of the whole database's, so that it matches their row there.
 */
static int load_other_exercises(struct report *r)
{
	struct store *st = r->cur->st;
	sqlite3_stmt *s = NULL, *counted = NULL;
	int rc, ret = -1;

	if (store_prepare(st, "SELECT DISTINCT exercise FROM attempt ORDER BY exercise", &s,
			  "reading exercises") < 0 ||
	    store_prepare(st, "SELECT 1 FROM attempt WHERE exercise = ?1"
			      " AND origin IN ('self', 'regrade') LIMIT 1",
			  &counted, "reading exercises") < 0)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *ex = (const char *)sqlite3_column_text(s, 0);
		char *id;

		if (!ex || exercise_index(r, ex) >= 0)
			continue;
		/* Only attempts the report counts make a column. */
		sqlite3_reset(counted);
		sqlite3_bind_text(counted, 1, ex, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(counted);
		if (rc == SQLITE_DONE)
			continue;
		if (rc != SQLITE_ROW)
			break;
		id = text_utf8_dup(ex);
		add_exercise(r, id, id, 0, "", 0);
		free(id);
	}
	if (rc != SQLITE_DONE) {
		cur_fail(r, "reading exercises");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(s);
	sqlite3_finalize(counted);
	return ret;
}

/* The report's learners: their number, or the one --learner names. */
static int find_learners(struct report *r, const struct report_options *o)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (store_prepare(r->cur->st,
			  o->learner ? "SELECT id FROM learner WHERE is_self = ?1"
				       " AND (login = ?2 OR CAST(id AS TEXT) = ?2)"
				       /* the login, before another learner's numeric id */
				       " ORDER BY login IS NOT ?2 LIMIT 1"
				     : "SELECT count(*) FROM learner WHERE is_self = ?1",
			  &s, "reading learners") < 0)
		return -1;
	sqlite3_bind_int(s, 1, o->is_class ? 0 : 1);
	if (o->learner)
		sqlite3_bind_text(s, 2, o->learner, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && o->learner) {
		r->cur->only = sqlite3_column_int64(s, 0);
		r->nlearners = 1;
	} else if (rc == SQLITE_ROW) {
		r->nlearners = sqlite3_column_int(s, 0);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return cur_fail(r, "reading learners");
	if (o->learner && !r->nlearners)
		return error("no learner '%s' in '%s': give a login or an id from the report's id "
			     "column (csv or json)", o->learner, store_path(r->cur->st));
	return 0;
}

/*
 * The learners, each with the exercises whose latest submitted source is
 * not the one the learner graded (stale): few, as a JSON array.
 */
static const char learners_sql[] =
	"SELECT l.id, l.login, l.name, st.stale FROM learner l LEFT JOIN ("
	" SELECT learner_id, json_group_array(exercise) AS stale FROM ("
	"  SELECT s.learner_id, e.exercise, e.self_stale, row_number() OVER"
	"   (PARTITION BY s.learner_id, e.exercise"
	/* the last imported, not the learner's clock */
	"    ORDER BY s.id DESC) AS n"
	"  FROM submission_exercise e JOIN submission s ON s.id = e.submission_id)"
	" WHERE n = 1 AND self_stale = 1 GROUP BY learner_id) st ON st.learner_id = l.id"
	" WHERE %s ORDER BY l.name COLLATE kmemlab_natural, l.login, l.id";

/*
 * One learner's attempts in the attempt_by_exercise index's order (by
 * exercise, then as stored): the report adds them up itself, a learner at
 * a time.  An aggregate query over the whole class took twice as long,
 * and its result had to be held whole; putting each exercise's attempts
 * in time order here, a third longer.  Every origin comes, for
 * add_attempt() to tell apart: naming the three the report reads here
 * took 5% longer.
 */
static const char cells_sql[] =
	"SELECT exercise, origin, started_at, id, verdict, score, max_score FROM attempt"
	" WHERE learner_id = ?1 ORDER BY exercise";

static const char checks_sql[] =
	"SELECT attempt_id, name, status, expected, observed, hint FROM check_result"
	" WHERE attempt_id IN (SELECT value FROM json_each(?1)) AND status IN ('fail', 'error')"
	" ORDER BY attempt_id, seq";

int report_open(struct store *st, const struct course *course, const struct report_options *o,
		struct report *r)
{
	struct report_cursor *cur;
	char *sql;
	int rc;

	memset(r, 0, sizeof(*r));
	r->is_class = o->is_class;
	r->title = xstrdup(o->title ? o->title : "");
	r->course_id = xstrdup(course->id ? course->id : "kmemlab");
	r->course_title = xstrdup(course->title ? course->title : "");
	r->course_version = xstrdup(course->version ? course->version : "1");
	r->credit = course->credit;
	r->points = course->points;
	utc_now(r->generated_at);
	for (int i = 0; i < course->nlessons; i++) {
		const struct lesson *l = &course->lessons[i];

		for (int j = 0; j < l->nexercises; j++) {
			char number[24];

			if (l->nexercises > 1)
				snprintf(number, sizeof(number), "%d.%d", l->number, j + 1);
			else
				snprintf(number, sizeof(number), "%d", l->number);
			add_exercise(r, l->exercises[j].id, l->exercises[j].title, l->number, number,
				     l->exercises[j].points);
		}
	}
	r->cur = cur = xcalloc(1, sizeof(*cur));
	cur->st = st;
	if (store_collation(st, "kmemlab_natural", natural_collation, "reading") < 0 ||
	    store_begin_read(st, "reading") < 0)
		goto fail;
	cur->in_tx = 1;
	if (load_other_exercises(r) < 0 || find_learners(r, o) < 0)
		goto fail;
	sql = xasprintf(learners_sql, cur->only ? "l.id = ?2" : "l.is_self = ?1");
	rc = store_prepare(st, sql, &cur->learners, "reading learners");
	free(sql);
	if (rc < 0 || store_prepare(st, cells_sql, &cur->cells, "reading learners") < 0 ||
	    store_prepare(st, checks_sql, &cur->checks, "reading learners") < 0)
		goto fail;
	sqlite3_bind_int(cur->learners, 1, o->is_class ? 0 : 1);
	sqlite3_bind_int64(cur->learners, 2, cur->only);
	cur->acc = xcalloc((size_t)r->nexercises + 1, sizeof(*cur->acc));
	r->stats.passes = xcalloc((size_t)r->nexercises + 1, sizeof(int));
	r->stats.to_pass = xcalloc((size_t)r->nexercises + 1, sizeof(*r->stats.to_pass));
	return 0;
fail:
	report_close(r);
	return -1;
}

/* ---- a learner ---- */

static void cell_reset(struct report_cell *c)
{
	free(c->first_at);
	free(c->passed_at);
	free(c->last_at);
	free(c->self_verdict);
	free(c->regrade_verdict);
	for (int i = 0; i < c->nfailing; i++) {
		free(c->failing[i].name);
		free(c->failing[i].status);
		free(c->failing[i].expected);
		free(c->failing[i].observed);
		free(c->failing[i].hint);
	}
	free(c->failing);
	memset(c, 0, sizeof(*c));
}

void report_learner_release(struct report_learner *l)
{
	for (int e = 0; e < l->ncells; e++)
		cell_reset(&l->cells[e]);
	free(l->cells);
	free(l->login);
	free(l->name);
	memset(l, 0, sizeof(*l));
}

/* Whether the attempt that started at at, with that id, is later than (b_at, b_id). */
static int later(const char *at, int64_t id, const struct strbuf *b_at, int64_t b_id)
{
	int c = strcmp(at, strbuf_str(b_at));

	return c > 0 || (c == 0 && id > b_id);
}

/* One attempt (a row of cells_sql) into its cell, the rows in any order. */
static void add_attempt(struct report_cell *c, struct cell_acc *a, sqlite3_stmt *s)
{
	const char *origin = (const char *)sqlite3_column_text(s, 1);
	const char *at = (const char *)sqlite3_column_text(s, 2);
	const char *verdict = (const char *)sqlite3_column_text(s, 4);
	int64_t id = sqlite3_column_int64(s, 3);
	int passed = sqlite3_column_int(s, 5), checks = sqlite3_column_int(s, 6);

	if (!origin || !at || !verdict)
		return;
	if (!strcmp(origin, "regrade")) {
		if (a->regrade_id && !later(at, id, &a->regrade_at, a->regrade_id))
			return;
		strbuf_reset(&a->regrade_at);
		strbuf_addstr(&a->regrade_at, at);
		a->regrade_id = id;
		snprintf(a->regrade_verdict, sizeof(a->regrade_verdict), "%s", verdict);
		a->regrade_passed = passed;
		a->regrade_checks = checks;
		return;
	}
	if (strcmp(origin, "self")) {
		/* An experiment is counted, and in nothing else; another origin, not even that. */
		c->experiments += !strcmp(origin, "experiment");
		return;
	}
	c->attempts++;
	strbuf_add(&a->times, at, strlen(at) + 1);
	if (!c->first_at || strcmp(at, c->first_at) < 0) {
		free(c->first_at);
		c->first_at = text_utf8_dup(at);
	}
	if (!a->self_id || later(at, id, &a->last_at, a->self_id)) {
		strbuf_reset(&a->last_at);
		strbuf_addstr(&a->last_at, at);
		a->self_id = id;
		snprintf(a->self_verdict, sizeof(a->self_verdict), "%s", verdict);
	}
	if (!strcmp(verdict, "pass") && (!c->passed_at || strcmp(at, c->passed_at) < 0)) {
		free(c->passed_at);
		c->passed_at = text_utf8_dup(at);
	}
	/* The best attempt: the largest share of its checks passed. */
	if (checks > 0 && (!a->has_best || (long long)passed * a->best_checks >
						   (long long)a->best_passed * checks)) {
		a->best_passed = passed;
		a->best_checks = checks;
		a->has_best = 1;
	}
}

/* Empty for the next learner, its buffers kept. */
static void acc_reset(struct cell_acc *a)
{
	struct strbuf times = a->times, last_at = a->last_at, regrade_at = a->regrade_at;

	memset(a, 0, sizeof(*a));
	strbuf_reset(&times);
	strbuf_reset(&last_at);
	strbuf_reset(&regrade_at);
	a->times = times;
	a->last_at = last_at;
	a->regrade_at = regrade_at;
}

/* The cell's verdicts, the attempt that counts, and its score. */
static void finish_cell(const struct report *r, const struct report_exercise *ex,
			struct report_cell *c, const struct cell_acc *a)
{
	if (a->self_id) {
		c->last_at = text_utf8_dup(strbuf_str(&a->last_at));
		/* Attempts up to the first pass: those started no later than it. */
		for (size_t i = 0; c->passed_at && i < a->times.len; i += strlen(a->times.buf + i) + 1)
			c->attempts_to_pass += strcmp(a->times.buf + i, c->passed_at) <= 0;
		c->self_verdict = xstrdup(c->passed_at ? "pass" : a->self_verdict);
		c->graded_id = a->self_id;
		c->checks_passed = a->best_passed;
		c->checks = a->best_checks;
	}
	if (a->regrade_id) {
		c->regrade_verdict = xstrdup(a->regrade_verdict);
		c->graded_id = a->regrade_id;
		c->checks_passed = a->regrade_passed;
		c->checks = a->regrade_checks;
	}
	c->score = report_cell_score(r->credit, ex->points, c);
}

/* The failing checks of the attempts that count, of the cells not passed. */
static int load_checks(struct report *r, struct report_learner *l)
{
	sqlite3_stmt *s = r->cur->checks;
	struct strbuf ids = STRBUF_INIT;
	int n = 0, rc, e = 0;

	strbuf_addch(&ids, '[');
	for (int i = 0; i < r->nexercises; i++)
		if (l->cells[i].graded_id && !report_cell_passed(&l->cells[i]))
			strbuf_addf(&ids, "%s%lld", n++ ? "," : "", (long long)l->cells[i].graded_id);
	strbuf_addch(&ids, ']');
	if (!n) {
		strbuf_release(&ids);
		return 0;
	}
	sqlite3_reset(s);
	sqlite3_bind_text(s, 1, ids.buf, (int)ids.len, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		struct report_cell *c;
		struct report_check *k;

		/* Rows come by attempt; a cell's attempt is looked for from the last one's. */
		for (int tries = 0; tries < r->nexercises && l->cells[e].graded_id != id; tries++)
			e = (e + 1) % r->nexercises;
		c = &l->cells[e];
		if (c->graded_id != id)
			continue;
		c->failing = xrealloc(c->failing, (size_t)(c->nfailing + 1) * sizeof(*k));
		k = &c->failing[c->nfailing++];
		k->name = report_col_dup(s, 1);
		k->status = report_col_dup(s, 2);
		k->expected = report_col_dup(s, 3);
		k->observed = report_col_dup(s, 4);
		k->hint = report_col_dup(s, 5);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	strbuf_release(&ids);
	if (rc != SQLITE_DONE)
		return cur_fail(r, "reading checks");
	return 0;
}

static void hist_add(struct report_hist *h, int v)
{
	/* A bound on the histogram's size; no learner tries an exercise that often. */
	if (v > 100000)
		v = 100000;
	if (v >= h->len) {
		int len = v + 16;

		h->n = xrealloc(h->n, (size_t)len * sizeof(*h->n));
		memset(h->n + h->len, 0, (size_t)(len - h->len) * sizeof(*h->n));
		h->len = len;
	}
	h->n[v]++;
	h->count++;
	h->sum += v;
}

/* The value at rank k (from 0) of those counted. */
static int hist_rank(const struct report_hist *h, long k)
{
	for (int v = 0; v < h->len; v++) {
		if (k < h->n[v])
			return v;
		k -= h->n[v];
	}
	return 0;
}

double report_hist_median(const struct report_hist *h)
{
	if (!h->count)
		return 0;
	if (h->count % 2)
		return hist_rank(h, h->count / 2);
	return (hist_rank(h, h->count / 2 - 1) + hist_rank(h, h->count / 2)) / 2.0;
}

/* One more pass on the day of date (YYYY-MM-DD...), the days kept in order. */
static void day_add(struct report_stats *st, const char *date)
{
	int lo = 0, hi = st->ndays;

	while (lo < hi) {
		int mid = (lo + hi) / 2, c = strncmp(st->days[mid].date, date, 10);

		if (!c) {
			st->days[mid].passes++;
			return;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	st->days = xrealloc(st->days, (size_t)(st->ndays + 1) * sizeof(*st->days));
	memmove(&st->days[lo + 1], &st->days[lo], (size_t)(st->ndays - lo) * sizeof(*st->days));
	memcpy(st->days[lo].date, date, 10);
	st->days[lo].date[10] = '\0';
	st->days[lo].passes = 1;
	st->ndays++;
}

static void add_stats(struct report *r, const struct report_learner *l)
{
	struct report_stats *st = &r->stats;

	st->learners++;
	for (int e = 0; e < r->nexercises; e++) {
		const struct report_cell *c = &l->cells[e];
		enum report_status status = report_cell_status(c);

		st->passes[e] += report_cell_passed(c);
		st->started += c->attempts > 0 || c->regrade_verdict;
		st->disagree += status == REPORT_DISAGREE;
		st->stale += c->stale;
		st->attempts += c->attempts;
		if (c->attempts_to_pass > 0) {
			hist_add(&st->to_pass[e], c->attempts_to_pass);
			hist_add(&st->to_pass_all, c->attempts_to_pass);
		}
		/* By the day of the learner's own first pass: a disagreeing regrade takes it away. */
		if (status == REPORT_PASS && c->passed_at && strlen(c->passed_at) >= 10)
			day_add(st, c->passed_at);
	}
	st->cells_passed += l->passed;
	st->done += l->passed == r->nexercises;
	st->score += l->score;
}

/* The exercises a JSON array of the learners query names stale. */
static void mark_stale(struct report *r, struct report_learner *l, const unsigned char *json)
{
	struct json_object *arr = json ? json_tokener_parse((const char *)json) : NULL;
	size_t n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *ex = json_object_get_string(json_object_array_get_idx(arr, i));
		int e = ex ? exercise_index(r, ex) : -1;

		if (e >= 0)
			l->cells[e].stale = 1;
	}
	json_object_put(arr);
}

int report_next(struct report *r, struct report_learner *l)
{
	struct report_cursor *cur = r->cur;
	sqlite3_stmt *s = cur->cells;
	const char *ex = NULL;
	int rc, e = -1;

	rc = sqlite3_step(cur->learners);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return cur_fail(r, "reading learners");
	if (l->ncells != r->nexercises) {
		report_learner_release(l);
		l->cells = xcalloc((size_t)r->nexercises + 1, sizeof(*l->cells));
		l->ncells = r->nexercises;
	}
	for (int i = 0; i < l->ncells; i++)
		cell_reset(&l->cells[i]);
	for (int i = 0; i < r->nexercises; i++)
		acc_reset(&cur->acc[i]);
	free(l->login);
	free(l->name);
	l->id = sqlite3_column_int64(cur->learners, 0);
	l->login = report_col_dup(cur->learners, 1);
	l->name = report_col_dup(cur->learners, 2);
	l->passed = 0;
	l->score = 0;
	mark_stale(r, l, sqlite3_column_text(cur->learners, 3));

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, l->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *row_ex = (const char *)sqlite3_column_text(s, 0);

		if (!row_ex)
			continue;
		if (!ex || strcmp(ex, row_ex)) {
			e = exercise_index(r, row_ex);
			ex = e >= 0 ? r->exercises[e].id : NULL;
		}
		if (e >= 0)
			add_attempt(&l->cells[e], &cur->acc[e], s);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return cur_fail(r, "reading attempts");
	for (int i = 0; i < r->nexercises; i++) {
		finish_cell(r, &r->exercises[i], &l->cells[i], &cur->acc[i]);
		l->passed += report_cell_passed(&l->cells[i]);
		l->score += l->cells[i].score;
	}
	if (r->details && load_checks(r, l) < 0)
		return -1;
	add_stats(r, l);
	return 1;
}

/* ---- the checks failed most ---- */

/*
 * The checks failed most, over the report's learners: a query that scans
 * every failed check row and takes as long as reading the learners does,
 * so it runs on a read-only connection of its own, in a thread of its
 * own, while the learners are read.
 */
/* One read of the checks failed most, and what it found. */
struct report_failing_job {
	char *path;
	int is_class;
	int64_t only;
	struct report_failing *failing;
	int nfailing;
	char *err;		/* what went wrong, reported by the thread that waits */
	pthread_t thread;
	int started;
};

static void *failing_thread(void *arg)
{
	struct report_failing_job *j = arg;
	struct store *st;
	sqlite3_stmt *s = NULL;
	char *sql;
	int rc;

	/*
	 * A scan of the failed check rows: the unary + keeps the planner
	 * from driving the join from the learner list (three times slower).
	 */
	sql = xasprintf("SELECT a.exercise, c.name, count(*), count(DISTINCT a.learner_id)"
			" FROM check_result c JOIN attempt a ON a.id = c.attempt_id"
			" WHERE c.status IN ('fail', 'error') AND a.origin = 'self' AND %s"
			" GROUP BY a.exercise, c.name ORDER BY 4 DESC, 3 DESC, 1, 2 LIMIT ?3",
			j->only ? "a.learner_id = ?2"
				: "+a.learner_id IN (SELECT id FROM learner WHERE is_self = ?1)");
	st = store_open_readonly(j->path, &j->err);
	rc = st ? store_prepare(st, sql, &s, "reading failed checks") : -1;
	free(sql);
	if (rc < 0)
		goto out;
	sqlite3_bind_int(s, 1, j->is_class ? 0 : 1);
	sqlite3_bind_int64(s, 2, j->only);
	sqlite3_bind_int(s, 3, REPORT_TOP_FAILING);
	j->failing = xcalloc(REPORT_TOP_FAILING, sizeof(*j->failing));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && j->nfailing < REPORT_TOP_FAILING) {
		struct report_failing *f = &j->failing[j->nfailing++];

		f->exercise = report_col_dup(s, 0);
		f->name = report_col_dup(s, 1);
		f->attempts = sqlite3_column_int(s, 2);
		f->learners = sqlite3_column_int(s, 3);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_fail(st, "reading failed checks");
out:
	if (st && store_kept_error(st))
		j->err = xstrdup(store_kept_error(st));
	sqlite3_finalize(s);
	store_close(st);
	return NULL;
}

void report_start_failing(struct report *r)
{
	struct report_failing_job *j;

	if (r->failing_job || r->failing || !r->nlearners)
		return;
	r->failing_job = j = xcalloc(1, sizeof(*j));
	j->path = xstrdup(store_path(r->cur->st));
	j->is_class = r->is_class;
	j->only = r->cur->only;
	/* An SQLite built without threads, or no thread to be had: here, then. */
	if (!sqlite3_threadsafe() || pthread_create(&j->thread, NULL, failing_thread, j) != 0)
		failing_thread(j);
	else
		j->started = 1;
}

/*
 * Wait for the checks failed most, if they are being read; with take set,
 * put them in r, or say their error and return -1; without, drop them and
 * their error.
 */
static int report_failing_wait(struct report *r, int take)
{
	struct report_failing_job *j = r->failing_job;
	int ret = 0;

	if (!j)
		return 0;
	if (j->started)
		pthread_join(j->thread, NULL);
	if (j->err)
		ret = take ? error("%s", j->err) : -1;
	if (take && !j->err) {
		r->failing = j->failing;
		r->nfailing = j->nfailing;
		j->failing = NULL;
	}
	for (int i = 0; j->failing && i < j->nfailing; i++) {
		free(j->failing[i].exercise);
		free(j->failing[i].name);
	}
	free(j->failing);
	free(j->err);
	free(j->path);
	free(j);
	r->failing_job = NULL;
	return ret;
}

int report_load_failing(struct report *r)
{
	report_start_failing(r);
	return report_failing_wait(r, 1);
}

void report_close(struct report *r)
{
	struct report_cursor *cur = r->cur;

	report_failing_wait(r, 0);
	if (cur) {
		sqlite3_finalize(cur->learners);
		sqlite3_finalize(cur->cells);
		sqlite3_finalize(cur->checks);
		if (cur->in_tx)
			store_end_read(cur->st);
		for (int e = 0; cur->acc && e < r->nexercises; e++) {
			strbuf_release(&cur->acc[e].times);
			strbuf_release(&cur->acc[e].last_at);
			strbuf_release(&cur->acc[e].regrade_at);
		}
		free(cur->acc);
		free(cur);
	}
	for (int e = 0; e < r->nexercises; e++) {
		free(r->exercises[e].id);
		free(r->exercises[e].title);
		if (r->stats.to_pass)
			free(r->stats.to_pass[e].n);
	}
	free(r->exercises);
	free(r->stats.passes);
	free(r->stats.to_pass);
	free(r->stats.to_pass_all.n);
	free(r->stats.days);
	for (int i = 0; i < r->nfailing; i++) {
		free(r->failing[i].exercise);
		free(r->failing[i].name);
	}
	free(r->failing);
	free(r->title);
	free(r->course_id);
	free(r->course_title);
	free(r->course_version);
	memset(r, 0, sizeof(*r));
}

/* ---- cells and scores ---- */

const char *report_cell_verdict(const struct report_cell *c)
{
	return c->regrade_verdict ? c->regrade_verdict : c->self_verdict;
}

int report_cell_passed(const struct report_cell *c)
{
	const char *v = report_cell_verdict(c);

	return v && !strcmp(v, "pass");
}

enum report_status report_cell_status(const struct report_cell *c)
{
	const char *v = report_cell_verdict(c);

	if (!v)
		return REPORT_NEW;
	if (c->self_verdict && c->regrade_verdict && strcmp(c->self_verdict, c->regrade_verdict))
		return REPORT_DISAGREE;
	return !strcmp(v, "pass") ? REPORT_PASS : REPORT_FAIL;
}

int report_cell_score(enum course_credit credit, int points, const struct report_cell *c)
{
	long long passed = c->checks_passed, checks = c->checks;

	if (report_cell_passed(c))
		return points * 100;
	if (credit != CREDIT_PARTIAL || checks <= 0 || !report_cell_verdict(c))
		return 0;
	if (passed < 0)
		passed = 0;
	if (passed > checks)
		passed = checks;
	/* points x passed / checks in hundredths, rounded half up */
	return (int)((200LL * points * passed + checks) / (2 * checks));
}
