#include "report.h"

#include <ctype.h>
#include <json-c/json.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "course.h"
#include "util.h"

/* ---- loading ---- */

/*
 * Text from the database as valid UTF-8 (a bad byte becomes U+FFFD), so
 * that no writer has to worry about it; NULL stays NULL.
 */
static char *utf8_dup(const unsigned char *s)
{
	struct strbuf sb = STRBUF_INIT;

	if (!s)
		return NULL;
	while (*s) {
		int n = *s < 0x80 ? 1 : (*s & 0xe0) == 0xc0 ? 2 : (*s & 0xf0) == 0xe0 ? 3 :
			(*s & 0xf8) == 0xf0 ? 4 : 0;
		int ok = n > 0 && !(n == 2 && *s < 0xc2) && !(n == 4 && *s > 0xf4);

		for (int i = 1; ok && i < n; i++)
			ok = (s[i] & 0xc0) == 0x80;
		if (ok) {
			strbuf_add(&sb, s, (size_t)n);
			s += n;
		} else {
			strbuf_addstr(&sb, "\xef\xbf\xbd");
			s++;
		}
	}
	if (!sb.buf)
		return xstrdup("");
	return strbuf_detach(&sb, NULL);
}

static char *col_dup(sqlite3_stmt *s, int i)
{
	return utf8_dup(sqlite3_column_text(s, i));
}

struct id_index {
	int64_t id;
	int index;
};

static int id_cmp(const void *a, const void *b)
{
	const struct id_index *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int exercise_index(struct report *r, const char *id)
{
	for (int i = 0; i < r->nexercises; i++)
		if (!strcmp(r->exercises[i].id, id))
			return i;
	return -1;
}

static void add_exercise(struct report *r, const char *id, const char *title, int lesson)
{
	struct report_exercise *e;

	r->exercises = xrealloc(r->exercises, (size_t)(r->nexercises + 1) * sizeof(*e));
	e = &r->exercises[r->nexercises++];
	e->id = xstrdup(id);
	e->title = xstrdup(title);
	e->lesson = lesson;
	e->max_score = 0;
	for (int i = 0; i < r->nlearners; i++) {
		struct report_learner *l = &r->learners[i];

		l->cells = xrealloc(l->cells, (size_t)r->nexercises * sizeof(*l->cells));
		memset(&l->cells[r->nexercises - 1], 0, sizeof(*l->cells));
	}
}

static int db_fail(sqlite3 *db, const char *path, const char *what)
{
	return error("database '%s': %s: %s", path, what, sqlite3_errmsg(db));
}

/*
 * Names as people sort them: case aside, and runs of digits by their value
 * ("Learner 2" before "Learner 10").
 */
int natural_casecmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			const char *x = a, *y = b;
			size_t nx, ny;
			int c;

			while (*x == '0' && isdigit((unsigned char)x[1]))
				x++;
			while (*y == '0' && isdigit((unsigned char)y[1]))
				y++;
			for (nx = 0; isdigit((unsigned char)x[nx]); nx++)
				;
			for (ny = 0; isdigit((unsigned char)y[ny]); ny++)
				;
			if (nx != ny)
				return nx < ny ? -1 : 1;
			c = strncmp(x, y, nx);
			if (c)
				return c;
			a = x + nx;
			b = y + ny;
			continue;
		}
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return tolower((unsigned char)*a) - tolower((unsigned char)*b);
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static int learner_cmp(const void *pa, const void *pb)
{
	const struct report_learner *a = pa, *b = pb;
	int c = natural_casecmp(a->name ? a->name : "", b->name ? b->name : "");

	return c ? c : strcmp(a->login ? a->login : "", b->login ? b->login : "");
}

static int load_learners(sqlite3 *db, const char *path, const struct report_options *o,
			 struct report *r)
{
	sqlite3_stmt *s = NULL;
	int alloc = 0, rc;

