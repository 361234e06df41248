/*
 * Clean regrades of a class (class.h: class_regrade()): each job, the
 * latest submission of a learner for one exercise, runs in a worker
 * process of its own (run_parallel()) with a fresh lab VM, and its
 * verdict is saved as an attempt with origin 'regrade'.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "class.h"
#include "regrade-internal.h"
#include "lab.h"
#include "run.h"
#include "util.h"


/* One regrade under way: what its workers and its progress need. */
struct regrade_run {
	const char *dbpath;
	const struct course *c;
	const struct regrade_options *o;
	struct store *st;
	struct job **todo;	/* the jobs to run, the pool's tasks */
	int ntodo;
	int done, failed, errors;
	int tty;
	int64_t start;
};

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

int load_jobs(struct store *st, const struct regrade_options *o, struct job **jobs, int *n)
{
	sqlite3_stmt *s = NULL;
	int alloc = 0, r;

	*jobs = NULL;
	*n = 0;
	if (store_prepare(st,
			       "SELECT s.id, s.learner_id, l.login, se.exercise,"
			       " EXISTS (SELECT 1 FROM attempt a WHERE a.submission_id = s.id"
			       "   AND a.exercise = se.exercise AND a.origin = 'regrade')"
			       " FROM submission s JOIN learner l ON l.id = s.learner_id"
			       " JOIN submission_exercise se ON se.submission_id = s.id"
			       " WHERE s.id = (SELECT max(s2.id) FROM submission s2"
			       "   WHERE s2.learner_id = s.learner_id)"
			       " AND (?1 IS NULL OR l.login = ?1) AND (?2 IS NULL OR se.exercise = ?2)"
			       " ORDER BY l.login, se.exercise", &s, "listing the submissions") < 0)
		return -1;
	if (o->learner)
		sqlite3_bind_text(s, 1, o->learner, -1, SQLITE_STATIC);
	if (o->exercise)
		sqlite3_bind_text(s, 2, o->exercise, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		struct job *j;

		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			*jobs = xrealloc(*jobs, (size_t)alloc * sizeof(**jobs));
		}
		j = &(*jobs)[(*n)++];
		memset(j, 0, sizeof(*j));
		j->submission = sqlite3_column_int64(s, 0);
		j->learner = sqlite3_column_int64(s, 1);
		j->login = xstrdup((const char *)sqlite3_column_text(s, 2));
		j->exercise = xstrdup((const char *)sqlite3_column_text(s, 3));
		j->done = sqlite3_column_int(s, 4) && !o->force;
	}
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return store_fail(st, "listing the submissions");
	return 0;
}

char *job_log(const struct regrade_options *o, const struct job *j)
{
	char *name = xasprintf("%s-%s.log", j->login, j->exercise);
	char *p = path_join(o->logdir, name);

	free(name);
	return p;
}

/*
 * Write the job's submitted C sources into dir; returns how many.  The
 * build files (Kbuild, Makefile) come from the course's skeleton, never
 * from the bundle: make runs on the instructor's machine, and a learner's
 * Makefile could run anything there.  Other files are left out.
 */
int write_sources(struct store *st, const struct exercise *ex, const struct job *j,
		  const char *dir, FILE *notes)
{
	static const char *const build_files[] = { "Kbuild", "Makefile" };
	sqlite3_stmt *s = NULL;
	int n = 0, r;

	if (mkdir_p(dir, 0700) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(build_files); i++) {
		char *from = path_join(ex->skeleton, build_files[i]);
		char *to = path_join(dir, build_files[i]);
		struct strbuf sb = STRBUF_INIT;
		int bad = is_file(from) && (read_file(from, &sb, 1 << 20) < 0 ||
					    write_file_atomic(to, sb.buf, sb.len, 0644) < 0);

		if (bad)
			error("cannot copy the course's '%s' for the regrade", from);
		strbuf_release(&sb);
		free(from);
		free(to);
		if (bad)
			return -1;
	}
	if (store_prepare(st,
			       "SELECT path, content FROM submitted_file WHERE submission_id = ?"
			       " AND exercise = ? ORDER BY path", &s, "reading the submitted files") < 0)
		return -1;
	sqlite3_bind_int64(s, 1, j->submission);
	sqlite3_bind_text(s, 2, j->exercise, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		char *p, *why = NULL;

		/* Checked on import; checked again before it reaches the disk. */
		if (!*name || strchr(name, '/')) {
			why = xasprintf("submitted file '%s' has a bad name", name);
			error("%s", why);
			free(why);
			sqlite3_finalize(s);
			return -1;
		}
		if (name[0] == '.' || (!path_has_suffix(name, ".c") && !path_has_suffix(name, ".h"))) {
			fprintf(notes, "left out submitted file '%s': a regrade builds only .c "
				"and .h files, with the course's own build files\n", name);
			continue;
		}
		p = path_join(dir, name);
		if (write_file_atomic(p, sqlite3_column_blob(s, 1),
				      (size_t)sqlite3_column_bytes(s, 1), 0644) < 0) {
			free(p);
			sqlite3_finalize(s);
			return -1;
		}
		free(p);
		n++;
	}
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return store_fail(st, "reading the submitted files");
	return n;
}

