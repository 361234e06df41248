/*
 * The class database and the import of submissions into it (class.h);
 * regrade.c runs the clean regrades.
 */
#include "class.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle.h"
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

int class_set_course(struct store *st, const struct course *c)
{
	char *id = NULL;
	int r;

	if (store_get_state(st, "course_id", &id) < 0)
		return -1;
	if (id && strcmp(id, c->id)) {
		error("this class teaches course '%s', not '%s': a class has one course (make "
		      "another class for this one)", id, c->id);
		free(id);
		return -1;
	}
	free(id);
	r = store_begin(st, "recording the class's course");
	if (r == 0 && (store_set_state(st, "course_id", c->id) < 0 ||
		       store_set_state(st, "course_version", c->version) < 0 ||
		       store_set_state(st, "course_dir", c->dir) < 0)) {
		store_rollback(st);
		return -1;
	}
	return r < 0 ? -1 : store_commit(st, "recording the class's course");
}

int class_course(struct store *st, char **id, char **dir)
{
	if (store_get_state(st, "course_id", id) < 0)
		return -1;
	if (store_get_state(st, "course_dir", dir) < 0) {
		free(*id);
		*id = NULL;
		return -1;
	}
	return 0;
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
	{
		const char *version = c->version ? c->version : "1";
		int other_version = strcmp(b.course_version, version) != 0;
		char hash[65] = "";

		if (!other_version && *b.course_hash)
			course_hash(c, hash);
		if (other_version || (hash[0] && strcmp(b.course_hash, hash)))
			warning("'%s': learner %s graded it under %s of course '%s' (this class "
				"has version %s%s): the regrade decides", shown, b.learner_id,
				other_version ? "another version" : "other grading files",
				b.course_id, version,
				other_version ? "" : ", but its grading files differ");
	}
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