	if (sqlite3_prepare_v2(db,
			       "SELECT id, login, name FROM learner WHERE is_self = ?1"
			       " AND (?2 IS NULL OR login = ?2 OR CAST(id AS TEXT) = ?2)"
			       " ORDER BY ?2 IS NOT NULL AND login IS NOT ?2,"
			       " name COLLATE NOCASE, login, id",
			       -1, &s, NULL) != SQLITE_OK)
		return db_fail(db, path, "reading learners");
	sqlite3_bind_int(s, 1, o->is_class ? 0 : 1);
	if (o->learner)
		sqlite3_bind_text(s, 2, o->learner, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct report_learner *l;

		if (r->nlearners == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			r->learners = xrealloc(r->learners, (size_t)alloc * sizeof(*l));
		}
		l = &r->learners[r->nlearners++];
		memset(l, 0, sizeof(*l));
		l->id = sqlite3_column_int64(s, 0);
		l->login = col_dup(s, 1);
		l->name = col_dup(s, 2);
		l->cells = xcalloc((size_t)r->nexercises + 1, sizeof(*l->cells));
		if (o->learner)
			break;	/* the login, before another learner's numeric id */
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(db, path, "reading learners");
	if (r->nlearners > 1)	/* no learners: r->learners is NULL, which qsort() may not get */
		qsort(r->learners, (size_t)r->nlearners, sizeof(*r->learners), learner_cmp);
	return 0;
}

/*
 * One row per (learner, exercise) with attempts, in one pass over the
 * attempt_by_exercise index (a window function over 220,000 attempts
 * took three times as long).  The latest attempt of an origin is the
 * greatest "started_at|id|verdict|score|max_score", parsed by
 * parse_latest(); the attempts up to the first pass are counted against
 * the first pass found by the inner query.
 */
static const char cells_sql[] =
	"WITH p AS (SELECT learner_id, exercise,"
	"   min(CASE WHEN origin = 'self' AND verdict = 'pass' THEN started_at END) AS passed_at"
	"  FROM attempt %s GROUP BY learner_id, exercise)"
	" SELECT a.learner_id, a.exercise,"
	"  sum(origin = 'self'),"
	"  min(CASE WHEN origin = 'self' THEN started_at END),"
	"  p.passed_at,"
	"  max(CASE WHEN origin = 'self' THEN started_at END),"
	"  sum(origin = 'self' AND started_at <= p.passed_at),"
	"  max(CASE WHEN origin = 'self' THEN"
	"   started_at || printf('|%%012d|', id) || verdict || '|' || score || '|' || max_score END),"
	"  max(CASE WHEN origin = 'regrade' THEN"
	"   started_at || printf('|%%012d|', id) || verdict || '|' || score || '|' || max_score END),"
	"  max(CASE WHEN origin = 'self' THEN score END),"
	"  max(CASE WHEN origin = 'self' THEN max_score END),"
	"  max(max_score)"
	" FROM attempt a JOIN p ON p.learner_id = a.learner_id AND p.exercise = a.exercise"
	" GROUP BY a.learner_id, a.exercise";

struct latest {
	int64_t id;
	char verdict[8];
	int score, max_score;
};

/* "started_at|id|verdict|score|max_score" (NULL: no attempt of that origin). */
static int parse_latest(const unsigned char *text, struct latest *l)
{
	const char *s = (const char *)text, *bar = s ? strchr(s, '|') : NULL;
	long long id;

	memset(l, 0, sizeof(*l));
	if (!bar || sscanf(bar, "|%lld|%7[a-z]|%d|%d", &id, l->verdict, &l->score,
			   &l->max_score) != 4)
		return 0;
	l->id = id;
	return 1;
}

static int load_cells(sqlite3 *db, const char *path, const struct report_options *o,
		      struct report *r)
{
	struct id_index *map = xcalloc((size_t)r->nlearners + 1, sizeof(*map));
	sqlite3_stmt *s = NULL;
	char *sql = NULL;
	int rc, ret = -1;

