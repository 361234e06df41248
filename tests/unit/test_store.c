/*
 * The learner's SQLite store (grader/store.h), each test on a fresh
 * database in its own temporary directory, checked through the API and
 * through a second, plain sqlite3 connection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "util.h"

struct fixture {
	char *dir;
	char *db;	/* dir/state/kmemlab.db: the store creates state/ */
};

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	char tmpl[] = "/tmp/kmemlab-test-store-XXXXXX";

	if (!mkdtemp(tmpl)) {
		free(fx);
		return -1;
	}
	fx->dir = xstrdup(tmpl);
	fx->db = xasprintf("%s/state/kmemlab.db", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	remove_tree(fx->dir);
	free(fx->dir);
	free(fx->db);
	free(fx);
	return 0;
}

/* ---- a plain sqlite3 connection, to look behind the API ---- */

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK)
		fail_msg("cannot open '%s': %s", path, db ? sqlite3_errmsg(db) : "no memory");
	return db;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err ? err : "?");
}

/* The first column of the first row as an integer (-1 without a row). */
static long long raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* The same as allocated text ("(null)" for NULL, "(none)" without a row). */
static char *raw_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	char *v;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);

		v = xstrdup(t ? (const char *)t : "(null)");
	} else {
		v = xstrdup("(none)");
	}
	sqlite3_finalize(s);
	return v;
}

static long long file_int(const char *path, const char *sql)
{
	sqlite3 *db = raw_open(path);
	long long v = raw_int(db, sql);

	sqlite3_close(db);
	return v;
}

static void assert_raw_text(sqlite3 *db, const char *sql, const char *want)
{
	char *got = raw_text(db, sql);

	if (strcmp(got, want))
		fail_msg("%s: got '%s', want '%s'", sql, got, want);
	free(got);
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static char *slurp(const char *path, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(read_file(path, &sb, 0), 0);
	return strbuf_detach(&sb, len);
}

/* ---- attempts ---- */

static struct record_check ksize_checks[] = {
	{ "builds", "pass", "a module", "ksize_ex.ko", NULL },
	{ "ksize_160", "fail", "ksize=192", "ksize=160", "ask ksize(), not the request" },
	{ "no_oops", "skip", NULL, NULL, NULL },
};

/* A record of string literals: the store only reads it. */
static struct record attempt(char *exercise, char *at, char *verdict, int score, int max_score)
{
	struct record a = {
		.exercise = exercise,
		.started_at = at,
		.source_hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		.verdict = verdict,
		.score = score,
		.max_score = max_score,
		.build_ms = 1500,
		.vm_ms = 2500,
		.grade_ms = 3,
		.inputs = "sizes=24,160",
		.summary = "2 of 3 checks passed",
		.transcript = "building... ok\n",
		.kernel = "6.1.0-18-cloud-amd64",
		.checks = ksize_checks,
		.nchecks = (int)ARRAY_SIZE(ksize_checks),
	};

	return a;
}

static void test_fresh_open(void **state)
{
	struct fixture *fx = *state;
	struct store *st;
	sqlite3 *db;

	assert_true(store_schema_version() >= 2);
	assert_false(is_file(fx->db));
	st = store_open(fx->db);
	assert_non_null(st);
	assert_true(is_file(fx->db));

	db = raw_open(fx->db);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), store_schema_version());
	assert_raw_text(db, "PRAGMA journal_mode", "wal");
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
				     " AND name IN ('learner', 'attempt', 'check_result', 'state')"),
			 4);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM attempt"), 0);
	sqlite3_close(db);
	store_close(st);

	/* Opening again migrates nothing and keeps the version. */
	st = store_open(fx->db);
	assert_non_null(st);
	store_close(st);
	assert_int_equal(file_int(fx->db, "PRAGMA user_version"), store_schema_version());
}

