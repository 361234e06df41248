/*
 * The checks failed most, over the report's learners: a query that scans
 * every failed check row and takes as long as reading the learners does,
 * so it runs on a read-only connection of its own, in a thread of its
 * own, while the learners are read.
 */
#include "report.h"

#include <pthread.h>
#include <stdlib.h>

#include "report-internal.h"
#include "store.h"
#include "util.h"

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

int report_failing_wait(struct report *r, int take)
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