	for (int i = 0; i < r->nlearners; i++) {
		map[i].id = r->learners[i].id;
		map[i].index = i;
	}
	qsort(map, (size_t)r->nlearners, sizeof(*map), id_cmp);
	/* One learner's attempts come through the index (cells_sql is a format). */
	sql = xasprintf(cells_sql, o->learner ? "WHERE learner_id = ?1" : "");
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		db_fail(db, path, "reading attempts");
		goto out;
	}
	if (o->learner)
		sqlite3_bind_int64(s, 1, r->learners[0].id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct id_index key = { .id = sqlite3_column_int64(s, 0) }, *hit;
		const char *ex = (const char *)sqlite3_column_text(s, 1);
		struct latest self, regrade;
		struct report_cell *c;
		int e;

		if (!ex)
			continue;
		e = exercise_index(r, ex);
		if (e < 0) {
			/* Graded once, no longer in the course: still reported. */
			add_exercise(r, ex, ex, 0);
			e = r->nexercises - 1;
		}
		if (sqlite3_column_int(s, 11) > r->exercises[e].max_score)
			r->exercises[e].max_score = sqlite3_column_int(s, 11);
		hit = bsearch(&key, map, (size_t)r->nlearners, sizeof(*map), id_cmp);
		if (!hit)
			continue;	/* another kind of learner */
		c = &r->learners[hit->index].cells[e];
		c->attempts = sqlite3_column_int(s, 2);
		c->first_at = col_dup(s, 3);
		c->passed_at = col_dup(s, 4);
		c->last_at = col_dup(s, 5);
		c->attempts_to_pass = c->passed_at ? sqlite3_column_int(s, 6) : 0;
		if (parse_latest(sqlite3_column_text(s, 7), &self)) {
			c->self_verdict = xstrdup(c->passed_at ? "pass" : self.verdict);
			c->graded_id = self.id;
			c->has_score = 1;
			c->score = sqlite3_column_int(s, 9);
			c->max_score = sqlite3_column_int(s, 10);
		}
		if (parse_latest(sqlite3_column_text(s, 8), &regrade)) {
			c->regrade_verdict = xstrdup(regrade.verdict);
			c->graded_id = regrade.id;
			c->has_score = 1;
			c->score = regrade.score;
			c->max_score = regrade.max_score;
		}
	}
	if (rc != SQLITE_DONE) {
		db_fail(db, path, "reading attempts");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(s);
	free(sql);
	free(map);
	return ret;
}

/*
 * One learner's report has the columns and maximum scores of the whole
 * database's, so that it matches their row in the full report.
 */
static int load_exercises(sqlite3 *db, const char *path, struct report *r)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT exercise, max(max_score) FROM attempt GROUP BY exercise",
			       -1, &s, NULL) != SQLITE_OK)
		return db_fail(db, path, "reading exercises");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *ex = (const char *)sqlite3_column_text(s, 0);
		int e = ex ? exercise_index(r, ex) : -1;

		if (!ex)
			continue;
		if (e < 0) {
			add_exercise(r, ex, ex, 0);
			e = r->nexercises - 1;
		}
		r->exercises[e].max_score = sqlite3_column_int(s, 1);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(db, path, "reading exercises");
	return 0;
}

/* The latest submission of each learner and exercise says whether it is stale. */
static int load_stale(sqlite3 *db, const char *path, struct report *r)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (!r->nlearners)
		return 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT learner_id, exercise, self_stale FROM ("
			       " SELECT s.learner_id, e.exercise, e.self_stale, row_number() OVER"
			       "  (PARTITION BY s.learner_id, e.exercise"
			       /* the last imported, not the learner's clock */
			       "   ORDER BY s.id DESC) AS n"
			       " FROM submission_exercise e JOIN submission s ON s.id = e.submission_id)"
			       " WHERE n = 1 AND self_stale = 1",
			       -1, &s, NULL) != SQLITE_OK)
		return db_fail(db, path, "reading submissions");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		const char *ex = (const char *)sqlite3_column_text(s, 1);
		int e = ex ? exercise_index(r, ex) : -1;

		if (e < 0)
			continue;
		/* Few stale cells: a linear search per row is cheap enough. */
		for (int i = 0; i < r->nlearners; i++)
			if (r->learners[i].id == id)
				r->learners[i].cells[e].stale = 1;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(db, path, "reading submissions");
	return 0;
}

