#include "store.h"

#include <pwd.h>
#include <sqlite3.h>
#include <sys/statvfs.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store-internal.h"
#include "util.h"


/* Migration N takes the schema from user_version N to N+1.  Append only. */
static const char *const migrations[] = {
	/* 0 -> 1: learners, attempts, checks */
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
	"  PRIMARY KEY (attempt_id, seq));",
	/* 1 -> 2: the tutor's own state */
	"CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
	/* 2 -> 3: answers to lesson questions */
	"CREATE TABLE answer ("
	"  id INTEGER PRIMARY KEY,"
	"  learner_id INTEGER NOT NULL REFERENCES learner(id),"
	"  lesson TEXT NOT NULL,"
	"  question TEXT NOT NULL,"
	"  answered_at TEXT NOT NULL,"
	"  answer TEXT NOT NULL,"
	"  expected TEXT,"
	"  correct INTEGER NOT NULL CHECK (correct IN (0, 1)));"
	"CREATE INDEX answer_by_question ON answer(learner_id, lesson, question);",
	/*
	 * 3 -> 4: the learner's identity, and the instructor's side.  A
	 * learner's own database has one learner with is_self = 1; a class
	 * database holds imported learners (is_self = 0).  Imported attempts
	 * keep origin 'self' (graded on the learner's machine); a clean
	 * regrade is an attempt with origin 'regrade' and its submission.
	 */
	"ALTER TABLE learner ADD COLUMN is_self INTEGER NOT NULL DEFAULT 0;"
	"UPDATE learner SET is_self = 1;"
	"CREATE TABLE submission ("
	"  id INTEGER PRIMARY KEY,"
	"  learner_id INTEGER NOT NULL REFERENCES learner(id),"
	"  bundle_sha256 TEXT NOT NULL UNIQUE,"
	"  submitted_at TEXT NOT NULL,"
	"  imported_at TEXT NOT NULL,"
	"  kmemlab_version TEXT NOT NULL,"
	"  kernel TEXT NOT NULL,"
	"  manifest TEXT NOT NULL);"
	"CREATE TABLE submission_exercise ("
	"  submission_id INTEGER NOT NULL REFERENCES submission(id) ON DELETE CASCADE,"
	"  exercise TEXT NOT NULL,"
	"  source_hash TEXT NOT NULL,"
	"  self_verdict TEXT,"
	"  self_stale INTEGER NOT NULL DEFAULT 0 CHECK (self_stale IN (0, 1)),"
	"  PRIMARY KEY (submission_id, exercise));"
	"CREATE TABLE submitted_file ("
	"  submission_id INTEGER NOT NULL REFERENCES submission(id) ON DELETE CASCADE,"
	"  exercise TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  content BLOB NOT NULL,"
	"  PRIMARY KEY (submission_id, exercise, path));"
	"ALTER TABLE attempt ADD COLUMN origin TEXT NOT NULL DEFAULT 'self';"
	"ALTER TABLE attempt ADD COLUMN submission_id INTEGER REFERENCES submission(id);"
	"CREATE INDEX attempt_by_submission ON attempt(submission_id, exercise);",
};

int store_schema_version(void)
{
	return (int)ARRAY_SIZE(migrations);
}

/* Free bytes on the file system holding path's directory, or -1. */
static long long disk_free(const char *path)
{
	char *dir = path_dirname(path);
	struct statvfs sv;
	long long r = statvfs(dir, &sv) == 0 ? (long long)sv.f_bavail * (long long)sv.f_frsize : -1;

	free(dir);
	return r;
}

