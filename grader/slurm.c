/*
 * Class regrades through Slurm (class.h: class_regrade_slurm()).
 *
 * The class folder is on a file system the cluster's nodes share; class.db
 * stays with the submitting process alone (SQLite over NFS is not safe
 * for many writers).  A run is a folder CLASS/slurm/RUN:
 *
 *   plan.json          the jobs: submission, learner, login, exercise,
 *                      how many sources; the accelerator; the log folder
 *   src/JOB/           each job's submitted sources and the course's build
 *                      files, written from class.db before submitting
 *   array-N.tasks      one line per task of array N: its jobs' numbers
 *   array-N.sbatch     the script of array N; arrays.txt has their job ids
 *   results/JOB.json   a job's result, written atomically by the task that
 *                      graded it: the job and its record (record.h)
 *   logs/              Slurm's output of each task
 *
 * Each array task runs `kmemlab class slurm-task RUN N TASK` on its node,
 * which grades its jobs as a local regrade does (fresh lab VM, sandboxed
 * build) and writes their results.  The submitting process (or `class
 * regrade --collect`) ingests results into class.db, one transaction per
 * job and idempotently; a job whose task died leaves no result, is named
 * with Slurm's reason and runs once more.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "class.h"
#include "regrade-internal.h"
#include "run.h"
#include "util.h"

#define POLL_MS 2000
/* Minutes a task may run per job, when --time does not say. */
#define MINUTES_PER_JOB 10

static volatile sig_atomic_t slurm_stop;

static void on_slurm_stop(int sig)
{
	slurm_stop = sig;
}

/* ---- Slurm's commands ---- */

/* Run a Slurm command; its output into out.  0, or -1 with out holding why. */
static int slurm_cmd(const char *const *argv, struct strbuf *out)
{
	struct run_result rr;
	int st;

	strbuf_reset(out);
	st = run_capture(argv, NULL, NULL, out, 4 << 20, 60000, &rr);
	if (st < 0 && !out->len)
		strbuf_addf(out, "%s could not be started: install slurm-client", argv[0]);
	return st == 0 ? 0 : -1;
}

/* A number of `scontrol show config`, or def when it cannot be read. */
static long config_value(const char *config, const char *key, long def)
{
	for (const char *p = config; p && *p;) {
		size_t n = strcspn(p, "\n"), kl = strlen(key);

		if (n > kl && !strncmp(p, key, kl) && (p[kl] == ' ' || p[kl] == '=')) {
			const char *v = memchr(p, '=', n);

			if (v && isdigit((unsigned char)v[1 + strspn(v + 1, " ")]))
				return strtol(v + 1, NULL, 10);
		}
		p += n + (p[n] == '\n');
	}
	return def;
}

struct limits {
	long max_array;		/* MaxArraySize: indices 0 .. max_array - 1 */
	long max_jobs;		/* MaxJobCount */
	int read;		/* from scontrol, not Slurm's defaults */
};

static void read_limits(struct limits *l)
{
	const char *const argv[] = { "scontrol", "show", "config", NULL };
	struct strbuf out = STRBUF_INIT;

	l->read = slurm_cmd(argv, &out) == 0;
	l->max_array = config_value(l->read ? out.buf : "", "MaxArraySize", 1001);
	l->max_jobs = config_value(l->read ? out.buf : "", "MaxJobCount", 10000);
	if (l->max_array < 2)
		l->max_array = 2;
	if (l->max_jobs < 2)
		l->max_jobs = 2;
	strbuf_release(&out);
}

/* ---- the plan ---- */

struct plan {
	int njobs;
	int per_task;		/* jobs per array task */
	int ntasks;
	int per_array;		/* tasks per array, at most MaxArraySize */
	int narrays;
};

/*
 * Batch the jobs so that the cluster's limits hold: at most half of
 * MaxJobCount tasks in all (the queue is shared), at most MaxArraySize in
 * one array.
 */