/* The failing checks of every cell's graded attempt, in one query. */
static int load_failing_checks(sqlite3 *db, const char *path, struct report *r)
{
	struct strbuf ids = STRBUF_INIT;
	struct id_index *map;
	sqlite3_stmt *s = NULL;
	int n = 0, rc, ret = -1;

	map = xcalloc((size_t)r->nlearners * (size_t)r->nexercises + 1, sizeof(*map));
	strbuf_addch(&ids, '[');
	for (int i = 0; i < r->nlearners; i++)
		for (int e = 0; e < r->nexercises; e++) {
			const struct report_cell *c = &r->learners[i].cells[e];

			if (!c->graded_id || !strcmp(report_cell_verdict(c), "pass"))
				continue;
			strbuf_addf(&ids, "%s%lld", n ? "," : "", (long long)c->graded_id);
			map[n].id = c->graded_id;
			map[n++].index = i * r->nexercises + e;
		}
	strbuf_addch(&ids, ']');
	if (!n) {
		ret = 0;
		goto out;
	}
	qsort(map, (size_t)n, sizeof(*map), id_cmp);
	if (sqlite3_prepare_v2(db,
			       "SELECT attempt_id, name, status, expected, observed, hint"
			       " FROM check_result WHERE attempt_id IN (SELECT value FROM json_each(?1))"
			       " AND status IN ('fail', 'error') ORDER BY attempt_id, seq",
			       -1, &s, NULL) != SQLITE_OK) {
		db_fail(db, path, "reading checks");
		goto out;
	}
	sqlite3_bind_text(s, 1, ids.buf, (int)ids.len, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct id_index key = { .id = sqlite3_column_int64(s, 0) }, *hit;
		struct report_cell *c;
		struct report_check *k;

		hit = bsearch(&key, map, (size_t)n, sizeof(*map), id_cmp);
		if (!hit)
			continue;
		c = &r->learners[hit->index / r->nexercises].cells[hit->index % r->nexercises];
		c->failing = xrealloc(c->failing, (size_t)(c->nfailing + 1) * sizeof(*k));
		k = &c->failing[c->nfailing++];
		k->name = col_dup(s, 1);
		k->status = col_dup(s, 2);
		k->expected = col_dup(s, 3);
		k->observed = col_dup(s, 4);
		k->hint = col_dup(s, 5);
	}
	if (rc != SQLITE_DONE) {
		db_fail(db, path, "reading checks");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(s);
	strbuf_release(&ids);
	free(map);
	return ret;
}

static int load_top_failing(sqlite3 *db, const char *path, const struct report_options *o,
			    struct report *r)
{
	sqlite3_stmt *s = NULL;
	char *sql;
	int rc;

	if (!r->nlearners)
		return 0;
	/*
	 * A scan of the failed check rows: the unary + keeps the planner
	 * from driving the join from the learner list (three times slower).
	 */
	sql = xasprintf("SELECT a.exercise, c.name, count(*), count(DISTINCT a.learner_id)"
			" FROM check_result c JOIN attempt a ON a.id = c.attempt_id"
			" WHERE c.status IN ('fail', 'error') AND a.origin = 'self' AND %s"
			" GROUP BY a.exercise, c.name ORDER BY 4 DESC, 3 DESC, 1, 2 LIMIT ?3",
			o->learner ? "a.learner_id = ?2"
				   : "+a.learner_id IN (SELECT id FROM learner WHERE is_self = ?1)");
	rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return db_fail(db, path, "reading failed checks");
	sqlite3_bind_int(s, 1, r->is_class ? 0 : 1);
	if (o->learner)
		sqlite3_bind_int64(s, 2, r->learners[0].id);
	sqlite3_bind_int(s, 3, REPORT_TOP_FAILING);
	r->failing = xcalloc(REPORT_TOP_FAILING, sizeof(*r->failing));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && r->nfailing < REPORT_TOP_FAILING) {
		struct report_failing *f = &r->failing[r->nfailing++];

		f->exercise = col_dup(s, 0);
		f->name = col_dup(s, 1);
		f->attempts = sqlite3_column_int(s, 2);
		f->learners = sqlite3_column_int(s, 3);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(db, path, "reading failed checks");
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Passes by day: the cells that count as passed, on the day of the
 * learner's own first pass (a disagreeing regrade takes a pass away).
 */
static void count_days(struct report *r)
{
	char **dates = xcalloc((size_t)r->nlearners * (size_t)r->nexercises + 1, sizeof(char *));
	int n = 0;

	for (int i = 0; i < r->nlearners; i++)
		for (int e = 0; e < r->nexercises; e++)
			if (r->learners[i].cells[e].passed_at &&
			    strlen(r->learners[i].cells[e].passed_at) >= 10 &&
			    report_cell_status(&r->learners[i].cells[e]) == REPORT_PASS)
				dates[n++] = r->learners[i].cells[e].passed_at;
	qsort(dates, (size_t)n, sizeof(char *), str_cmp);
	for (int i = 0; i < n; i++) {
		if (!r->ndays || strncmp(r->days[r->ndays - 1].date, dates[i], 10)) {
			r->days = xrealloc(r->days, (size_t)(r->ndays + 1) * sizeof(*r->days));
			memcpy(r->days[r->ndays].date, dates[i], 10);
			r->days[r->ndays].date[10] = '\0';
			r->days[r->ndays++].passes = 0;
		}
		r->days[r->ndays - 1].passes++;
	}
	free(dates);
}

int report_load(sqlite3 *db, const char *path, const struct course *course,
		const struct report_options *o, struct report *r)
{
	memset(r, 0, sizeof(*r));
	r->is_class = o->is_class;
	r->title = xstrdup(o->title ? o->title : "");
	utc_now(r->generated_at);
	for (int i = 0; i < course->nlessons; i++)
		for (int j = 0; j < course->lessons[i].nexercises; j++) {
			const struct exercise *ex = &course->lessons[i].exercises[j];

			add_exercise(r, ex->id, ex->title, course->lessons[i].number);
		}
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, path, "reading");
	if (load_learners(db, path, o, r) < 0)
		goto fail;
	if (o->learner && !r->nlearners) {
		error("no learner '%s' in '%s': give a login or an id from the report's id "
		      "column (csv or json)", o->learner, path);
		goto fail;
	}
	if ((o->learner && load_exercises(db, path, r) < 0) ||
	    load_cells(db, path, o, r) < 0 || load_stale(db, path, r) < 0 ||
	    load_failing_checks(db, path, r) < 0 || load_top_failing(db, path, o, r) < 0)
		goto fail;
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	for (int i = 0; i < r->nlearners; i++)
		for (int e = 0; e < r->nexercises; e++)
			r->learners[i].passed +=
				report_cell_status(&r->learners[i].cells[e]) == REPORT_PASS;
	count_days(r);
	return 0;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	report_release(r);
	return -1;
}

static void cell_release(struct report_cell *c)
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
}