/* db_error()'s message, allocated. */
static char *db_error_text(struct store *st, const char *what)
{
	int code = sqlite3_extended_errcode(st->db);
	const char *msg = sqlite3_errmsg(st->db);
	long long room = disk_free(st->path);

	if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
		return xasprintf("database '%s' is locked: another process has been writing to "
				 "it for over %d s (%s); try again when it has finished",
				 st->path, BUSY_TIMEOUT_MS / 1000, what);
	if ((code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB)
		return xasprintf("database '%s' is damaged (%s: %s): move it aside to start "
				 "afresh; nothing was changed", st->path, what, msg);
	if ((code & 0xff) == SQLITE_FULL ||
	    ((code & 0xff) == SQLITE_IOERR && room >= 0 && room < (1 << 20)))
		return xasprintf("the disk holding database '%s' is full (%s: %lld KB free): "
				 "free some space there and try again; nothing was changed",
				 st->path, what, room < 0 ? 0 : room / 1024);
	if ((code & 0xff) == SQLITE_READONLY || (code & 0xff) == SQLITE_CANTOPEN)
		return xasprintf("database '%s' cannot be written (%s: %s): check the "
				 "permissions of the file and its directory", st->path, what, msg);
	return xasprintf("database '%s': %s: %s", st->path, what, msg);
}

int db_error(struct store *st, const char *what)
{
	char *msg = db_error_text(st, what);

	if (st->keep_errors && !st->kept) {
		st->kept = msg;
		return -1;
	}
	if (!st->keep_errors)
		error("%s", msg);
	free(msg);
	return -1;
}

int exec_sql(struct store *st, const char *sql, const char *what)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(st, what);
	return 0;
}

static int user_version(struct store *st, int *v)
{
	sqlite3_stmt *s;
	int ret = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return db_error(st, "reading the schema version");
	if (sqlite3_step(s) == SQLITE_ROW) {
		*v = sqlite3_column_int(s, 0);
		ret = 0;
	} else {
		db_error(st, "reading the schema version");
	}
	sqlite3_finalize(s);
	return ret;
}

static int migrate(struct store *st)
{
	int v;

	if (user_version(st, &v) < 0)
		return -1;
	if (v > store_schema_version())
		return error("database '%s' has schema version %d, newer than this "
			     "kmemlab understands (%d): upgrade kmemlab", st->path, v,
			     store_schema_version());
	while (v < store_schema_version()) {
		char *bump;

		if (exec_sql(st, "BEGIN IMMEDIATE", "starting a migration") < 0)
			return -1;
		/* Re-read inside the lock: another kmemlab may have migrated. */
		if (user_version(st, &v) < 0) {
			exec_sql(st, "ROLLBACK", "rollback");
			return -1;
		}
		if (v >= store_schema_version()) {
			exec_sql(st, "COMMIT", "commit");
			break;
		}
		bump = xasprintf("PRAGMA user_version = %d", v + 1);
		if (exec_sql(st, migrations[v], "migrating the schema") < 0 ||
		    exec_sql(st, bump, "migrating the schema") < 0 ||
		    exec_sql(st, "COMMIT", "committing a migration") < 0) {
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			free(bump);
			return -1;
		}
		free(bump);
		v++;
	}
	return 0;
}

struct store *store_open(const char *path)
{
	struct store *st = xcalloc(1, sizeof(*st));
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');

	st->path = xstrdup(path);
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir_p(dir, 0700) < 0)
			goto fail;
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		if (!st->db) {
			error("cannot open database '%s': out of memory", path);
			goto fail;
		}
		db_error(st, "opening");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	/*
	 * The version is the first real read (a non-database fails here), and
	 * it comes before anything that writes, so a database of a newer
	 * kmemlab is refused untouched.
	 */
	{
		int v;

		if (user_version(st, &v) < 0)
			goto fail;
		if (v > store_schema_version()) {
			error("database '%s' has schema version %d, newer than this kmemlab "
			      "understands (%d): upgrade kmemlab", st->path, v,
			      store_schema_version());
			goto fail;
		}
	}
	if (exec_sql(st, "PRAGMA journal_mode = WAL", "opening") < 0 ||
	    exec_sql(st, "PRAGMA foreign_keys = ON", "opening") < 0 ||
	    exec_sql(st, "PRAGMA synchronous = NORMAL", "opening") < 0 ||
	    migrate(st) < 0)
		goto fail;
	free(dir);
	return st;
fail:
	free(dir);
	store_close(st);
	return NULL;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	sqlite3_close_v2(st->db);
	free(st->path);
	free(st->kept);
	free(st);
}