static void make_plan(int njobs, const struct limits *l, struct plan *p)
{
	long max_tasks = l->max_jobs / 2 > 0 ? l->max_jobs / 2 : 1;

	p->njobs = njobs;
	p->per_task = (int)((njobs + max_tasks - 1) / max_tasks);
	if (p->per_task < 1)
		p->per_task = 1;
	p->ntasks = (njobs + p->per_task - 1) / p->per_task;
	p->per_array = (int)(l->max_array < p->ntasks ? l->max_array : p->ntasks);
	if (p->per_array < 1)
		p->per_array = 1;
	p->narrays = (p->ntasks + p->per_array - 1) / p->per_array;
}

/* s in single quotes for sh. */
static void sh_quote(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '\'');
	for (; *s; s++)
		if (*s == '\'')
			strbuf_addstr(sb, "'\\''");
		else
			strbuf_addch(sb, *s);
	strbuf_addch(sb, '\'');
}

static char *self_exe(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return xstrdup("kmemlab");
	buf[n] = '\0';
	return xstrdup(buf);
}

/* The sbatch script of one array of ntasks tasks. */
static char *sbatch_script(const char *run, const char *course, int array, int ntasks,
			   int per_task, const struct slurm_options *so)
{
	struct strbuf sb = STRBUF_INIT;
	char *exe = self_exe();
	int minutes = so->time_min ? so->time_min : MINUTES_PER_JOB * per_task;

	strbuf_addstr(&sb, "#!/bin/sh\n#SBATCH --job-name=kmemlab-regrade\n");
	strbuf_addf(&sb, "#SBATCH --array=0-%d\n", ntasks - 1);
	strbuf_addf(&sb, "#SBATCH --output=%s/logs/slurm-%%A_%%a.out\n", run);
	strbuf_addf(&sb, "#SBATCH --cpus-per-task=1\n#SBATCH --time=%d\n", minutes);
	/*
	 * A task whose node Slurm thinks lost is not run again by Slurm (its
	 * first run may still be grading): the regrade runs it once more.
	 */
	strbuf_addstr(&sb, "#SBATCH --no-requeue\n");
	if (so->partition)
		strbuf_addf(&sb, "#SBATCH --partition=%s\n", so->partition);
	for (int i = 0; i < so->nsbatch_args; i++)
		strbuf_addf(&sb, "#SBATCH %s\n", so->sbatch_args[i]);
	/* The class's course, whatever the node's environment says. */
	strbuf_addstr(&sb, "KMEMLAB_COURSE=");
	sh_quote(&sb, course);
	strbuf_addstr(&sb, "\nexport KMEMLAB_COURSE\nexec ");
	sh_quote(&sb, exe);
	strbuf_addstr(&sb, " class slurm-task ");
	sh_quote(&sb, run);
	strbuf_addf(&sb, " %d \"$SLURM_ARRAY_TASK_ID\"\n", array);
	free(exe);
	return strbuf_detach(&sb, NULL);
}

/* ---- a run's folder ---- */

struct slurm_run {
	char *dir;
	const char *course;	/* the class's course's folder */
	struct job **jobs;	/* the jobs of this run, by number */
	int njobs;
	char **ids;		/* Slurm job ids of its arrays */
	int nids;
	char **array_of;	/* per job: "ID_TASK" of the task that ran it last */
	unsigned char *ingested;
	int done, failed, ingested_n;
};

static char *run_file(const struct slurm_run *r, const char *name)
{
	return path_join(r->dir, name);
}

static int write_text(const char *path, const char *text)
{
	return write_file_atomic(path, text, strlen(text), 0644);
}

