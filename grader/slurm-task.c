/*
 * One Slurm array task of a class regrade, on its node (class.h:
 * class_slurm_task(); slurm.c says how a run's folder is laid out).
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "class.h"
#include "regrade-internal.h"
#include "util.h"

/*
 * A job's result, written once: the first run of a job to finish wins,
 * so that what the regrade took in never changes under it.  A result
 * already there (a run of the same job that Slurm started twice) is kept.
 */
static int write_result(const char *res, const char *text)
{
	char *tmp = xasprintf("%s.tmp.%d", res, (int)getpid());
	int ret = write_file_atomic(tmp, text, strlen(text), 0644);

	if (ret == 0 && link(tmp, res) < 0 && errno != EEXIST)
		ret = error("cannot write '%s': %s", res, strerror(errno));
	unlink(tmp);
	free(tmp);
	return ret;
}

int class_slurm_task(const struct course *c, const char *run, int array, int task)
{
	struct json_object *plan = NULL, *jobs, *v;
	struct strbuf sb = STRBUF_INIT;
	char *path = path_join(run, "plan.json"), *name, *line = NULL, host[256] = "?";
	const char *accel = NULL, *logdir = NULL;
	int failed = 0;

	gethostname(host, sizeof(host) - 1);
	if (read_file(path, &sb, 256 << 20) < 0 || !(plan = json_tokener_parse(sb.buf)) ||
	    !json_object_object_get_ex(plan, "jobs", &jobs)) {
		error("cannot read the regrade's plan '%s': is the class folder shared with this "
		      "node (%s)?", path, host);
		free(path);
		strbuf_release(&sb);
		json_object_put(plan);
		return 2;
	}
	free(path);
	if (json_object_object_get_ex(plan, "accel", &v) && v)
		accel = json_object_get_string(v);
	if (json_object_object_get_ex(plan, "logdir", &v))
		logdir = json_object_get_string(v);
	name = xasprintf("array-%d.tasks", array);
	path = path_join(run, name);
	free(name);
	strbuf_reset(&sb);
	if (read_file(path, &sb, 0) == 0) {
		const char *p = sb.buf ? sb.buf : "";

		for (int t = 0; t < task && *p; t++)
			p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n');
		line = xstrndup(p, strcspn(p, "\n"));
	}
	if (!line || !*line) {
		error("task %d of array %d is not in '%s'", task, array, path);
		free(path);
		free(line);
		strbuf_release(&sb);
		json_object_put(plan);
		return 2;
	}
	free(path);
	interrupt_catch(1);
	for (char *w = strtok(line, " "); w; w = strtok(NULL, " ")) {
		int k = atoi(w), g;
		struct json_object *job = json_object_array_get_idx(jobs, (size_t)k), *f;
		const char *login = "", *exercise = "";
		int64_t learner = 0, submission = 0;
		int nsrc = 0, saved1, saved2, fd = -1;
		struct record r;
		char *src, *res, *log = NULL;

		if (!job) {
			error("job %d is not in the plan", k);
			failed = 1;
			continue;
		}
		if (json_object_object_get_ex(job, "login", &f))
			login = json_object_get_string(f);
		if (json_object_object_get_ex(job, "exercise", &f))
			exercise = json_object_get_string(f);
		if (json_object_object_get_ex(job, "learner", &f))
			learner = json_object_get_int64(f);
		if (json_object_object_get_ex(job, "submission", &f))
			submission = json_object_get_int64(f);
		if (json_object_object_get_ex(job, "sources", &f))
			nsrc = json_object_get_int(f);
		name = xasprintf("results/%d.json", k);
		res = path_join(run, name);
		free(name);
		if (is_file(res)) {	/* graded by an earlier try */
			free(res);
			continue;
		}
		if (logdir) {
			name = xasprintf("%s-%s.log", login, exercise);
			log = path_join(logdir, name);
			free(name);
			fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		}
		fflush(stdout);
		fflush(stderr);
		saved1 = dup(1);
		saved2 = dup(2);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		fprintf(stderr, "regrade of learner '%s', exercise '%s' (submission %lld) on %s, "
			"Slurm task %d of array %d\n", login, exercise, (long long)submission, host,
			task, array);
		name = xasprintf("src/%d", k);
		src = path_join(run, name);
		free(name);
		g = grade_sources(c, accel, exercise, src, nsrc, &r);
		fflush(stdout);
		fflush(stderr);
		dup2(saved1, 1);
		dup2(saved2, 2);
		close(saved1);
		close(saved2);
		if (g < 2) {
			struct json_object *o = json_object_new_object();
			const char *text;

			json_object_object_add(o, "job", json_object_new_int(k));
			json_object_object_add(o, "submission", json_object_new_int64(submission));
			json_object_object_add(o, "learner", json_object_new_int64(learner));
			json_object_object_add(o, "host", json_object_new_string(host));
			json_object_object_add(o, "record", record_to_json(&r));
			text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
			if (write_result(res, text) < 0)
				failed = 1;
			json_object_put(o);
		} else {
			failed = 1;
			fprintf(stderr, "job %d (%s %s) could not be graded: see %s\n", k, login,
				exercise, log ? log : "its log");
		}
		record_release(&r);
		free(src);
		free(res);
		free(log);
		if (interrupted)
			break;
	}
	free(line);
	strbuf_release(&sb);
	json_object_put(plan);
	return failed || interrupted ? 1 : 0;
}