static void test_save_and_progress(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_open(fx->db);
	struct record a;
	struct store_progress *rows;
	int64_t id1 = -1, id2 = -1, id3 = -1, id4 = -1;
	int n = -1;
	sqlite3 *db;
	char *sql;

	assert_non_null(st);
	/* Nothing yet: no rows. */
	assert_int_equal(store_progress(st, &rows, &n), 0);
	assert_int_equal(n, 0);
	store_progress_free(rows, n);

	a = attempt("ksize", "2024-05-01T10:00:00Z", "fail", 2, 5);
	assert_int_equal(store_save_attempt(st, "self", &a, &id1), 0);
	a = attempt("ksize", "2024-05-01T10:05:00Z", "pass", 5, 5);
	a.nchecks = 1;
	assert_int_equal(store_save_attempt(st, "self", &a, &id2), 0);
	a = attempt("ksize", "2024-05-01T10:09:00Z", "fail", 3, 5);
	a.nchecks = 0;
	assert_int_equal(store_save_attempt(st, "self", &a, &id3), 0);
	a = attempt("cache", "2024-05-02T08:00:00Z", "error", 0, 4);
	a.inputs = a.summary = a.kernel = NULL;
	a.nchecks = 0;
	assert_int_equal(store_save_attempt(st, "self", &a, &id4), 0);
	assert_true(id1 > 0 && id2 > id1 && id3 > id2 && id4 > id3);

	assert_int_equal(store_progress(st, &rows, &n), 0);
	assert_int_equal(n, 2);
	/* Sorted by exercise id. */
	assert_string_equal(rows[0].exercise, "cache");
	assert_int_equal(rows[0].attempts, 1);
	assert_int_equal(rows[0].best_score, 0);
	assert_int_equal(rows[0].max_score, 4);
	assert_int_equal(rows[0].passed, 0);
	assert_string_equal(rows[0].last_verdict, "error");
	assert_string_equal(rows[1].exercise, "ksize");
	assert_int_equal(rows[1].attempts, 3);
	assert_int_equal(rows[1].best_score, 5);
	assert_int_equal(rows[1].max_score, 5);
	assert_int_equal(rows[1].passed, 1);
	/* The last attempt failed even though an earlier one passed. */
	assert_string_equal(rows[1].last_verdict, "fail");
	assert_string_equal(rows[1].last_at, "2024-05-01T10:09:00Z");
	store_progress_free(rows, n);

	/* The rows themselves, through plain SQL. */
	db = raw_open(fx->db);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM attempt"), 4);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM check_result"), 4);
	sql = xasprintf("SELECT count(*) FROM check_result WHERE attempt_id = %lld", (long long)id1);
	assert_int_equal(raw_int(db, sql), 3);
	free(sql);
	sql = xasprintf("SELECT group_concat(seq || ':' || name || ':' || status || ':' ||"
			" ifnull(expected, '-') || ':' || ifnull(observed, '-') || ':' ||"
			" ifnull(hint, '-'), '|') FROM (SELECT * FROM check_result"
			" WHERE attempt_id = %lld ORDER BY seq)", (long long)id1);
	assert_raw_text(db, sql,
			"1:builds:pass:a module:ksize_ex.ko:-|"
			"2:ksize_160:fail:ksize=192:ksize=160:ask ksize(), not the request|"
			"3:no_oops:skip:-:-:-");
	free(sql);
	sql = xasprintf("SELECT typeof(expected) FROM check_result WHERE attempt_id = %lld"
			" AND seq = 3", (long long)id1);
	assert_raw_text(db, sql, "null");
	free(sql);
	sql = xasprintf("SELECT exercise || ',' || verdict || ',' || score || '/' || max_score ||"
			" ',' || build_ms || ',' || vm_ms || ',' || grade_ms || ',' || inputs ||"
			" ',' || kernel || ',' || transcript FROM attempt WHERE id = %lld",
			(long long)id2);
	assert_raw_text(db, sql, "ksize,pass,5/5,1500,2500,3,sizes=24,160,"
				 "6.1.0-18-cloud-amd64,building... ok\n");
	free(sql);
	sql = xasprintf("SELECT typeof(inputs) || typeof(summary) || typeof(kernel) FROM attempt"
			" WHERE id = %lld", (long long)id4);
	assert_raw_text(db, sql, "nullnullnull");
	free(sql);
	/* One learner owns every attempt. */
	assert_int_equal(raw_int(db, "SELECT count(*) FROM learner"), 1);
	assert_int_equal(raw_int(db, "SELECT count(DISTINCT learner_id) FROM attempt"), 1);
	sqlite3_close(db);
	store_close(st);

	/* A second open of the same file sees it all. */
	st = store_open(fx->db);
	assert_non_null(st);
	assert_int_equal(store_progress(st, &rows, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[1].exercise, "ksize");
	assert_int_equal(rows[1].attempts, 3);
	assert_int_equal(rows[1].best_score, 5);
	assert_int_equal(rows[1].passed, 1);
	store_progress_free(rows, n);
	store_close(st);
}