static int write_plan(struct store *st, const struct course *c,
		      const struct regrade_options *o, struct slurm_run *r)
{
	struct json_object *root = json_object_new_object(), *arr = json_object_new_array();
	char *path;
	int ret = -1;

	json_object_object_add(root, "format", json_object_new_int(1));
	json_object_object_add(root, "accel", o->accel ? json_object_new_string(o->accel) : NULL);
	json_object_object_add(root, "logdir", json_object_new_string(o->logdir));
	for (int i = 0; i < r->njobs; i++) {
		const struct job *j = r->jobs[i];
		const struct exercise *ex = course_exercise(c, j->exercise);
		struct json_object *o2 = json_object_new_object();
		char name[32], *src, *log = job_log(o, j);
		FILE *notes = fopen(log, "w");	/* the job's log starts with them */
		int n;

		snprintf(name, sizeof(name), "src/%d", i);
		src = run_file(r, name);
		n = ex ? write_sources(st, ex, j, src, notes ? notes : stderr) : -1;
		if (notes)
			fclose(notes);
		free(src);
		free(log);
		if (n < 0) {
			json_object_put(o2);
			goto out;
		}
		json_object_object_add(o2, "submission", json_object_new_int64(j->submission));
		json_object_object_add(o2, "learner", json_object_new_int64(j->learner));
		json_object_object_add(o2, "login", json_object_new_string(j->login));
		json_object_object_add(o2, "exercise", json_object_new_string(j->exercise));
		json_object_object_add(o2, "sources", json_object_new_int(n));
		json_object_array_add(arr, o2);
	}
	json_object_object_add(root, "jobs", arr);
	arr = NULL;
	path = run_file(r, "plan.json");
	ret = write_text(path, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	free(path);
out:
	json_object_put(arr);
	json_object_put(root);
	return ret;
}

/*
 * Submit the jobs given by number (all of the run's when list is NULL) as
 * arrays of p's shape; their ids are added to r.  0, or -1 (reported).
 */
static int submit(struct slurm_run *r, const int *list, int n, const struct plan *p,
		  const struct slurm_options *so)
{
	struct strbuf tasks = STRBUF_INIT, out = STRBUF_INIT;
	int ret = -1;

	for (int a = 0; a * p->per_array * p->per_task < n; a++) {
		int first = a * p->per_array * p->per_task;
		int last = first + p->per_array * p->per_task < n ? first + p->per_array * p->per_task
								 : n;
		int ntasks = (last - first + p->per_task - 1) / p->per_task;
		int array = r->nids;
		char *name = xasprintf("array-%d.tasks", array), *tpath = run_file(r, name);
		char *sname = xasprintf("array-%d.sbatch", array), *spath = run_file(r, sname);
		char *script = sbatch_script(r->dir, r->course, array, ntasks, p->per_task, so);
		const char *argv[] = { "sbatch", "--parsable", spath, NULL };
		int ok;

		strbuf_reset(&tasks);
		for (int t = 0; t < ntasks; t++) {
			for (int k = 0; k < p->per_task && first + t * p->per_task + k < last; k++)
				strbuf_addf(&tasks, "%s%d", k ? " " : "",
					    list ? list[first + t * p->per_task + k]
						 : first + t * p->per_task + k);
			strbuf_addch(&tasks, '\n');
		}
		ok = write_text(tpath, tasks.buf) == 0 && write_text(spath, script) == 0;
		free(name);
		free(sname);
		free(tpath);
		free(script);
		if (!ok) {
			free(spath);
			goto out;
		}
		if (slurm_cmd(argv, &out) < 0) {
			error("sbatch refused the regrade's array %d (%s): %s", array, spath,
			      rtrim(out.buf ? out.buf : ""));
			free(spath);
			goto out;
		}
		free(spath);
		rtrim(out.buf);
		/* --parsable: "ID" or "ID;CLUSTER" */
		out.buf[strcspn(out.buf, ";")] = '\0';
		r->ids = xrealloc(r->ids, (size_t)(r->nids + 1) * sizeof(*r->ids));
		r->ids[r->nids++] = xstrdup(out.buf);
		for (int t = 0; t < ntasks; t++)
			for (int k = 0; k < p->per_task && first + t * p->per_task + k < last; k++) {
				int job = list ? list[first + t * p->per_task + k]
					       : first + t * p->per_task + k;

				free(r->array_of[job]);
				r->array_of[job] = xasprintf("%s_%d", out.buf, t);
			}
	}
	{
		struct strbuf ids = STRBUF_INIT;
		char *path = run_file(r, "arrays.txt");

		for (int i = 0; i < r->nids; i++)
			strbuf_addf(&ids, "%s\n", r->ids[i]);
		write_text(path, ids.buf ? ids.buf : "");
		free(path);
		strbuf_release(&ids);
	}
	ret = 0;
out:
	strbuf_release(&tasks);
	strbuf_release(&out);
	return ret;
}

/* ---- results ---- */

/*
 * Ingest the results of the run folder dir into st, one transaction each,
 * idempotently.  done (may be NULL) marks the jobs seen, by number; the
 * counts of new ones and of those already in go to *added and *had.
 */
static int ingest_dir(struct store *st, const char *dir, unsigned char *done, int njobs,
		      int *added, int *had, int *failed)
{
	char *rdir = path_join(dir, "results");
	DIR *d = opendir(rdir);
	struct dirent *e;
	int ret = 0;

	while (d && (e = readdir(d)) && ret == 0) {
		struct json_object *o, *rec;
		struct strbuf sb = STRBUF_INIT;
		struct record r;
		char *p;
		int job = atoi(e->d_name), before;

		if (!path_has_suffix(e->d_name, ".json") || !isdigit((unsigned char)e->d_name[0]))
			continue;
		if (done && (job < 0 || job >= njobs || done[job]))
			continue;
		p = path_join(rdir, e->d_name);
		o = read_file(p, &sb, 64 << 20) == 0 ? json_tokener_parse(sb.buf ? sb.buf : "") : NULL;
		strbuf_release(&sb);
		if (!o || !json_object_object_get_ex(o, "record", &rec)) {
			warning("'%s' is not a regrade result: left out", p);
			free(p);
			json_object_put(o);
			continue;
		}
		free(p);
		record_from_json(rec, &r);
		before = *added;
		{
			struct json_object *v;
			int64_t learner = json_object_object_get_ex(o, "learner", &v)
					  ? json_object_get_int64(v) : 0;
			int64_t submission = json_object_object_get_ex(o, "submission", &v)
					     ? json_object_get_int64(v) : 0;

			if (!r.exercise || !r.verdict || !learner || !submission) {
				warning("'%s/%s' lacks its job or record: left out", rdir, e->d_name);
			} else if (store_begin(st, "saving a regrade") < 0 ||
				   store_import_regrade(st, learner, submission, &r, added) < 0 ||
				   store_commit(st, "saving a regrade") < 0) {
				store_rollback(st);
				ret = -1;
			} else {
				if (*added == before)
					(*had)++;
				if (failed && strcmp(r.verdict, "pass"))
					(*failed)++;
				if (done)
					done[job] = 1;
			}
		}
		record_release(&r);
		json_object_put(o);
	}
	if (d)
		closedir(d);
	free(rdir);
	return ret;
}

/* Every run folder of the class: their results into class.db. */
static int ingest_all(struct store *st, const char *classdir, int *added, int *had)
{
	char *sdir = path_join(classdir, "slurm");
	DIR *d = opendir(sdir);
	struct dirent *e;
	int ret = 0;

	while (d && (e = readdir(d)) && ret == 0) {
		char *run;

		if (e->d_name[0] == '.')
			continue;
		run = path_join(sdir, e->d_name);
		if (is_dir(run))
			ret = ingest_dir(st, run, NULL, 0, added, had, NULL);
		free(run);
	}
	if (d)
		closedir(d);
	free(sdir);
	return ret;
}

int class_slurm_collect(struct store *st, const struct regrade_options *o)
{
	int added = 0, had = 0;

	if (ingest_all(st, o->classdir, &added, &had) < 0)
		return -1;
	printf("collected %d new regrade result%s (%d already in the class database)\n", added,
	       added == 1 ? "" : "s", had);
	return 0;
}

/* ---- waiting ---- */

/* Queued and running tasks of the run's arrays; -1 when squeue cannot say. */
static int queue_state(const struct slurm_run *r, int *queued, int *running)
{
	struct strbuf ids = STRBUF_INIT, out = STRBUF_INIT;
	int ret;

	*queued = *running = 0;
	for (int i = 0; i < r->nids; i++)
		strbuf_addf(&ids, "%s%s", i ? "," : "", r->ids[i]);
	{
		const char *argv[] = { "squeue", "-h", "-r", "-j", ids.buf, "-o", "%T", NULL };

		ret = slurm_cmd(argv, &out);
	}
	for (const char *p = strbuf_str(&out); ret == 0 && *p;) {
		size_t n = strcspn(p, "\n");

		if (!strncmp(p, "RUNNING", 7) || !strncmp(p, "COMPLETING", 10))
			(*running)++;
		else if (n)
			(*queued)++;
		p += n + (p[n] == '\n');
	}
	strbuf_release(&ids);
	strbuf_release(&out);
	return ret;
}

/*
 * Why the task "ID_TASK" left no result, from scontrol (jobs Slurm still
 * remembers), else sacct: "FAILED, exit code 9:0, on node1".  Allocated.
 */
static char *task_reason(const char *task)
{
	char *id = xstrdup(task), *t = strchr(id, '_');
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;
	char want[64];

	if (t)
		*t++ = '\0';
	snprintf(want, sizeof(want), "ArrayTaskId=%s ", t ? t : "");
	{
		const char *argv[] = { "scontrol", "-o", "show", "job", id, NULL };

		if (slurm_cmd(argv, &out) == 0) {
			for (const char *p = out.buf; p && *p;) {
				size_t n = strcspn(p, "\n");
				char *line = xstrndup(p, n);

				if (strstr(line, want)) {
					static const char *const keys[] = { "JobState=", "Reason=",
									    "ExitCode=", "NodeList=" };

					for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
						const char *v = strstr(line, keys[k]);

						if (v)
							strbuf_addf(&why, "%s%.*s", why.len ? " " : "",
								    (int)strcspn(v, " "), v);
					}
				}
				free(line);
				p += n + (p[n] == '\n');
			}
		}
	}
	if (!why.len) {
		const char *argv[] = { "sacct", "-n", "-P", "-X", "-j", task, "--format",
				       "State,ExitCode,NodeList", NULL };

		if (slurm_cmd(argv, &out) == 0 && out.len)
			strbuf_addf(&why, "State=%s", rtrim(out.buf));
	}
	if (!why.len)
		strbuf_addstr(&why, "Slurm no longer knows the task");
	free(id);
	strbuf_release(&out);
	return strbuf_detach(&why, NULL);
}

