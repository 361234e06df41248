#include "class.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bundle.h"
#include "check.h"
#include "lab.h"
#include "util.h"

struct store *class_open(const char *dir, int create)
{
	char *db = path_join(dir, "class.db"), *role = NULL;
	struct store *st = NULL;

	if (!create && !is_file(db)) {
		error("no class database in '%s': 'kmemlab class init %s' creates one (class "
		      "commands look in --class DIR, then $KMEMLAB_CLASS, then the current "
		      "directory)", dir, dir);
		goto out;
	}
	if (create && mkdir_p(dir, 0755) < 0)
		goto out;
	st = store_open(db);
	if (!st || store_get_state(st, "role", &role) < 0)
		goto fail;
	if (create && !role) {
		struct lab_kernel k = { 0 };

		if (store_set_state(st, "role", "class") < 0)
			goto fail;
		/* Imports compare the learners' lab kernel with this one. */
		if (lab_kernel_find(&k) == 0 && store_set_state(st, "kernel", k.release) < 0) {
			lab_kernel_release(&k);
			goto fail;
		}
		lab_kernel_release(&k);
	} else if (!role || strcmp(role, "class")) {
		error("'%s' is a learner's database, not a class database: give the class "
		      "directory 'kmemlab class init DIR' made", db);
		goto fail;
	}
	goto out;
fail:
	store_close(st);
	st = NULL;
out:
	free(role);
	free(db);
	return st;
}

/* ---- import ---- */

/*
 * The learner of the bundle, added on first sight.  A new name replaces
 * the old one (the bundle imported last speaks for the learner), and the
 * change is said: a learner may have married, or may pose as another.
 */
static int learner_for(struct store *st, const char *shown, const struct bundle *b, int64_t *id)
{
	char *old = NULL;

	if (store_learner_import(st, b->learner_id, b->learner_name, id, &old) < 0)
		return -1;
	if (old) {
		/* The old name was checked when it came, unless an older kmemlab took it. */
		char *was = text_quote(old, 200);

		warning("'%s': learner %s changed name: '%s' -> '%s'", shown, b->learner_id, was,
			b->learner_name);
		free(was);
		free(old);
	}
	return 0;
}

static int add_submission(struct store *st, const struct bundle *b, int64_t learner,
			  int64_t *id)
{
	struct store_submission sub = {
		.sha256 = b->sha256,
		.submitted_at = b->created_at,
		.kmemlab_version = b->kmemlab_version,
		.kernel = b->kernel,
		.manifest = b->manifest,
	};

	return store_add_submission(st, learner, &sub, id);
}

/* Attempts and answers this learner's earlier bundles brought are not added again. */
static int add_work(struct store *st, const struct bundle *b, int64_t learner,
		    int64_t submission, int *natt, int *nans)
{
	for (int i = 0; i < b->nattempts; i++)
		if (store_import_attempt(st, learner, submission, &b->attempts[i], natt) < 0)
			return -1;
	for (int i = 0; i < b->nanswers; i++)
		if (store_import_answer(st, learner, &b->answers[i], nans) < 0)
			return -1;
	return 0;
}

static void add_name(char ***names, int *n, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp((*names)[i], name))
			return;
	*names = xrealloc(*names, (size_t)(*n + 1) * sizeof(char *));
	(*names)[(*n)++] = xstrdup(name);
}