void report_release(struct report *r)
{
	for (int i = 0; i < r->nlearners; i++) {
		for (int e = 0; e < r->nexercises; e++)
			cell_release(&r->learners[i].cells[e]);
		free(r->learners[i].cells);
		free(r->learners[i].login);
		free(r->learners[i].name);
	}
	free(r->learners);
	for (int e = 0; e < r->nexercises; e++) {
		free(r->exercises[e].id);
		free(r->exercises[e].title);
	}
	free(r->exercises);
	for (int i = 0; i < r->nfailing; i++) {
		free(r->failing[i].exercise);
		free(r->failing[i].name);
	}
	free(r->failing);
	free(r->days);
	free(r->title);
	memset(r, 0, sizeof(*r));
}

const char *report_cell_verdict(const struct report_cell *c)
{
	return c->regrade_verdict ? c->regrade_verdict : c->self_verdict;
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

/* ---- CSV ---- */

void csv_field(FILE *f, const char *s)
{
	if (!s)
		return;
	if (!s[strcspn(s, ",\"\r\n")]) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void report_write_csv(const struct report *r, FILE *f)
{
	fputs("id,name,exercise,attempts,first_attempt,passed_at,self_verdict,regrade_verdict,"
	      "score,max_score\r\n", f);
	for (int i = 0; i < r->nlearners; i++) {
		const struct report_learner *l = &r->learners[i];

		for (int e = 0; e < r->nexercises; e++) {
			const struct report_cell *c = &l->cells[e];

			csv_field(f, l->login);
			fputc(',', f);
			/*
			 * A name a spreadsheet would run as a formula (=, +, -, @)
			 * gets a leading quote, as OWASP advises for CSV.
			 */
			if (l->name && strchr("=+-@\t\r", l->name[0]) && l->name[0]) {
				char *safe = xasprintf("'%s", l->name);

				csv_field(f, safe);
				free(safe);
			} else {
				csv_field(f, l->name);
			}
			fputc(',', f);
			csv_field(f, r->exercises[e].id);
			fprintf(f, ",%d,", c->attempts);
			csv_field(f, c->first_at);
			fputc(',', f);
			csv_field(f, c->passed_at);
			fputc(',', f);
			csv_field(f, c->self_verdict);
			fputc(',', f);
			csv_field(f, c->regrade_verdict);
			if (c->has_score)
				fprintf(f, ",%d,%d\r\n", c->score, c->max_score);
			else
				fputs(",,\r\n", f);
		}
	}
}

/* ---- JSON (Gradescope's results.json, one per learner) ---- */

/* A short explanation of a cell for a test's output. */
static void cell_explain(const struct report_cell *c, struct strbuf *sb)
{
	enum report_status st = report_cell_status(c);

	if (st == REPORT_NEW && !c->attempts) {
		strbuf_addstr(sb, "not started");
		return;
	}
	if (c->attempts) {
		strbuf_addf(sb, "%d attempt%s", c->attempts, c->attempts == 1 ? "" : "s");
		if (c->passed_at)
			strbuf_addf(sb, ", passed on attempt %d at %s", c->attempts_to_pass,
				    c->passed_at);
		else
			strbuf_addf(sb, ", not passed yet (latest: %s)", c->self_verdict);
	} else {
		strbuf_addstr(sb, "no attempt of the learner's own");
	}
	if (c->regrade_verdict)
		strbuf_addf(sb, "; clean regrade: %s", c->regrade_verdict);
	strbuf_addch(sb, '.');
	if (st == REPORT_DISAGREE)
		strbuf_addf(sb, "\nThe learner's own runs say %s but the clean regrade says %s.",
			    c->self_verdict, c->regrade_verdict);
	if (c->stale)
		strbuf_addstr(sb, "\nThe submitted source is not the one the learner graded.");
	if (c->nfailing) {
		strbuf_addf(sb, "\nFailing checks (%s):", c->regrade_verdict ? "clean regrade"
									  : "latest attempt");
		for (int i = 0; i < c->nfailing; i++) {
			const struct report_check *k = &c->failing[i];

			strbuf_addf(sb, "\n- %s: %s", k->name, k->observed ? k->observed : k->status);
			if (k->expected)
				strbuf_addf(sb, " (expected: %s)", k->expected);
		}
	}
}

static struct json_object *learner_results(const struct report *r, const struct report_learner *l)
{
	struct json_object *res = json_object_new_object(), *tests = json_object_new_array();
	struct strbuf sb = STRBUF_INIT;
	int score = 0, max = 0;

	for (int e = 0; e < r->nexercises; e++) {
		const struct report_exercise *ex = &r->exercises[e];
		const struct report_cell *c = &l->cells[e];
		struct json_object *t = json_object_new_object();
		int tmax = c->has_score ? c->max_score : ex->max_score;
		int tscore = c->has_score ? c->score : 0;
		char number[16];

		strbuf_reset(&sb);
		cell_explain(c, &sb);
		snprintf(number, sizeof(number), "%d", ex->lesson);
		json_object_object_add(t, "name", json_object_new_string(ex->title));
		if (ex->lesson)
			json_object_object_add(t, "number", json_object_new_string(number));
		json_object_object_add(t, "score", json_object_new_int(tscore));
		json_object_object_add(t, "max_score", json_object_new_int(tmax));
		json_object_object_add(t, "status",
				       json_object_new_string(report_cell_status(c) == REPORT_PASS
								      ? "passed" : "failed"));
		json_object_object_add(t, "output", json_object_new_string(strbuf_str(&sb)));
		json_object_array_add(tests, t);
		score += tscore;
		max += tmax;
	}
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s: %d of %d exercises passed", l->name, l->passed, r->nexercises);
	json_object_object_add(res, "score", json_object_new_int(score));
	json_object_object_add(res, "max_score", json_object_new_int(max));
	json_object_object_add(res, "output", json_object_new_string(strbuf_str(&sb)));
	json_object_object_add(res, "tests", tests);
	strbuf_release(&sb);
	return res;
}

void report_write_json(const struct report *r, FILE *f, int only_results)
{
	struct json_object *root;
	int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE;

	if (only_results && r->nlearners) {
		root = learner_results(r, &r->learners[0]);
	} else {
		struct json_object *arr = json_object_new_array();

		root = json_object_new_object();
		for (int i = 0; i < r->nlearners; i++) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "id", json_object_new_string(r->learners[i].login));
			json_object_object_add(o, "name", json_object_new_string(r->learners[i].name));
			json_object_object_add(o, "results", learner_results(r, &r->learners[i]));
			json_object_array_add(arr, o);
		}
		json_object_object_add(root, "generated_at", json_object_new_string(r->generated_at));
		json_object_object_add(root, "learners", arr);
	}
	fputs(json_object_to_json_string_ext(root, flags), f);
	fputc('\n', f);
	json_object_put(root);
}