static void test_failed_attempt_rolls_back(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_open(fx->db);
	static struct record_check bad[] = {
		{ "builds", "pass", NULL, NULL, NULL },
		{ "ksize_160", "bogus", NULL, NULL, NULL },
		{ "no_oops", "pass", NULL, NULL, NULL },
	};
	struct record a;
	struct store_progress *rows;
	int64_t id = -1;
	int n;

	assert_non_null(st);
	a = attempt("ksize", "2024-05-01T10:00:00Z", "fail", 2, 5);
	assert_int_equal(store_save_attempt(st, "self", &a, &id), 0);

	/* The attempt row goes in, then its second check violates CHECK. */
	a = attempt("ksize", "2024-05-01T11:00:00Z", "pass", 5, 5);
	a.checks = bad;
	a.nchecks = (int)ARRAY_SIZE(bad);
	assert_int_equal(store_save_attempt(st, "self", &a, &id), -1);
	assert_int_equal(file_int(fx->db, "SELECT count(*) FROM attempt"), 1);
	assert_int_equal(file_int(fx->db, "SELECT count(*) FROM check_result"), 3);
	assert_int_equal(file_int(fx->db, "SELECT count(*) FROM attempt WHERE verdict = 'pass'"), 0);

	/* A verdict outside pass/fail/error is refused too. */
	a = attempt("ksize", "2024-05-01T11:30:00Z", "maybe", 5, 5);
	assert_int_equal(store_save_attempt(st, "self", &a, &id), -1);
	assert_int_equal(file_int(fx->db, "SELECT count(*) FROM attempt"), 1);

	/* No transaction was left open: the next attempt saves and counts. */
	a = attempt("ksize", "2024-05-01T12:00:00Z", "pass", 5, 5);
	assert_int_equal(store_save_attempt(st, "self", &a, &id), 0);
	assert_int_equal(store_progress(st, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].attempts, 2);
	assert_int_equal(rows[0].passed, 1);
	store_progress_free(rows, n);
	store_close(st);
	assert_int_equal(file_int(fx->db, "SELECT count(*) FROM attempt"), 2);
	assert_int_equal(file_int(fx->db, "SELECT count(*) FROM check_result"), 6);
}

/* ---- migrations and refusals ---- */

/* grader/store.c migrations[0], as a version-1 kmemlab created it. */
static const char schema_v1[] =
	"CREATE TABLE learner ("
	"  id INTEGER PRIMARY KEY,"
	"  login TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL,"
	"  created_at TEXT NOT NULL);"
	"CREATE TABLE attempt ("
	"  id INTEGER PRIMARY KEY,"
	"  learner_id INTEGER NOT NULL REFERENCES learner(id),"
	"  exercise TEXT NOT NULL,"
	"  started_at TEXT NOT NULL,"
	"  source_hash TEXT NOT NULL,"
	"  verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'error')),"
	"  score INTEGER NOT NULL,"
	"  max_score INTEGER NOT NULL,"
	"  build_ms INTEGER, vm_ms INTEGER, grade_ms INTEGER,"
	"  inputs TEXT, summary TEXT, transcript TEXT NOT NULL, kernel TEXT);"
	"CREATE INDEX attempt_by_exercise ON attempt(learner_id, exercise);"
	"CREATE TABLE check_result ("
	"  attempt_id INTEGER NOT NULL REFERENCES attempt(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'skip', 'error')),"
	"  expected TEXT, observed TEXT, hint TEXT,"
	"  PRIMARY KEY (attempt_id, seq));";

/* The login the store files attempts under (see store_learner). */
static const char *test_login(void)
{
	struct passwd *pw = getpwuid(getuid());
	const char *u = getenv("USER");

	if (pw && pw->pw_name)
		return pw->pw_name;
	return u && *u ? u : "learner";
}