static int add_exercises(struct store *st, const char *shown, const struct bundle *b,
			 int64_t learner, int64_t submission, int *nex, int *stale)
{
	char **names = NULL;
	int n = 0, ret = -1;

	for (int i = 0; i < b->nmembers; i++) {
		const char *p = b->members[i].path;

		if (!strncmp(p, "sources/", 8)) {
			char *ex = xstrndup(p + 8, strcspn(p + 8, "/"));

			add_name(&names, &n, ex);
			free(ex);
		}
	}
	for (int i = 0; i < b->nattempts; i++)
		add_name(&names, &n, b->attempts[i].exercise);
	for (int i = 0; i < n; i++) {
		char hash[65], *verdict, *graded, *prefix = xasprintf("sources/%s/", names[i]);
		int files = bundle_source_hash(b, names[i], hash), is_stale = 0, r;

		for (int j = 0; j < b->nmembers; j++) {
			const struct bundle_member *m = &b->members[j];

			if (strncmp(m->path, prefix, strlen(prefix)))
				continue;
			if (store_add_submitted_file(st, submission, names[i], m->path + strlen(prefix),
						     m->sha256, m->data, m->len) < 0) {
				free(prefix);
				goto out;
			}
		}
		free(prefix);
		if (store_self_verdict(st, learner, names[i], &verdict, &graded) < 0)
			goto out;
		if (verdict && !files) {
			is_stale = 1;
			warning("'%s': learner '%s', exercise '%s': no source was submitted for the "
				"'%s' graded from source %s", shown, b->learner_id, names[i], verdict,
				graded);
		} else if (verdict && strcmp(graded, hash)) {
			is_stale = 1;
			warning("'%s': learner '%s', exercise '%s': the submitted source %s is not "
				"the source %s that was graded '%s': it changed after grading", shown,
				b->learner_id, names[i], hash, graded, verdict);
		}
		*stale += is_stale;
		r = store_add_submission_exercise(st, submission, names[i], hash, verdict, is_stale);
		free(verdict);
		free(graded);
		if (r < 0)
			goto out;
	}
	*nex = n;
	ret = 0;
out:
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

/* "3 days", "5 hours", "12 minutes": how far t is from now, roughly. */
static char *how_far(int64_t secs)
{
	if (secs >= 2 * 86400)
		return xasprintf("%lld days", (long long)(secs / 86400));
	if (secs >= 2 * 3600)
		return xasprintf("%lld hours", (long long)(secs / 3600));
	return xasprintf("%lld minutes", (long long)(secs / 60));
}

/*
 * Say what the learner's clock claims that cannot be: times in the future,
 * and a bundle made before the one of theirs imported last.  Neither is
 * refused (a learner with a wrong clock cannot fix the times already
 * recorded), and neither decides anything: the bundle imported last is
 * the learner's latest submission.
 */
static int check_clock(struct store *st, const char *shown, const struct bundle *b)
{
	time_t now = time(NULL);

	if (b->created > now + CLASS_CLOCK_SLACK) {
		char *far = how_far(b->created - now);

		warning("'%s': it says it was made at %s, %s ahead of this machine's clock: "
			"learner %s's clock is wrong or the bundle was edited; it is imported all "
			"the same, and a learner's submissions count in the order they are "
			"imported", shown, b->created_at, far, b->learner_id);
		free(far);
	}
	if (b->latest_at && b->latest > now + CLASS_CLOCK_SLACK) {
		char *far = how_far(b->latest - now);

		warning("'%s': learner %s has attempts or answers dated up to %s, %s ahead of "
			"this machine's clock: their times are the learner's claim, not a fact",
			shown, b->learner_id, b->latest_at, far);
		free(far);
	}
	{
		char *made, *imported;

		if (store_latest_submission(st, b->learner_id, &made, &imported) < 0)
			return -1;
		/* Both are "YYYY-MM-DDTHH:MM:SSZ", checked when they came: text order is time order. */
		if (made && strcmp(made, b->created_at) > 0)
			warning("'%s': learner %s made it at %s, before their bundle made at %s "
				"that was imported at %s: this one, imported last, is now their "
				"latest submission, the one 'class regrade' takes", shown,
				b->learner_id, b->created_at, made, imported ? imported : "?");
		free(made);
		free(imported);
	}
	return 0;
}

volatile sig_atomic_t class_import_stop;

int class_import(struct store *st, const struct course *c, const char *file)
{
	struct bundle b;
	char *cause = NULL, *kernel = NULL, *shown = text_quote(file, 1000);
	int64_t learner = 0, submission = 0;
	int nex = 0, natt = 0, nans = 0, stale = 0, ret = -1;

	if (bundle_read(file, c, &b, &cause) < 0) {
		if (class_import_stop) {
			/* Interrupted while it was read (a file on a slow disk, under a lease). */
			free(cause);
			free(shown);
			return CLASS_STOPPED;
		}
		error("rejected '%s': %s; nothing of it was stored", shown, cause);
		free(cause);
		free(shown);
		return CLASS_REJECTED;
	}
	/* Stopped before it was stored: nothing of it is. */
	if (class_import_stop) {
		ret = CLASS_STOPPED;
		goto out_bundle;
	}
	if (store_begin(st, "importing a bundle") < 0)
		goto out_bundle;
	{
		char *login;

		if (store_submission_by_hash(st, b.sha256, &login) < 0)
			goto fail;
		if (login) {
			printf("'%s': already imported (learner %s); nothing changed\n", shown,
			       login);
			free(login);
			store_rollback(st);
			ret = CLASS_ALREADY;
			goto out_bundle;
		}
	}
	if (store_get_state(st, "kernel", &kernel) < 0 || check_clock(st, shown, &b) < 0)
		goto fail;
	if (kernel && strcmp(kernel, b.kernel))
		warning("'%s': learner '%s' graded on lab kernel %s, this class uses %s: the "
			"regrade decides", shown, b.learner_id, b.kernel, kernel);
	if (b.neutralised)
		warning("'%s': learner %s's summaries, transcripts, check results or answers had "
			"%d character%s that could drive a terminal (control or bidirectional "
			"characters, bytes that are not UTF-8), stored as U+FFFD", shown,
			b.learner_id, b.neutralised, b.neutralised == 1 ? "" : "s");
	if (learner_for(st, shown, &b, &learner) < 0 ||
	    add_submission(st, &b, learner, &submission) < 0 ||
	    add_work(st, &b, learner, submission, &natt, &nans) < 0 ||
	    add_exercises(st, shown, &b, learner, submission, &nex, &stale) < 0)
		goto fail;
	if (store_commit(st, "importing a bundle") < 0)
		goto out_bundle;
	printf("imported '%s': learner %s (%s), %d exercise%s, %d new attempt%s, %d new "
	       "answer%s%s\n", shown, b.learner_id, b.learner_name, nex, nex == 1 ? "" : "s", natt,
	       natt == 1 ? "" : "s", nans, nans == 1 ? "" : "s",
	       stale ? ", sources changed after grading (see the warnings)" : "");
	ret = CLASS_IMPORTED;
	goto out_bundle;
fail:
	store_rollback(st);
	error("could not import '%s'; nothing of it was stored", shown);
out_bundle:
	free(kernel);
	free(shown);
	bundle_release(&b);
	return ret;
}

static void on_import_stop(int sig)
{
	(void)sig;
	class_import_stop = 1;
}

int class_import_all(struct store *st, const struct course *c, char *const *files, int n)
{
	struct sigaction sa, old_int, old_term;
	int imported = 0, again = 0, rejected = 0, i;

	/* No SA_RESTART: a read waiting on the file returns, and the import stops. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_import_stop;
	sigemptyset(&sa.sa_mask);
	class_import_stop = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	for (i = 0; i < n && !class_import_stop; i++) {
		int r = class_import(st, c, files[i]);

		if (r == CLASS_STOPPED)
			break;
		rejected += r == CLASS_REJECTED;
		imported += r == CLASS_IMPORTED;
		again += r == CLASS_ALREADY;
		/* Each line out as it is known: a pipe must not lose them if kmemlab dies. */
		fflush(stdout);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (i < n) {
		printf("interrupted: %d imported, %d already imported, %d rejected; %d not "
		       "imported:", imported, again, rejected, n - i);
		for (int j = i; j < n && j < i + 10; j++) {
			char *shown = text_quote(files[j], 1000);

			printf(" '%s'", shown);
			free(shown);
		}
		printf("%s\n(each bundle is stored whole or not at all: the same 'class import' "
		       "again imports the rest, and what is there already changes nothing)\n",
		       n - i > 10 ? " ..." : "");
		fflush(stdout);
		return 1;
	}
	if (n > 1)
		printf("%d imported, %d already imported, %d rejected\n", imported, again, rejected);
	fflush(stdout);
	return rejected ? 1 : 0;
}

/* ---- regrade ---- */

struct job {
	int64_t submission, learner;
	char *login, *exercise;
	int done;		/* already regraded before this run */
	pid_t pid;
	int64_t started;
	int result;		/* 0 pass, 1 not passed, 2 could not be graded */
	int tries;		/* runs so far: one that could not be graded runs once more */
	int again;		/* waiting for that second run */
};

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static int load_jobs(struct store *st, const struct regrade_options *o, struct job **jobs,
		     int *n)
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

static char *job_log(const struct regrade_options *o, const struct job *j)
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
static int write_sources(struct store *st, const struct exercise *ex, const struct job *j,
			 const char *dir)
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
			fprintf(stderr, "left out submitted file '%s': a regrade builds only .c "
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

/* One job, in a worker process: exit 0 pass, 1 not passed, 2 not graded. */
static int run_job(const char *dbpath, const struct course *c, const struct regrade_options *o,
		   const struct job *j)
{
	const struct exercise *ex = course_exercise(c, j->exercise);
	struct check_options co = { 0 };
	struct store *st = NULL;
	struct attempt a;
	char tmpl[] = "/tmp/kmemlab-regrade-XXXXXX";
	char *src = NULL;
	int n, ret = 2;

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
	n = write_sources(st, ex, j, src);
	if (n < 0)
		goto out;
	if (n == 0) {
		struct record sa = { 0 };
		char now[32];
		int64_t id;

		utc_now(now);
		sa.exercise = j->exercise;
		sa.started_at = now;
		sa.source_hash = "";
		sa.verdict = "error";
		sa.summary = "no source was submitted for this exercise";
		sa.transcript = "";
		fprintf(stderr, "%s\n", sa.summary);
		if (store_save_attempt_as(st, j->learner, "regrade", j->submission, &sa, &id) == 0)
			ret = 1;
		goto out;
	}
	co.vm.accel = o->accel;
	/* Learners' code, built on the instructor's machine: only in the sandbox. */
	kbuild_require_sandbox();
	co.progress = 1;
	if (attempt_run(ex, src, &co, &a) < 0 || interrupted) {
		/* Stopped (SIGTERM from the regrade, or kmemlab gone): nothing is saved. */
		if (interrupted)
			fprintf(stderr, "stopped before the end: nothing was saved\n");
		attempt_release(&a);
		goto out;
	}
	attempt_print(&a, stdout, 0);
	fflush(stdout);
	if (attempt_store_as(st, &a, j->learner, "regrade", j->submission) == 0)
		ret = strcmp(a.verdict, "pass") ? 1 : 0;
	attempt_release(&a);
out:
	remove_tree(tmpl);
	free(src);
	store_close(st);
	return ret;
}

static pid_t start_job(const char *dbpath, const struct course *c,
		       const struct regrade_options *o, const struct job *j)
{
	pid_t parent = getpid(), pid;
	char *log = job_log(o, j);
	int fd;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		error("cannot start a regrade worker: %s", strerror(errno));
		free(log);
		return -1;
	}
	if (pid > 0) {
		free(log);
		return pid;
	}
	/*
	 * The worker: SIGINT, SIGTERM and kmemlab's death stop it the way
	 * Ctrl-C stops a check, so it kills its VM and removes its copy of the
	 * learner's sources before it ends.
	 */
	interrupt_catch(1);
	{
		struct sigaction sa;

		sigaction(SIGINT, NULL, &sa);
		sigaction(SIGTERM, &sa, NULL);
	}
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(2);
	/* A second run adds to the first one's log. */
	fd = open(log, O_WRONLY | O_CREAT | O_CLOEXEC | (j->tries > 1 ? O_APPEND : O_TRUNC), 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	fprintf(stderr, "regrade of learner '%s', exercise '%s' (submission %lld)\n", j->login,
		j->exercise, (long long)j->submission);
	fflush(stderr);
	_exit(run_job(dbpath, c, o, j));
}

static void fmt_secs(char *buf, size_t n, int64_t s)
{
	if (s >= 3600)
		snprintf(buf, n, "%lld:%02lld:%02lld", (long long)(s / 3600),
			 (long long)(s / 60 % 60), (long long)(s % 60));
	else
		snprintf(buf, n, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
}

static void draw_bar(int done, int total, int failed, int errors, int64_t start)
{
	char eta[32] = "-";
	int width = 24, fill = total ? done * width / total : width;

	if (done > 0 && done < total) {
		int64_t el = now_ms() - start;

		fmt_secs(eta, sizeof(eta), el * (total - done) / done / 1000);
	}
	fprintf(stderr, "\r\033[Kregrade [%.*s%.*s] %d/%d done, %d not passed, %d errors, ETA %s",
		fill, "########################", width - fill, "........................",
		done, total, failed, errors, eta);
	fflush(stderr);
}

/* The job's newest regrade attempt: "pass 10/10: all 10 checks passed". */
static char *job_outcome(struct store *st, const struct job *j)
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
static int report_disagreements(struct store *st, const struct job *jobs, int n)
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

int class_regrade(struct store *st, const struct course *c, const struct regrade_options *o)
{
	struct sigaction sa = { 0 }, old_int, old_term;
	struct job *jobs = NULL;
	int n = 0, todo = 0, next = 0, running = 0, killed = 0, start_failed = 0;
	int done = 0, failed = 0, errors = 0, ret = -1;
	int tty = isatty(2), disagree;
	int64_t start;

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
	for (int i = 0; i < n; i++)
		todo += !jobs[i].done;
	printf("regrade: %d job%s of %d to run (%d already regraded%s), %d at a time; logs in "
	       "%s\n", todo, todo == 1 ? "" : "s", n, n - todo, n - todo ? ": --force redoes them" : "",
	       o->jobs, o->logdir);
	fflush(stdout);
	stop_signal = 0;
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	start = now_ms();
	if (tty && todo)
		draw_bar(0, todo, 0, 0, start);
	for (;;) {
		int status;
		pid_t pid;

		while (!stop_signal && running < o->jobs) {
			struct job *j = NULL;

			for (int i = 0; i < n && !j; i++)
				if (jobs[i].again)
					j = &jobs[i];
			if (!j && next < n)
				j = &jobs[next++];
			if (!j)
				break;
			if (j->done)
				continue;
			j->again = 0;
			j->tries++;
			j->pid = start_job(store_path(st), c, o, j);
			if (j->pid < 0) {
				start_failed = 1;	/* reported: stop like an interrupt */
				stop_signal = SIGTERM;
				break;
			}
			j->started = now_ms();
			running++;
		}
		if (!running)
			break;
		if (stop_signal && !killed) {
			/* Unfinished jobs save nothing: they run again on resume. */
			for (int i = 0; i < n; i++)
				if (jobs[i].pid > 0)
					kill(jobs[i].pid, SIGTERM);
			killed = 1;
		}
		pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno != EINTR)
				break;
			continue;
		}
		for (int i = 0; i < n; i++) {
			struct job *j = &jobs[i];
			char *what, *log;

			if (j->pid != pid)
				continue;
			j->pid = 0;
			running--;
			if (stop_signal)
				break;
			j->result = WIFEXITED(status) ? WEXITSTATUS(status) : 2;
			if (j->result > 1 && j->tries < 2) {
				/*
				 * Not the learner's verdict but kmemlab's trouble (a VM that
				 * did not come up, say): one more run before calling it.
				 */
				log = job_log(o, j);
				if (tty)
					fputs("\r\033[K", stderr);
				fprintf(stderr, "%s %s could not be graded; running it once more "
					"(see %s)\n", j->login, j->exercise, log);
				free(log);
				j->again = 1;
				break;
			}
			done++;
			failed += j->result == 1;
			errors += j->result > 1;
			what = j->result > 1 ? NULL : job_outcome(st, j);
			log = job_log(o, j);
			if (tty)
				fputs("\r\033[K", stderr);
			if (what)
				fprintf(stderr, "[%d/%d] %s %s: %s (%.1f s)\n", done, todo, j->login,
					j->exercise, what, (double)(now_ms() - j->started) / 1000);
			else
				fprintf(stderr, "[%d/%d] %s %s: could not be regraded: see %s\n", done,
					todo, j->login, j->exercise, log);
			if (tty)
				draw_bar(done, todo, failed, errors, start);
			free(what);
			free(log);
			break;
		}
	}
	if (tty && todo)
		fputc('\n', stderr);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (stop_signal) {
		printf("regrade %s: %d of %d jobs finished and saved; run 'kmemlab class "
		       "regrade' again to resume with the rest\n",
		       start_failed ? "stopped" : "interrupted", done, todo);
		ret = start_failed ? -1 : 1;
		goto out;
	}
	{
		double secs = (double)(now_ms() - start) / 1000;

		printf("regraded %d job%s in %.1f s (%.1f jobs/min): %d passed, %d not passed, %d "
		       "could not be graded\n", done, done == 1 ? "" : "s", secs,
		       secs > 0 ? done * 60 / secs : 0.0, done - failed - errors, failed, errors);
	}
	disagree = report_disagreements(st, jobs, n);
	if (disagree < 0)
		goto out;
	if (!disagree)
		printf("no disagreements between self-reported and regraded verdicts\n");
	ret = errors || disagree ? 1 : 0;
out:
	for (int i = 0; i < n; i++) {
		free(jobs[i].login);
		free(jobs[i].exercise);
	}
	free(jobs);
	return ret;
}