/* ---- the terminal table ---- */

/* Columns a UTF-8 string takes (one per code point; no wide characters). */
static int text_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/*
 * Put at most max columns of s into sb, control characters (a hostile
 * name's escape sequences) shown as '?', "…" when cut; returns the width.
 */
static int term_text(struct strbuf *sb, const char *s, int max)
{
	int w = 0, total = text_width(s);

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch & 0xc0) != 0x80) {
			if (total > max && w == max - 1) {
				strbuf_addstr(sb, "\xe2\x80\xa6");
				return max;
			}
			w++;
		}
		if (ch < 0x20 || ch == 0x7f)
			strbuf_addch(sb, '?');
		else if (ch == 0xc2 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] < 0xa0) {
			strbuf_addch(sb, '?');	/* C1 controls */
			s++;
		} else
			strbuf_addch(sb, (char)ch);
	}
	return w;
}

static void cell_text(const struct report_cell *c, char *buf, size_t n)
{
	static const char *const sym[] = {
		[REPORT_NEW] = "\xc2\xb7", [REPORT_PASS] = "\xe2\x9c\x93",
		[REPORT_FAIL] = "\xe2\x9c\x97", [REPORT_DISAGREE] = "!",
	};
	enum report_status st = report_cell_status(c);

	if (st == REPORT_NEW && !c->attempts)
		snprintf(buf, n, "%s%s", sym[st], c->stale ? "*" : "");
	else
		snprintf(buf, n, "%s%d%s", sym[st], c->attempts, c->stale ? "*" : "");
}