int grade_sources(const struct course *c, const char *accel, const char *exercise,
		  const char *dir, int nsources, struct record *r)
{
	const struct exercise *ex = course_exercise(c, exercise);
	struct check_options co = { 0 };
	struct attempt a;
	int ret = 2;

	memset(r, 0, sizeof(*r));
	if (!ex) {
		error("exercise '%s' is not in this course", exercise);
		return 2;
	}
	if (nsources == 0) {
		char now[32];

		utc_now(now);
		r->exercise = xstrdup(exercise);
		r->started_at = xstrdup(now);
		r->source_hash = xstrdup("");
		r->verdict = xstrdup("error");
		r->summary = xstrdup("no source was submitted for this exercise");
		r->transcript = xstrdup("");
		fprintf(stderr, "%s\n", r->summary);
		return 1;
	}
	co.vm.accel = accel;
	/* Learners' code, built on the instructor's machine: only in the sandbox. */
	kbuild_require_sandbox();
	co.progress = 1;
	if (attempt_run(ex, dir, &co, &a) < 0 || interrupted) {
		/* Stopped (SIGTERM from the regrade, or kmemlab gone): nothing is saved. */
		if (interrupted)
			fprintf(stderr, "stopped before the end: nothing was saved\n");
		attempt_release(&a);
		return 2;
	}
	attempt_print(&a, stdout, 0);
	fflush(stdout);
	attempt_record(&a, r);
	ret = strcmp(a.verdict, "pass") ? 1 : 0;
	attempt_release(&a);
	return ret;
}

/* One job, in a worker process: exit 0 pass, 1 not passed, 2 not graded. */
static int run_job(const char *dbpath, const struct course *c, const struct regrade_options *o,
		   const struct job *j)
{
	const struct exercise *ex = course_exercise(c, j->exercise);
	struct store *st = NULL;
	struct record r = { 0 };
	char tmpl[] = "/tmp/kmemlab-regrade-XXXXXX";
	char *src = NULL;
	int64_t id;
	int n, ret = 2, g;

	if (!ex) {
		error("exercise '%s' is not in this course", j->exercise);
		return 2;
	}
	st = store_open(dbpath);
	if (!st)
		return 2;
	if (!mkdtemp(tmpl)) {
		error("cannot make a directory in /tmp: %s", strerror(errno));
		goto out;
	}
	src = path_join(tmpl, j->exercise);
	n = write_sources(st, ex, j, src, stderr);
	if (n < 0)
		goto out;
	g = grade_sources(c, o->accel, j->exercise, src, n, &r);
	if (g < 2 && store_save_attempt_as(st, j->learner, "regrade", j->submission, &r, &id) == 0)
		ret = g;
	record_release(&r);
out:
	remove_tree(tmpl);
	free(src);
	store_close(st);
	return ret;
}

/* The pool's child: one job, in its own worker process, its output to its log. */
static int job_child(int task, void *arg)
{
	struct regrade_run *rr = arg;
	struct job *j = rr->todo[task];
	char *log = job_log(rr->o, j);
	int fd;

	/*
	 * SIGINT, SIGTERM and kmemlab's death stop it the way Ctrl-C stops a
	 * check, so it kills its VM and removes its copy of the learner's
	 * sources before it ends.
	 */
	interrupt_catch(1);
	{
		struct sigaction sa;

		sigaction(SIGINT, NULL, &sa);
		sigaction(SIGTERM, &sa, NULL);
	}
	/* A second run adds to the first one's log. */
	j->tries++;
	fd = open(log, O_WRONLY | O_CREAT | O_CLOEXEC | (j->tries > 1 ? O_APPEND : O_TRUNC), 0644);
	free(log);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	fprintf(stderr, "regrade of learner '%s', exercise '%s' (submission %lld)\n", j->login,
		j->exercise, (long long)j->submission);
	fflush(stderr);
	return run_job(rr->dbpath, rr->c, rr->o, j);
}