static const char *login_name(void)
{
	struct passwd *pw = getpwuid(getuid());
	const char *u = getenv("USER");

	if (pw && pw->pw_name)
		return pw->pw_name;
	return u && *u ? u : "learner";
}

static int learner_self_id(struct store *st, int64_t *id)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, "SELECT id FROM learner WHERE is_self = 1 ORDER BY id LIMIT 1",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(st, "finding the learner");
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_error(st, "finding the learner");
}

int store_learner(struct store *st, int64_t *id)
{
	sqlite3_stmt *s = NULL;
	char now[32];
	int rc;

	rc = learner_self_id(st, id);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	utc_now(now);
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO learner (login, name, created_at, is_self)"
			       " VALUES (?1, ?1, ?2, 1)",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(st, "adding the learner");
	sqlite3_bind_text(s, 1, login_name(), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_error(st, "adding the learner");
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_identity(struct store *st, char **login, char **name, int *set)
{
	sqlite3_stmt *s = NULL;
	int64_t id;
	char *v = NULL;
	int ret = -1;

	if (store_learner(st, &id) < 0)
		return -1;
	if (sqlite3_prepare_v2(st->db, "SELECT login, name FROM learner WHERE id = ?", -1, &s,
			       NULL) != SQLITE_OK)
		return db_error(st, "reading the learner's identity");
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		db_error(st, "reading the learner's identity");
		goto out;
	}
	*login = xstrdup((const char *)sqlite3_column_text(s, 0));
	*name = xstrdup((const char *)sqlite3_column_text(s, 1));
	ret = 0;
out:
	sqlite3_finalize(s);
	if (ret == 0 && set) {
		if (store_get_state(st, "identity_set", &v) < 0) {
			free(*login);
			free(*name);
			return -1;
		}
		*set = v != NULL;
		free(v);
	}
	return ret;
}

int store_set_identity(struct store *st, const char *login, const char *name)
{
	sqlite3_stmt *s = NULL;
	int64_t id;
	int rc;

	if (exec_sql(st, "BEGIN IMMEDIATE", "setting the identity") < 0)
		return -1;
	if (store_learner(st, &id) < 0)
		goto fail;
	if (sqlite3_prepare_v2(st->db, "UPDATE learner SET login = ?1, name = ?2 WHERE id = ?3", -1,
			       &s, NULL) != SQLITE_OK) {
		db_error(st, "setting the identity");
		goto fail;
	}
	sqlite3_bind_text(s, 1, login, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		db_error(st, "setting the identity");
		goto fail;
	}
	if (store_set_state(st, "identity_set", "1") < 0)
		goto fail;
	return exec_sql(st, "COMMIT", "setting the identity");
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

void bind_opt(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

int store_add_attempt(struct store *st, int64_t learner, const char *origin,
		      int64_t submission, const struct record *a, int64_t *id)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO attempt (learner_id, exercise, started_at, source_hash,"
			       " verdict, score, max_score, build_ms, vm_ms, grade_ms, inputs,"
			       " summary, transcript, kernel, origin, submission_id) VALUES"
			       " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(st, "saving the attempt");
	sqlite3_bind_int64(s, 1, learner);
	bind_opt(s, 2, a->exercise);
	bind_opt(s, 3, a->started_at);
	bind_opt(s, 4, a->source_hash ? a->source_hash : "");
	bind_opt(s, 5, a->verdict);
	sqlite3_bind_int(s, 6, a->score);
	sqlite3_bind_int(s, 7, a->max_score);
	sqlite3_bind_int64(s, 8, a->build_ms);
	sqlite3_bind_int64(s, 9, a->vm_ms);
	sqlite3_bind_int64(s, 10, a->grade_ms);
	bind_opt(s, 11, a->inputs);
	bind_opt(s, 12, a->summary);
	bind_opt(s, 13, a->transcript ? a->transcript : "");
	bind_opt(s, 14, a->kernel);
	bind_opt(s, 15, origin);
	if (submission)
		sqlite3_bind_int64(s, 16, submission);
	else
		sqlite3_bind_null(s, 16);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_finalize(s);
		return db_error(st, "saving the attempt");
	}
	sqlite3_finalize(s);
	s = NULL;
	*id = sqlite3_last_insert_rowid(st->db);
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO check_result (attempt_id, seq, name, status, expected,"
			       " observed, hint) VALUES (?, ?, ?, ?, ?, ?, ?)",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(st, "saving the checks");
	for (int i = 0; i < a->nchecks; i++) {
		const struct record_check *c = &a->checks[i];

		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, *id);
		sqlite3_bind_int(s, 2, i + 1);
		bind_opt(s, 3, c->name);
		bind_opt(s, 4, c->status);
		bind_opt(s, 5, c->expected);
		bind_opt(s, 6, c->observed);
		bind_opt(s, 7, c->hint);
		if (sqlite3_step(s) != SQLITE_DONE) {
			sqlite3_finalize(s);
			return db_error(st, "saving the checks");
		}
	}
	sqlite3_finalize(s);
	return 0;
}

int store_save_attempt_as(struct store *st, int64_t learner, const char *origin,
			  int64_t submission, const struct record *a, int64_t *id)
{
	if (store_begin(st, "saving the attempt") < 0)
		return -1;
	if (store_add_attempt(st, learner, origin, submission, a, id) < 0) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, "saving the attempt");
}

int store_save_attempt(struct store *st, const char *origin, const struct record *a,
		       int64_t *id)
{
	int64_t learner;

	if (store_begin(st, "saving the attempt") < 0)
		return -1;
	if (store_learner(st, &learner) < 0 ||
	    store_add_attempt(st, learner, origin, 0, a, id) < 0) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, "saving the attempt");
}