static void test_migrate_from_v1(void **state)
{
	struct fixture *fx = *state;
	struct store *st;
	struct store_progress *rows;
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t learner = -1;
	char *value = NULL;
	int n;

	assert_int_equal(mkdir_p(fx->dir, 0700), 0);
	free(fx->db);
	fx->db = xasprintf("%s/v1.db", fx->dir);
	db = raw_open(fx->db);
	raw_exec(db, schema_v1);
	raw_exec(db, "PRAGMA user_version = 1");
	assert_int_equal(sqlite3_prepare_v2(db,
					    "INSERT INTO learner (id, login, name, created_at)"
					    " VALUES (41, ?1, ?1, '2023-01-01T00:00:00Z')",
					    -1, &s, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(s, 1, test_login(), -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	raw_exec(db, "INSERT INTO attempt (id, learner_id, exercise, started_at, source_hash,"
		     " verdict, score, max_score, transcript) VALUES (7, 41, 'ksize',"
		     " '2023-01-02T00:00:00Z', 'abc', 'pass', 4, 4, 'old run')");
	raw_exec(db, "INSERT INTO check_result (attempt_id, seq, name, status)"
		     " VALUES (7, 1, 'builds', 'pass')");
	/* Not a table a version-1 database has. */
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'state'"), 0);
	sqlite3_close(db);

	st = store_open(fx->db);
	assert_non_null(st);
	assert_int_equal(file_int(fx->db, "PRAGMA user_version"), store_schema_version());
	assert_int_equal(file_int(fx->db, "SELECT count(*) FROM sqlite_master WHERE name = 'state'"),
			 1);
	/* The old rows survive and are this learner's. */
	assert_int_equal(file_int(fx->db, "SELECT score FROM attempt WHERE id = 7"), 4);
	assert_int_equal(file_int(fx->db, "SELECT count(*) FROM check_result"), 1);
	assert_int_equal(store_learner(st, &learner), 0);
	assert_int_equal(learner, 41);
	assert_int_equal(file_int(fx->db, "SELECT is_self FROM learner WHERE id = 41"), 1);
	assert_int_equal(store_progress(st, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].exercise, "ksize");
	assert_int_equal(rows[0].attempts, 1);
	assert_int_equal(rows[0].passed, 1);
	store_progress_free(rows, n);
	/* The new table works. */
	assert_int_equal(store_set_state(st, "lesson", "1"), 0);
	assert_int_equal(store_get_state(st, "lesson", &value), 0);
	assert_non_null(value);
	assert_string_equal(value, "1");
	free(value);
	store_close(st);
}

static void test_newer_database_refused(void **state)
{
	struct fixture *fx = *state;
	sqlite3 *db;

	assert_int_equal(mkdir_p(fx->dir, 0700), 0);
	free(fx->db);
	fx->db = xasprintf("%s/newer.db", fx->dir);
	db = raw_open(fx->db);
	raw_exec(db, "CREATE TABLE future (x TEXT); INSERT INTO future VALUES ('from kmemlab 9')");
	raw_exec(db, "PRAGMA user_version = 99");
	sqlite3_close(db);

	assert_null(store_open(fx->db));

	db = raw_open(fx->db);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 99);
	/* No migration ran: none of this version's tables appeared. */
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master"), 1);
	assert_raw_text(db, "SELECT x FROM future", "from kmemlab 9");
	sqlite3_close(db);

	/* Refused again on the next try: nothing was half-done. */
	assert_null(store_open(fx->db));
	assert_int_equal(file_int(fx->db, "PRAGMA user_version"), 99);
}

static void test_not_a_database_refused(void **state)
{
	struct fixture *fx = *state;
	unsigned char garbage[8192];
	char *after, *wal;
	size_t len = 0;

	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (unsigned char)(i * 131 + 17);
	memcpy(garbage, "kmemlab notes, not SQLite\n", 26);
	assert_int_equal(mkdir_p(fx->dir, 0700), 0);
	free(fx->db);
	fx->db = xasprintf("%s/garbage.db", fx->dir);
	write_bytes(fx->db, garbage, sizeof(garbage));

	assert_null(store_open(fx->db));

	after = slurp(fx->db, &len);
	assert_int_equal(len, sizeof(garbage));
	assert_memory_equal(after, garbage, sizeof(garbage));
	free(after);
	wal = xasprintf("%s-wal", fx->db);
	assert_false(is_file(wal));
	free(wal);

	/* A truncated header is no database either. */
	write_bytes(fx->db, "SQLite format 3", 15);
	assert_null(store_open(fx->db));
	after = slurp(fx->db, &len);
	assert_int_equal(len, 15);
	assert_memory_equal(after, "SQLite format 3", 15);
	free(after);
}

static void test_locked_database(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_open(fx->db);
	struct record a;
	struct store_progress *rows;
	int64_t id = -1, t;
	sqlite3 *other;
	int n;

	assert_non_null(st);
	a = attempt("ksize", "2024-05-01T10:00:00Z", "pass", 5, 5);
	assert_int_equal(store_save_attempt(st, "self", &a, &id), 0);

	/* Another kmemlab holds the write lock for longer than the busy timeout. */
	other = raw_open(fx->db);
	raw_exec(other, "BEGIN EXCLUSIVE");
	raw_exec(other, "INSERT INTO state (key, value) VALUES ('held', 'by the other one')");
	a = attempt("ksize", "2024-05-01T11:00:00Z", "fail", 1, 5);
	t = now_ms();
	assert_int_equal(store_save_attempt(st, "self", &a, &id), -1);
	t = now_ms() - t;
	/* It waited (the busy timeout) rather than failing at once. */
	assert_true(t >= 1000);
	raw_exec(other, "ROLLBACK");
	sqlite3_close(other);

	/* The earlier attempt is intact and the store still works. */
	assert_int_equal(store_progress(st, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].attempts, 1);
	assert_int_equal(rows[0].best_score, 5);
	assert_int_equal(rows[0].passed, 1);
	store_progress_free(rows, n);
	assert_int_equal(file_int(fx->db, "SELECT count(*) FROM check_result"), 3);
	a = attempt("ksize", "2024-05-01T12:00:00Z", "fail", 2, 5);
	assert_int_equal(store_save_attempt(st, "self", &a, &id), 0);
	assert_int_equal(file_int(fx->db, "SELECT count(*) FROM attempt"), 2);
	store_close(st);
}

/* ---- tutor state ---- */

static void test_state(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_open(fx->db);
	char *v = (char *)"unset";

	assert_non_null(st);
	assert_int_equal(store_get_state(st, "lesson", &v), 0);
	assert_null(v);

	assert_int_equal(store_set_state(st, "lesson", "1"), 0);
	assert_int_equal(store_set_state(st, "theme", "dark"), 0);
	assert_int_equal(store_get_state(st, "lesson", &v), 0);
	assert_non_null(v);
	assert_string_equal(v, "1");
	free(v);

	/* Overwrite, not a second row. */
	assert_int_equal(store_set_state(st, "lesson", "ksize"), 0);
	assert_int_equal(store_get_state(st, "lesson", &v), 0);
	assert_non_null(v);
	assert_string_equal(v, "ksize");
	free(v);
	assert_int_equal(store_get_state(st, "theme", &v), 0);
	assert_non_null(v);
	assert_string_equal(v, "dark");
	free(v);
	/* Keys are data, never SQL. */
	assert_int_equal(store_set_state(st, "it's; DROP TABLE state; --", "x'y"), 0);
	assert_int_equal(store_get_state(st, "it's; DROP TABLE state; --", &v), 0);
	assert_non_null(v);
	assert_string_equal(v, "x'y");
	free(v);
	store_close(st);

	assert_int_equal(file_int(fx->db, "SELECT count(*) FROM state WHERE key = 'lesson'"), 1);
	st = store_open(fx->db);
	assert_non_null(st);
	assert_int_equal(store_get_state(st, "lesson", &v), 0);
	assert_non_null(v);
	assert_string_equal(v, "ksize");
	free(v);
	store_close(st);
}

/* The identity starts as the login name, is set once, and keeps the attempts. */
static void test_identity(void **state)
{
	struct fixture *fx = *state;
	struct store *st;
	char *login, *name;
	int set = -1;
	int64_t before, after;

	st = store_open(fx->db);
	assert_non_null(st);
	assert_int_equal(store_identity(st, &login, &name, &set), 0);
	assert_string_equal(login, test_login());
	assert_int_equal(set, 0);
	free(login);
	free(name);
	assert_int_equal(store_learner(st, &before), 0);
	assert_int_equal(store_set_identity(st, "s1234", "Ada Lovelace"), 0);
	store_close(st);

	st = store_open(fx->db);
	assert_non_null(st);
	assert_int_equal(store_identity(st, &login, &name, &set), 0);
	assert_string_equal(login, "s1234");
	assert_string_equal(name, "Ada Lovelace");
	assert_int_equal(set, 1);
	free(login);
	free(name);
	/* The same learner row, not a new one for the login name. */
	assert_int_equal(store_learner(st, &after), 0);
	assert_int_equal(before, after);
	store_close(st);
	assert_int_equal(file_int(fx->db, "SELECT count(*) FROM learner"), 1);
}

/* ---- a feature's reads ---- */

/* Reverse byte order, to tell a collation of the test's from the default. */
static int reverse_cmp(void *arg, int na, const void *a, int nb, const void *b)
{
	int c = memcmp(a, b, (size_t)(na < nb ? na : nb));

	(void)arg;
	return c ? -c : nb - na;
}

/* One integer through store_prepare() (-1 without a row). */
static long long store_int(struct store *st, const char *sql)
{
	sqlite3_stmt *s;
	long long v = -1;

	assert_int_equal(store_prepare(st, sql, &s, "reading"), 0);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void test_reads(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_open(fx->db), *ro;
	sqlite3 *other;
	sqlite3_stmt *s = NULL;
	char *cause = NULL, *want;

	assert_non_null(st);
	assert_int_equal(store_set_state(st, "a", "1"), 0);
	assert_int_equal(store_set_state(st, "b", "2"), 0);

	/* A read transaction sees one state of the database, until it ends. */
	assert_int_equal(store_begin_read(st, "reading"), 0);
	assert_int_equal(store_int(st, "SELECT count(*) FROM state"), 2);
	other = raw_open(fx->db);
	raw_exec(other, "INSERT INTO state (key, value) VALUES ('c', '3')");
	sqlite3_close(other);
	assert_int_equal(store_int(st, "SELECT count(*) FROM state"), 2);
	store_end_read(st);
	assert_int_equal(store_int(st, "SELECT count(*) FROM state"), 3);

	/* A collation of the feature's own. */
	assert_int_equal(store_collation(st, "test_reverse", reverse_cmp, "reading"), 0);
	assert_int_equal(store_int(st, "SELECT value FROM state ORDER BY key COLLATE test_reverse"),
			 3);

	/* An error of the feature's query reads as every store error, and s is NULL. */
	s = (sqlite3_stmt *)st;
	assert_int_equal(store_prepare(st, "SELECT missing FROM state", &s, "reading"), -1);
	assert_null(s);

	/* A second connection, read-only, keeps its errors: the first one. */
	ro = store_open_readonly(fx->db, &cause);
	assert_non_null(ro);
	assert_null(cause);
	assert_int_equal(store_int(ro, "SELECT count(*) FROM state"), 3);
	assert_null(store_kept_error(ro));
	assert_int_equal(store_prepare(ro, "SELECT missing FROM state", &s, "reading state"), -1);
	assert_int_equal(store_prepare(ro, "SELECT more FROM state", &s, "reading more"), -1);
	want = xasprintf("database '%s': reading state: no such column: missing", fx->db);
	assert_non_null(store_kept_error(ro));
	assert_string_equal(store_kept_error(ro), want);
	free(want);
	/* It does not write. */
	assert_int_equal(store_prepare(ro, "INSERT INTO state (key, value) VALUES ('d', '4')", &s,
				       "writing"), 0);
	assert_int_not_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	store_close(ro);
	assert_int_equal(store_int(st, "SELECT count(*) FROM state"), 3);
	store_close(st);

	/* A database that is not there: NULL, and why. */
	want = xasprintf("%s/none/kmemlab.db", fx->dir);
	assert_null(store_open_readonly(want, &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, want));
	free(cause);
	free(want);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fresh_open),
		T(test_save_and_progress),
		T(test_failed_attempt_rolls_back),
		T(test_migrate_from_v1),
		T(test_newer_database_refused),
		T(test_not_a_database_refused),
		T(test_locked_database),
		T(test_state),
		T(test_identity),
		T(test_reads),
	};

	return cmocka_run_group_tests(tests, 0, NULL);
}