static void fmt_secs(char *buf, size_t n, int64_t s)
{
	if (s >= 3600)
		snprintf(buf, n, "%lld:%02lld:%02lld", (long long)(s / 3600),
			 (long long)(s / 60 % 60), (long long)(s % 60));
	else
		snprintf(buf, n, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
}

void draw_bar(int done, int total, int failed, int errors, int queued, int running,
	      int64_t start)
{
	char eta[32] = "-";
	int width = 24, fill = total ? done * width / total : width;

	if (done > 0 && done < total) {
		int64_t el = now_ms() - start;

		fmt_secs(eta, sizeof(eta), el * (total - done) / done / 1000);
	}
	fprintf(stderr, "\r\033[Kregrade [%.*s%.*s] %d/%d done, %d not passed, %d errors, ",
		fill, "########################", width - fill, "........................",
		done, total, failed, errors);
	if (queued >= 0)
		fprintf(stderr, "%d queued, %d running, ", queued, running);
	fprintf(stderr, "ETA %s", eta);
	fflush(stderr);
}

/* The job's newest regrade attempt: "pass 10/10: all 10 checks passed". */
char *job_outcome(struct store *st, const struct job *j)
{
	sqlite3_stmt *s = NULL;
	char *out = NULL;

	if (store_prepare(st,
			  "SELECT verdict, score, max_score, summary FROM attempt"
			  " WHERE submission_id = ? AND exercise = ? AND origin = 'regrade'"
			  " ORDER BY id DESC LIMIT 1", &s, "reading the regrade") == 0) {
		sqlite3_bind_int64(s, 1, j->submission);
		sqlite3_bind_text(s, 2, j->exercise, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			out = xasprintf("%s %d/%d: %s", sqlite3_column_text(s, 0),
					sqlite3_column_int(s, 1), sqlite3_column_int(s, 2),
					sqlite3_column_text(s, 3) ? (const char *)
					sqlite3_column_text(s, 3) : "");
	}
	sqlite3_finalize(s);
	return out;
}

/* Print each disagreement and changed source among the jobs; returns how many. */
int report_disagreements(struct store *st, const struct job *jobs, int n)
{
	sqlite3_stmt *s = NULL;
	int count = 0;

	if (store_prepare(st,
			  "SELECT se.self_verdict, se.self_stale,"
			  " (SELECT verdict FROM attempt a WHERE a.learner_id = ?1"
			  "   AND a.exercise = ?3 AND a.origin = 'regrade'"
			  "   ORDER BY a.id DESC LIMIT 1)"
			  " FROM submission_exercise se WHERE se.submission_id = ?2"
			  " AND se.exercise = ?3", &s, "comparing verdicts") < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		const char *self, *regrade;

		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, jobs[i].learner);
		sqlite3_bind_int64(s, 2, jobs[i].submission);
		sqlite3_bind_text(s, 3, jobs[i].exercise, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_ROW)
			continue;
		self = (const char *)sqlite3_column_text(s, 0);
		regrade = (const char *)sqlite3_column_text(s, 2);
		if (self && regrade && strcmp(self, regrade)) {
			if (!count++)
				printf("\ndisagreements (the learner's own verdict against the clean "
				       "regrade):\n");
			printf("%s %s: self %s, regrade %s%s\n", jobs[i].login, jobs[i].exercise, self,
			       regrade, sqlite3_column_int(s, 1)
			       ? " (the submitted source changed after grading)" : "");
		}
	}
	sqlite3_finalize(s);
	return count;
}

/* The pool's parent side: a job ended with status after ms. */
static int job_ended(int task, int status, int64_t ms, void *arg)
{
	struct regrade_run *rr = arg;
	struct job *j = rr->todo[task];
	char *what, *log = job_log(rr->o, j);

	j->tries++;		/* the child's count stayed in the child */
	j->result = status > 2 ? 2 : status;
	if (j->result > 1 && j->tries < 2) {
		/*
		 * Not the learner's verdict but kmemlab's trouble (a VM that did
		 * not come up, say): one more run before calling it.
		 */
		if (rr->tty)
			fputs("\r\033[K", stderr);
		fprintf(stderr, "%s %s could not be graded; running it once more (see %s)\n",
			j->login, j->exercise, log);
		free(log);
		return 1;
	}
	rr->done++;
	rr->failed += j->result == 1;
	rr->errors += j->result > 1;
	what = j->result > 1 ? NULL : job_outcome(rr->st, j);
	if (rr->tty)
		fputs("\r\033[K", stderr);
	if (what)
		fprintf(stderr, "[%d/%d] %s %s: %s (%.1f s)\n", rr->done, rr->ntodo, j->login,
			j->exercise, what, (double)ms / 1000);
	else
		fprintf(stderr, "[%d/%d] %s %s: could not be regraded: see %s\n", rr->done,
			rr->ntodo, j->login, j->exercise, log);
	if (rr->tty)
		draw_bar(rr->done, rr->ntodo, rr->failed, rr->errors, -1, -1, rr->start);
	free(what);
	free(log);
	return 0;
}

int class_regrade(struct store *st, const struct course *c, const struct regrade_options *o)
{
	struct sigaction sa = { 0 }, old_int, old_term;
	struct regrade_run rr = { .dbpath = store_path(st), .c = c, .o = o, .st = st,
				  .tty = isatty(2) };
	struct parallel pool = { .max = o->jobs, .child = job_child, .ended = job_ended,
				 .arg = &rr, .stop = &stop_signal };
	struct job *jobs = NULL;
	int n = 0, ret = -1, disagree, pr;

	if (load_jobs(st, o, &jobs, &n) < 0)
		goto out;
	if (!n) {
		error("nothing to regrade: no submission%s%s%s%s%s ('kmemlab class import "
		      "BUNDLE' adds them)", o->learner ? " from learner '" : "",
		      o->learner ? o->learner : "", o->learner ? "'" : "",
		      o->exercise ? " with exercise " : "", o->exercise ? o->exercise : "");
		goto out;
	}
	if (mkdir_p(o->logdir, 0755) < 0)
		goto out;
	rr.todo = xcalloc((size_t)n, sizeof(*rr.todo));
	for (int i = 0; i < n; i++)
		if (!jobs[i].done)
			rr.todo[rr.ntodo++] = &jobs[i];
	printf("regrade: %d job%s of %d to run (%d already regraded%s), %d at a time; logs in "
	       "%s\n", rr.ntodo, rr.ntodo == 1 ? "" : "s", n, n - rr.ntodo,
	       n - rr.ntodo ? ": --force redoes them" : "", o->jobs, o->logdir);
	fflush(stdout);
	stop_signal = 0;
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	rr.start = now_ms();
	if (rr.tty && rr.ntodo)
		draw_bar(0, rr.ntodo, 0, 0, -1, -1, rr.start);
	pool.ntasks = rr.ntodo;
	pr = run_parallel(&pool);
	if (rr.tty && rr.ntodo)
		fputc('\n', stderr);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (pr != 0) {
		printf("regrade %s: %d of %d jobs finished and saved; run 'kmemlab class "
		       "regrade' again to resume with the rest\n",
		       pr < 0 ? "stopped" : "interrupted", rr.done, rr.ntodo);
		ret = pr < 0 ? -1 : 1;
		goto out;
	}
	{
		double secs = (double)(now_ms() - rr.start) / 1000;

		printf("regraded %d job%s in %.1f s (%.1f jobs/min): %d passed, %d not passed, %d "
		       "could not be graded\n", rr.done, rr.done == 1 ? "" : "s", secs,
		       secs > 0 ? rr.done * 60 / secs : 0.0, rr.done - rr.failed - rr.errors,
		       rr.failed, rr.errors);
	}
	disagree = report_disagreements(st, jobs, n);
	if (disagree < 0)
		goto out;
	if (!disagree)
		printf("no disagreements between self-reported and regraded verdicts\n");
	ret = rr.errors || disagree ? 1 : 0;
out:
	free_jobs(jobs, n);
	free(rr.todo);
	return ret;
}

void free_jobs(struct job *jobs, int n)
{
	for (int i = 0; i < n; i++) {
		free(jobs[i].login);
		free(jobs[i].exercise);
	}
	free(jobs);
}
