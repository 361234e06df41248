/*
 * The store's side of submissions: what a learner's bundle takes from
 * their database, and what an import writes into a class database.
 */
#include <stdlib.h>
#include <string.h>

#include "store-internal.h"
#include "util.h"

/* ---- a learner's own work, for their bundle ---- */

int store_each_attempt(struct store *st, int64_t learner, const char *origin,
		       int (*fn)(const struct record *r, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL, *cs = NULL;
	int rc, cr, ret = -1;

	if (store_prepare(st,
			  "SELECT id, exercise, started_at, source_hash, verdict, score,"
			  " max_score, build_ms, vm_ms, grade_ms, inputs, summary, transcript,"
			  " kernel FROM attempt WHERE learner_id = ? AND origin = ?"
			  " ORDER BY id", &s, "reading the attempts") < 0 ||
	    store_prepare(st,
			  "SELECT name, status, expected, observed, hint FROM check_result"
			  " WHERE attempt_id = ? ORDER BY seq", &cs, "reading the checks") < 0)
		goto out;
	sqlite3_bind_int64(s, 1, learner);
	sqlite3_bind_text(s, 2, origin, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct record r = { 0 };
		int stop;

		r.exercise = col_text(s, 1);
		r.started_at = col_text(s, 2);
		r.source_hash = col_text(s, 3);
		r.verdict = col_text(s, 4);
		r.score = sqlite3_column_int(s, 5);
		r.max_score = sqlite3_column_int(s, 6);
		r.build_ms = sqlite3_column_int64(s, 7);
		r.vm_ms = sqlite3_column_int64(s, 8);
		r.grade_ms = sqlite3_column_int64(s, 9);
		r.inputs = col_opt(s, 10);
		r.summary = col_opt(s, 11);
		r.transcript = col_text(s, 12);
		r.kernel = col_opt(s, 13);
		sqlite3_reset(cs);
		sqlite3_bind_int64(cs, 1, sqlite3_column_int64(s, 0));
		while ((cr = sqlite3_step(cs)) == SQLITE_ROW) {
			char *f[5];

			for (int i = 0; i < 5; i++)
				f[i] = col_opt(cs, i);
			record_add_check(&r, f[0], f[1], f[2], f[3], f[4]);
			for (int i = 0; i < 5; i++)
				free(f[i]);
		}
		/* An attempt without all its checks would look edited on import. */
		stop = cr != SQLITE_DONE ? db_error(st, "reading the checks") : fn(&r, arg);
		record_release(&r);
		if (stop < 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		db_error(st, "reading the attempts");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(s);
	sqlite3_finalize(cs);
	return ret;
}

int store_each_answer(struct store *st, int64_t learner,
		      int (*fn)(const struct store_answer *a, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	int rc, ret = -1;

	if (store_prepare(st,
			  "SELECT lesson, question, answered_at, answer, expected, correct"
			  " FROM answer WHERE learner_id = ? ORDER BY id", &s,
			  "reading the answers") < 0)
		return -1;
	sqlite3_bind_int64(s, 1, learner);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_answer a = {
			.lesson = col_text(s, 0),
			.question = col_text(s, 1),
			.answered_at = col_text(s, 2),
			.answer = col_text(s, 3),
			.expected = col_opt(s, 4),
			.correct = sqlite3_column_int(s, 5),
		};
		int stop = fn(&a, arg);

		store_answer_release(&a);
		if (stop < 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		db_error(st, "reading the answers");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(s);
	return ret;
}

void store_answer_release(struct store_answer *a)
{
	free(a->lesson);
	free(a->question);
	free(a->answered_at);
	free(a->answer);
	free(a->expected);
	memset(a, 0, sizeof(*a));
}

/* ---- an import into a class database ---- */

int store_submission_by_hash(struct store *st, const char *sha256, char **login)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*login = NULL;
	if (store_prepare(st,
			  "SELECT l.login FROM submission s JOIN learner l ON l.id = s.learner_id"
			  " WHERE s.bundle_sha256 = ?", &s, "reading submissions") < 0)
		return -1;
	sqlite3_bind_text(s, 1, sha256, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*login = col_text(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(st, "reading submissions");
	return 0;
}

int store_latest_submission(struct store *st, const char *login, char **made, char **imported)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*made = *imported = NULL;
	if (store_prepare(st,
			  "SELECT s.submitted_at, s.imported_at FROM submission s"
			  " JOIN learner l ON l.id = s.learner_id WHERE l.login = ?"
			  " ORDER BY s.id DESC LIMIT 1", &s, "reading submissions") < 0)
		return -1;
	sqlite3_bind_text(s, 1, login, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*made = col_opt(s, 0);
		*imported = col_opt(s, 1);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(st, "reading submissions");
	return 0;
}

int store_learner_import(struct store *st, const char *login, const char *name, int64_t *id,
			 char **renamed_from)
{
	sqlite3_stmt *s = NULL;
	char now[32];
	int rc;

	*renamed_from = NULL;
	if (store_prepare(st, "SELECT id, name FROM learner WHERE login = ?", &s,
			  "finding the learner") < 0)
		return -1;
	sqlite3_bind_text(s, 1, login, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		char *old = col_text(s, 1);

		*id = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
		if (!strcmp(old, name)) {
			free(old);
			return 0;
		}
		*renamed_from = old;
		if (store_prepare(st, "UPDATE learner SET name = ? WHERE id = ?", &s,
				  "updating the learner") < 0)
			return -1;
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, *id);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		return rc == SQLITE_DONE ? 0 : db_error(st, "updating the learner");
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_error(st, "finding the learner");
	utc_now(now);
	if (store_prepare(st,
			  "INSERT INTO learner (login, name, created_at, is_self) VALUES (?, ?, ?, 0)",
			  &s, "adding the learner") < 0)
		return -1;
	sqlite3_bind_text(s, 1, login, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_error(st, "adding the learner");
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_add_submission(struct store *st, int64_t learner, const struct store_submission *sub,
			 int64_t *id)
{
	sqlite3_stmt *s = NULL;
	char now[32];
	int rc;

	utc_now(now);
	if (store_prepare(st,
			  "INSERT INTO submission (learner_id, bundle_sha256, submitted_at,"
			  " imported_at, kmemlab_version, kernel, manifest)"
			  " VALUES (?, ?, ?, ?, ?, ?, ?)", &s, "adding the submission") < 0)
		return -1;
	sqlite3_bind_int64(s, 1, learner);
	bind_opt(s, 2, sub->sha256);
	bind_opt(s, 3, sub->submitted_at);
	bind_opt(s, 4, now);
	bind_opt(s, 5, sub->kmemlab_version);
	bind_opt(s, 6, sub->kernel);
	bind_opt(s, 7, sub->manifest);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_error(st, "adding the submission");
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/*
 * Add r as an attempt of origin unless probe (prepared, bound; finalized
 * here) finds it there already; *added counts it.
 */
static int add_unless_there(struct store *st, sqlite3_stmt *probe, int64_t learner,
			    const char *origin, int64_t submission, const struct record *r,
			    int *added, const char *what)
{
	int rc = sqlite3_step(probe);
	int64_t id;

	sqlite3_finalize(probe);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return db_error(st, what);
	if (store_add_attempt(st, learner, origin, submission, r, &id) < 0)
		return -1;
	(*added)++;
	return 0;
}

int store_import_attempt(struct store *st, int64_t learner, int64_t submission,
			 const struct record *r, int *added)
{
	sqlite3_stmt *s = NULL;

	/* One this learner's earlier bundles brought is not added again. */
	if (store_prepare(st,
			  "SELECT 1 FROM attempt WHERE learner_id = ? AND origin = 'self'"
			  " AND exercise = ? AND started_at = ? AND source_hash = ?"
			  " AND inputs IS ?", &s, "reading attempts") < 0)
		return -1;
	sqlite3_bind_int64(s, 1, learner);
	bind_opt(s, 2, r->exercise);
	bind_opt(s, 3, r->started_at);
	bind_opt(s, 4, r->source_hash);
	bind_opt(s, 5, r->inputs);
	return add_unless_there(st, s, learner, "self", submission, r, added, "reading attempts");
}

int store_import_answer(struct store *st, int64_t learner, const struct store_answer *a,
			int *added)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (store_prepare(st,
			  "SELECT 1 FROM answer WHERE learner_id = ? AND lesson = ?"
			  " AND question = ? AND answered_at = ? AND answer = ?", &s,
			  "adding answers") < 0)
		return -1;
	sqlite3_bind_int64(s, 1, learner);
	bind_opt(s, 2, a->lesson);
	bind_opt(s, 3, a->question);
	bind_opt(s, 4, a->answered_at);
	bind_opt(s, 5, a->answer);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return db_error(st, "adding answers");
	if (store_prepare(st,
			  "INSERT INTO answer (learner_id, lesson, question, answered_at,"
			  " answer, expected, correct) VALUES (?, ?, ?, ?, ?, ?, ?)", &s,
			  "adding answers") < 0)
		return -1;
	sqlite3_bind_int64(s, 1, learner);
	bind_opt(s, 2, a->lesson);
	bind_opt(s, 3, a->question);
	bind_opt(s, 4, a->answered_at);
	bind_opt(s, 5, a->answer);
	bind_opt(s, 6, a->expected);
	sqlite3_bind_int(s, 7, !!a->correct);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_error(st, "adding answers");
	(*added)++;
	return 0;
}

int store_self_verdict(struct store *st, int64_t learner, const char *exercise, char **verdict,
		       char **hash)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*verdict = *hash = NULL;
	if (store_prepare(st,
			  "SELECT verdict, source_hash FROM attempt WHERE learner_id = ?"
			  " AND exercise = ? AND origin = 'self'"
			  " ORDER BY verdict = 'pass' DESC, id DESC LIMIT 1", &s,
			  "reading attempts") < 0)
		return -1;
	sqlite3_bind_int64(s, 1, learner);
	sqlite3_bind_text(s, 2, exercise, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*verdict = col_text(s, 0);
		*hash = col_text(s, 1);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(st, "reading attempts");
	return 0;
}

int store_add_submitted_file(struct store *st, int64_t submission, const char *exercise,
			     const char *path, const char *sha256, const void *data, size_t len)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (store_prepare(st,
			  "INSERT INTO submitted_file (submission_id, exercise, path, sha256,"
			  " content) VALUES (?, ?, ?, ?, ?)", &s, "adding the submitted files") < 0)
		return -1;
	sqlite3_bind_int64(s, 1, submission);
	bind_opt(s, 2, exercise);
	bind_opt(s, 3, path);
	bind_opt(s, 4, sha256);
	sqlite3_bind_blob(s, 5, data ? data : "", (int)len, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_error(st, "adding the submitted files");
}

int store_add_submission_exercise(struct store *st, int64_t submission, const char *exercise,
				  const char *source_hash, const char *self_verdict, int stale)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (store_prepare(st,
			  "INSERT INTO submission_exercise (submission_id, exercise,"
			  " source_hash, self_verdict, self_stale) VALUES (?, ?, ?, ?, ?)", &s,
			  "adding the submission's exercises") < 0)
		return -1;
	sqlite3_bind_int64(s, 1, submission);
	bind_opt(s, 2, exercise);
	bind_opt(s, 3, source_hash);
	bind_opt(s, 4, self_verdict);
	sqlite3_bind_int(s, 5, !!stale);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_error(st, "adding the submission's exercises");
}

int store_import_regrade(struct store *st, int64_t learner, int64_t submission,
			 const struct record *r, int *added)
{
	sqlite3_stmt *s = NULL;

	if (store_prepare(st,
			  "SELECT 1 FROM attempt WHERE learner_id = ? AND submission_id = ?"
			  " AND origin = 'regrade' AND exercise = ? AND started_at = ?"
			  " AND source_hash = ?", &s, "reading regrades") < 0)
		return -1;
	sqlite3_bind_int64(s, 1, learner);
	sqlite3_bind_int64(s, 2, submission);
	bind_opt(s, 3, r->exercise);
	bind_opt(s, 4, r->started_at);
	bind_opt(s, 5, r->source_hash);
	return add_unless_there(st, s, learner, "regrade", submission, r, added,
				"reading regrades");
}