static void cancel(const struct slurm_run *r)
{
	struct strbuf out = STRBUF_INIT;

	for (int i = 0; i < r->nids; i++) {
		const char *argv[] = { "scancel", r->ids[i], NULL };

		if (slurm_cmd(argv, &out) < 0)
			warning("scancel %s failed: %s", r->ids[i], rtrim(out.buf ? out.buf : ""));
	}
	strbuf_release(&out);
}

static void count_done(struct slurm_run *r)
{
	r->done = 0;
	for (int i = 0; i < r->njobs; i++)
		r->done += r->ingested[i];
}

/*
 * Wait for the run's tasks, ingesting results as they come, until every
 * task has ended (0) or a stop (1).
 */
static int wait_run(struct store *st, struct slurm_run *r, int tty, int64_t start)
{
	int last_q = -1, last_r = -1, added = 0, had = 0;

	for (;;) {
		int queued, running;

		if (ingest_dir(st, r->dir, r->ingested, r->njobs, &added, &had, &r->failed) < 0)
			return -1;
		count_done(r);
		if (slurm_stop)
			return 1;
		if (queue_state(r, &queued, &running) < 0) {
			queued = last_q < 0 ? 0 : last_q;
			running = last_r < 0 ? 0 : last_r;
		}
		if (tty)
			draw_bar(r->done, r->njobs, r->failed, 0, queued, running, start);
		if (!queued && !running) {
			/* The last results may have come after the first look. */
			if (ingest_dir(st, r->dir, r->ingested, r->njobs, &added, &had,
				       &r->failed) < 0)
				return -1;
			count_done(r);
			return 0;
		}
		last_q = queued;
		last_r = running;
		for (int slept = 0; slept < POLL_MS && !slurm_stop; slept += 100)
			usleep(100 * 1000);
	}
}