int store_ready_to_save(struct store *st, size_t bytes)
{
	long long room = disk_free(st->path);

	/* Room for the attempt, its journal and the WAL, with some to spare. */
	if (room >= 0 && (unsigned long long)room < 4 * (unsigned long long)bytes + (4u << 20))
		return error("the disk holding database '%s' has %lld KB free, too little "
			     "to save a graded attempt: free some space there first",
			     st->path, room / 1024);
	/* A write lock now, released at once: the save will not meet one later. */
	if (exec_sql(st, "BEGIN IMMEDIATE", "getting ready to save") < 0)
		return -1;
	return exec_sql(st, "ROLLBACK", "getting ready to save");
}

int store_begin(struct store *st, const char *what)
{
	return exec_sql(st, "BEGIN IMMEDIATE", what);
}

int store_commit(struct store *st, const char *what)
{
	if (exec_sql(st, "COMMIT", what) < 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

void store_rollback(struct store *st)
{
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

const char *store_path(struct store *st)
{
	return st->path;
}

char *col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return xstrdup(t ? (const char *)t : "");
}

char *col_opt(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? xstrdup((const char *)t) : NULL;
}

int store_progress(struct store *st, struct store_progress **rows, int *n)
{
	sqlite3_stmt *s;
	int alloc = 0, r;
	int64_t learner;

	*rows = NULL;
	*n = 0;
	if (store_learner(st, &learner) < 0)
		return -1;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT exercise, sum(origin = 'self'),"
			       " max(CASE WHEN origin = 'self' THEN score END),"
			       " max(CASE WHEN origin = 'self' THEN max_score END),"
			       " max(origin = 'self' AND verdict = 'pass'),"
			       " max(CASE WHEN origin = 'self' THEN started_at END),"
			       " (SELECT verdict FROM attempt b WHERE b.learner_id = a.learner_id"
			       "   AND b.exercise = a.exercise AND b.origin = 'self'"
			       "   ORDER BY b.id DESC LIMIT 1),"
			       " sum(origin = 'experiment')"
			       " FROM attempt a WHERE learner_id = ? GROUP BY exercise"
			       " ORDER BY exercise",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(st, "reading progress");
	sqlite3_bind_int64(s, 1, learner);
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_progress *p;

		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			*rows = xrealloc(*rows, (size_t)alloc * sizeof(**rows));
		}
		p = &(*rows)[(*n)++];
		p->exercise = col_text(s, 0);
		p->attempts = sqlite3_column_int(s, 1);
		p->best_score = sqlite3_column_int(s, 2);
		p->max_score = sqlite3_column_int(s, 3);
		p->passed = sqlite3_column_int(s, 4);
		p->last_at = col_text(s, 5);
		p->last_verdict = col_text(s, 6);
		p->experiments = sqlite3_column_int(s, 7);
	}
	sqlite3_finalize(s);
	if (r != SQLITE_DONE) {
		store_progress_free(*rows, *n);
		*rows = NULL;
		*n = 0;
		return db_error(st, "reading progress");
	}
	return 0;
}