static const char *status_color(enum report_status st)
{
	switch (st) {
	case REPORT_PASS:
		return "\033[32m";
	case REPORT_FAIL:
		return "\033[31m";
	case REPORT_DISAGREE:
		return "\033[1;35m";
	default:
		return "\033[2m";
	}
}

static void pad(FILE *f, int n)
{
	for (; n > 0; n--)
		fputc(' ', f);
}

void report_write_table(const struct report *r, FILE *f, int width, int color)
{
	const char *bold = color ? "\033[1m" : "", *off = color ? "\033[0m" : "";
	int *colw = xcalloc((size_t)r->nexercises + 1, sizeof(int));
	int *passes = xcalloc((size_t)r->nexercises + 1, sizeof(int));
	char **labels = xcalloc((size_t)r->nlearners + 1, sizeof(char *));
	int labelw = 7, labelmax = 28, widest = 0, total_pass = 0, disagree = 0, stale = 0;
	int started = 0;
	char buf[64], tot[32];
	int first = 0;

	for (int e = 0; e < r->nexercises; e++) {
		colw[e] = text_width(r->exercises[e].id);
		for (int i = 0; i < r->nlearners; i++) {
			const struct report_cell *c = &r->learners[i].cells[e];
			enum report_status st = report_cell_status(c);

			cell_text(c, buf, sizeof(buf));
			if (text_width(buf) > colw[e])
				colw[e] = text_width(buf);
			passes[e] += st == REPORT_PASS;
			disagree += st == REPORT_DISAGREE;
			stale += c->stale;
			started += c->attempts > 0 || c->regrade_verdict;
		}
		snprintf(tot, sizeof(tot), "%d/%d", passes[e], r->nlearners);
		if ((int)strlen(tot) > colw[e])
			colw[e] = (int)strlen(tot);
		if (colw[e] > widest)
			widest = colw[e];
		total_pass += passes[e];
	}
	/* Narrow terminals shorten the names so that one column and the total fit. */
	if (width && labelmax + 2 + widest + 8 > width)
		labelmax = width - 2 - widest - 8 < 8 ? 8 : width - 2 - widest - 8;
	for (int i = 0; i < r->nlearners; i++) {
		const struct report_learner *l = &r->learners[i];
		struct strbuf sb = STRBUF_INIT;
		char *label = strcmp(l->name, l->login) ? xasprintf("%s (%s)", l->name, l->login)
							: xstrdup(l->login);
		int w = term_text(&sb, label, labelmax);

		free(label);
		labels[i] = strbuf_detach(&sb, NULL);
		if (w > labelw)
			labelw = w;
	}
	fprintf(f, "%s%s%s: %d learner%s, %d exercises\n", bold,
		r->is_class ? "class report" : "progress report", off, r->nlearners,
		r->nlearners == 1 ? "" : "s", r->nexercises);
	/* Bands of columns that fit the width, each with the learners again. */
	while (first < r->nexercises) {
		int last = first, used = labelw + 2 + colw[first];

		/* The last band also holds the learners' totals ("  passed"). */
		while (last + 1 < r->nexercises &&
		       (!width || used + 2 + colw[last + 1] +
					  (last + 2 == r->nexercises ? 8 : 0) <= width))
			used += 2 + colw[++last];
		fputc('\n', f);
		fprintf(f, "%s%-*s", bold, labelw, "learner");
		for (int e = first; e <= last; e++)
			fprintf(f, "  %-*s", e < last || last == r->nexercises - 1 ? colw[e] : 0,
				r->exercises[e].id);
		if (last == r->nexercises - 1)
			fputs("  passed", f);
		fprintf(f, "%s\n", off);
		for (int i = 0; i < r->nlearners; i++) {
			const struct report_learner *l = &r->learners[i];

			fputs(labels[i], f);
			pad(f, labelw - text_width(labels[i]));
			for (int e = first; e <= last; e++) {
				const struct report_cell *c = &l->cells[e];

				cell_text(c, buf, sizeof(buf));
				fputs("  ", f);
				if (color)
					fputs(status_color(report_cell_status(c)), f);
				fputs(buf, f);
				fputs(off, f);
				if (e < last || last == r->nexercises - 1)
					pad(f, colw[e] - text_width(buf));
			}
			if (last == r->nexercises - 1)
				fprintf(f, "  %d/%d", l->passed, r->nexercises);
			fputc('\n', f);
		}
		fprintf(f, "%s%-*s", bold, labelw, "passed");
		for (int e = first; e <= last; e++) {
			snprintf(tot, sizeof(tot), "%d/%d", passes[e], r->nlearners);
			fprintf(f, "  %-*s", e < last ? colw[e] : 0, tot);
		}
		fprintf(f, "%s\n", off);
		first = last + 1;
	}
	fprintf(f, "\n%d of %d learner-exercises passed (%d%%), %d started", total_pass,
		r->nlearners * r->nexercises,
		r->nlearners && r->nexercises ? 100 * total_pass / (r->nlearners * r->nexercises) : 0,
		started);
	if (disagree)
		fprintf(f, ", %s%d where self and regrade disagree%s", color ? "\033[1;35m" : "",
			disagree, off);
	if (stale)
		fprintf(f, ", %d stale", stale);
	fputs("\n\xe2\x9c\x93 passed  \xe2\x9c\x97 not yet  \xc2\xb7 not started  "
	      "! self and regrade disagree\n* submitted source is not the graded one;  "
	      "numbers: the learner's attempts\n", f);
	for (int i = 0; i < r->nlearners; i++)
		free(labels[i]);
	free(labels);
	free(colw);
	free(passes);
}