/* ---- the submitting side ---- */

int class_regrade_slurm(struct store *st, const struct course *c,
			const struct regrade_options *o, const struct slurm_options *so)
{
	struct sigaction sa = { 0 }, old_int, old_term;
	struct slurm_run r = { 0 };
	struct job *jobs = NULL;
	struct limits lim;
	struct plan plan;
	int n = 0, ret = -1, added = 0, had = 0, tty = isatty(2), round;
	int64_t start;

	/* What earlier runs graded counts first: a second run resumes. */
	if (!so->dry_run && ingest_all(st, o->classdir, &added, &had) < 0)
		return -1;
	if (added)
		printf("regrade: %d result%s of an earlier run collected\n", added,
		       added == 1 ? "" : "s");
	if (load_jobs(st, o, &jobs, &n) < 0)
		return -1;
	if (!n) {
		error("nothing to regrade: no submission%s%s%s ('kmemlab class import BUNDLE' "
		      "adds them)", o->learner ? " from learner '" : "",
		      o->learner ? o->learner : "", o->learner ? "'" : "");
		goto out;
	}
	r.course = c->dir;
	r.jobs = xcalloc((size_t)n, sizeof(*r.jobs));
	for (int i = 0; i < n; i++)
		if (!jobs[i].done)
			r.jobs[r.njobs++] = &jobs[i];
	read_limits(&lim);
	make_plan(r.njobs, &lim, &plan);
	printf("regrade through Slurm: %d job%s of %d to run (%d already regraded%s)\n", r.njobs,
	       r.njobs == 1 ? "" : "s", n, n - r.njobs,
	       n - r.njobs ? ": --force redoes them" : "");
	if (!r.njobs) {
		ret = report_disagreements(st, jobs, n) < 0 ? -1 : 0;
		goto out;
	}
	printf("plan: %d array%s of up to %d task%s, %d job%s per task (%d tasks; MaxArraySize "
	       "%ld, MaxJobCount %ld%s)\n", plan.narrays, plan.narrays == 1 ? "" : "s",
	       plan.per_array, plan.per_array == 1 ? "" : "s", plan.per_task,
	       plan.per_task == 1 ? "" : "s", plan.ntasks, lim.max_array, lim.max_jobs,
	       lim.read ? ", from scontrol show config" : ": Slurm's defaults, scontrol did not "
							 "answer");
	if (so->dry_run) {
		char *script;

		for (int a = 0; a < plan.narrays; a++) {
			int first = a * plan.per_array * plan.per_task;
			int last = first + plan.per_array * plan.per_task < r.njobs
					   ? first + plan.per_array * plan.per_task : r.njobs;

			printf("  array %d: tasks 0-%d, jobs %d-%d\n", a,
			       (last - first + plan.per_task - 1) / plan.per_task - 1, first, last - 1);
		}
		script = sbatch_script("CLASS/slurm/RUN", c->dir, 0, plan.per_array, plan.per_task,
				       so);
		printf("the sbatch script of array 0 (CLASS/slurm/RUN is this run's folder):\n%s",
		       script);
		printf("dry run: nothing was written or submitted\n");
		free(script);
		ret = 0;
		goto out;
	}
	{
		char stamp[32];
		time_t t = time(NULL);

		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&t));
		r.dir = xasprintf("%s/slurm/%s-%d", o->classdir, stamp, (int)getpid());
	}
	{
		char *res = run_file(&r, "results"), *logs = run_file(&r, "logs");
		int ok = mkdir_p(res, 0755) == 0 && mkdir_p(logs, 0755) == 0 &&
			 mkdir_p(o->logdir, 0755) == 0;

		free(res);
		free(logs);
		if (!ok)
			goto out;
	}
	r.array_of = xcalloc((size_t)r.njobs, sizeof(*r.array_of));
	r.ingested = xcalloc((size_t)r.njobs, 1);
	if (write_plan(st, c, o, &r) < 0 || submit(&r, NULL, r.njobs, &plan, so) < 0)
		goto out;
	printf("submitted %d array%s (Slurm job%s", r.nids, r.nids == 1 ? "" : "s",
	       r.nids == 1 ? "" : "s");
	for (int i = 0; i < r.nids; i++)
		printf(" %s", r.ids[i]);
	printf("); run folder %s; logs in %s\n", r.dir, o->logdir);
	fflush(stdout);
	if (so->no_wait) {
		printf("not waiting: 'kmemlab class regrade --collect' takes the results in as "
		       "they come ('squeue -n kmemlab-regrade' shows the queue)\n");
		ret = 0;
		goto out;
	}
	slurm_stop = 0;
	sa.sa_handler = on_slurm_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	start = now_ms();
	for (round = 1;; round++) {
		int *missing, nmissing = 0, w = wait_run(st, &r, tty, start);

		if (tty)
			fputs("\r\033[K", stderr);
		if (w != 0) {
			sigaction(SIGINT, &old_int, NULL);
			sigaction(SIGTERM, &old_term, NULL);
			if (w > 0) {
				cancel(&r);
				printf("interrupted: the Slurm arrays were cancelled; %d of %d jobs "
				       "graded and saved; 'kmemlab class regrade --slurm' again resumes "
				       "with the rest\n", r.done, r.njobs);
				ret = 1;
			}
			goto out;
		}
		missing = xcalloc((size_t)r.njobs + 1, sizeof(*missing));
		for (int i = 0; i < r.njobs; i++)
			if (!r.ingested[i])
				missing[nmissing++] = i;
		if (!nmissing || round == 2) {
			if (nmissing)
				printf("could not be graded (the task left no result, twice):\n");
			for (int i = 0; i < nmissing; i++) {
				const struct job *j = r.jobs[missing[i]];
				char *why = task_reason(r.array_of[missing[i]]), *log = job_log(o, j);

				printf("  %s %s: task %s: %s; see %s\n", j->login, j->exercise,
				       r.array_of[missing[i]], why, log);
				free(why);
				free(log);
			}
			free(missing);
			break;
		}
		for (int i = 0; i < nmissing; i++) {
			const struct job *j = r.jobs[missing[i]];
			char *why = task_reason(r.array_of[missing[i]]);

			fprintf(stderr, "%s %s could not be graded (task %s: %s); running it once "
				"more\n", j->login, j->exercise, r.array_of[missing[i]], why);
			free(why);
		}
		{
			struct plan again = plan;

			/* Jobs alone now: a task that dies takes only its own job. */
			again.per_task = 1;
			again.ntasks = nmissing;
			again.per_array = (int)(lim.max_array < nmissing ? lim.max_array : nmissing);
			if (submit(&r, missing, nmissing, &again, so) < 0) {
				free(missing);
				goto out;
			}
		}
		free(missing);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	{
		double secs = (double)(now_ms() - start) / 1000;
		int errors = r.njobs - r.done;

		printf("regraded %d job%s through Slurm in %.1f s (%.1f jobs/min): %d passed, %d "
		       "not passed, %d could not be graded\n", r.done, r.done == 1 ? "" : "s", secs,
		       secs > 0 ? r.done * 60 / secs : 0.0, r.done - r.failed, r.failed, errors);
		{
			int disagree = report_disagreements(st, jobs, n);

			if (disagree < 0)
				goto out;
			if (!disagree)
				printf("no disagreements between self-reported and regraded "
				       "verdicts\n");
			ret = errors || disagree ? 1 : 0;
		}
	}
out:
	for (int i = 0; i < r.nids; i++)
		free(r.ids[i]);
	free(r.ids);
	for (int i = 0; r.array_of && i < r.njobs; i++)
		free(r.array_of[i]);
	free(r.array_of);
	free(r.ingested);
	free(r.jobs);
	free(r.dir);
	free_jobs(jobs, n);
	return ret;
}