void store_progress_free(struct store_progress *rows, int n)
{
	for (int i = 0; i < n; i++) {
		free(rows[i].exercise);
		free(rows[i].last_at);
		free(rows[i].last_verdict);
	}
	free(rows);
}

int store_get_state(struct store *st, const char *key, char **value)
{
	sqlite3_stmt *s;
	int r;

	*value = NULL;
	if (sqlite3_prepare_v2(st->db, "SELECT value FROM state WHERE key = ?", -1, &s,
			       NULL) != SQLITE_OK)
		return db_error(st, "reading the tutor state");
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	r = sqlite3_step(s);
	if (r == SQLITE_ROW)
		*value = col_text(s, 0);
	sqlite3_finalize(s);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return db_error(st, "reading the tutor state");
	return 0;
}

int store_set_state(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt *s;
	int r;

	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO state (key, value) VALUES (?1, ?2)"
			       " ON CONFLICT (key) DO UPDATE SET value = ?2",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(st, "saving the tutor state");
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return db_error(st, "saving the tutor state");
	return 0;
}

int store_save_answer(struct store *st, const char *lesson, const char *question,
		      const char *answer, const char *expected, int correct)
{
	sqlite3_stmt *s = NULL;
	int64_t learner;
	char now[32];

	if (exec_sql(st, "BEGIN IMMEDIATE", "saving the answer") < 0)
		return -1;
	if (store_learner(st, &learner) < 0)
		goto fail;
	utc_now(now);
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO answer (learner_id, lesson, question, answered_at, answer,"
			       " expected, correct) VALUES (?, ?, ?, ?, ?, ?, ?)",
			       -1, &s, NULL) != SQLITE_OK) {
		db_error(st, "saving the answer");
		goto fail;
	}
	sqlite3_bind_int64(s, 1, learner);
	bind_opt(s, 2, lesson);
	bind_opt(s, 3, question);
	bind_opt(s, 4, now);
	bind_opt(s, 5, answer);
	bind_opt(s, 6, expected);
	sqlite3_bind_int(s, 7, correct ? 1 : 0);
	if (sqlite3_step(s) != SQLITE_DONE) {
		db_error(st, "saving the answer");
		goto fail;
	}
	sqlite3_finalize(s);
	if (exec_sql(st, "COMMIT", "saving the answer") < 0)
		goto fail_nofinal;
	return 0;
fail:
	sqlite3_finalize(s);
fail_nofinal:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int store_answer_status(struct store *st, const char *lesson, const char *question,
			int *tries, int *correct)
{
	sqlite3_stmt *s;
	int64_t learner;
	int r;

	*tries = *correct = 0;
	if (store_learner(st, &learner) < 0)
		return -1;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT count(*), coalesce(max(correct), 0) FROM answer"
			       " WHERE learner_id = ? AND lesson = ? AND question = ?",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(st, "reading answers");
	sqlite3_bind_int64(s, 1, learner);
	sqlite3_bind_text(s, 2, lesson, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, question, -1, SQLITE_STATIC);
	r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		*tries = sqlite3_column_int(s, 0);
		*correct = sqlite3_column_int(s, 1);
	}
	sqlite3_finalize(s);
	if (r != SQLITE_ROW)
		return db_error(st, "reading answers");
	return 0;
}
