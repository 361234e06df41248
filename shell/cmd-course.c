#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "paths.h"
#include "question.h"
#include "run.h"
#include "util.h"

/* course new DIR: the example pack, copied from the data tree's template. */
static int course_new(const char *dir)
{
	char *tmpl = path_join(paths.data, "templates/course"), *json, *base;
	struct strbuf sb = STRBUF_INIT;
	int r = CMD_ERROR;

	if (access(dir, F_OK) == 0) {
		error("'%s' exists already: 'course new' makes a new folder (give one that does "
		      "not exist)", dir);
		goto out;
	}
	if (!is_dir(tmpl)) {
		error("the course template '%s' is missing: set KMEMLAB_DATA to the kmemlab tree",
		      tmpl);
		goto out;
	}
	if (copy_tree(tmpl, dir) < 0)
		goto out;
	/* The course's id is the folder's name, where it can be one. */
	base = path_basename(dir);
	json = path_join(dir, "lessons/course.json");
	if (read_file(json, &sb, 1 << 20) == 0) {
		char *id = xstrdup(base), *p, *text;

		for (p = id; *p; p++)
			*p = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a')
			     : ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')
				       ? *p : '-';
		p = strstr(sb.buf, "\"example\"");
		if (p && *id) {
			text = xasprintf("%.*s\"%s\"%s", (int)(p - sb.buf), sb.buf, id, p + 9);
			write_file_atomic(json, text, strlen(text), 0644);
			free(text);
		}
		free(id);
	}
	free(json);
	free(base);
	printf("course pack '%s' written: an example lesson with a module exercise, its probe, "
	       "a grading script and two wrong solutions.\n"
	       "  kmemlab course prove %s     shows that it grades as it should\n"
	       "  kmemlab --course %s         teaches it (or KMEMLAB_COURSE=%s)\n"
	       "  %s/README.md and 'man 5 kmemlab-course' describe the format\n",
	       dir, dir, dir, dir, dir);
	r = CMD_OK;
out:
	strbuf_release(&sb);
	free(tmpl);
	return r;
}

/* One line of the proof table; returns 1 when it held. */
static int row(const char *what, const char *which, const char *want, const char *got, int held)
{
	printf("%-14s %-22s %-26s %-26s %s\n", what, which, want, got, held ? "ok" : "WRONG");
	fflush(stdout);
	return held;
}

/* The first check that did not pass, or "-". */
static const char *first_failed(const struct attempt *a)
{
	for (int i = 0; i < a->nitems; i++)
		if (strcmp(a->items[i].status, "pass"))
			return a->items[i].name;
	return "-";
}

/* Whether check name did not pass in a. */
static int failed_on(const struct attempt *a, const char *name)
{
	for (int i = 0; i < a->nitems; i++)
		if (!strcmp(a->items[i].name, name))
			return strcmp(a->items[i].status, "pass") != 0;
	return 0;
}

static int prove_one(struct cmd_ctx *ctx, const struct exercise *ex, const char *which,
		     const char *source, const char *fails, int *bad)
{
	struct check_options co = { .vm.accel = ctx->accel };
	struct attempt a;
	char want[64], got[96];
	int held;

	if (attempt_run(ex, source, &co, &a) < 0 || interrupted) {
		attempt_release(&a);
		row(ex->id, which, "a verdict", "error (above)", 0);
		(*bad)++;
		return interrupted ? -1 : 0;
	}
	if (!fails) {
		snprintf(want, sizeof(want), "pass");
		snprintf(got, sizeof(got), "%s %d/%d", a.verdict, a.score, a.max_score);
		held = !strcmp(a.verdict, "pass");
	} else if (!*fails) {
		snprintf(want, sizeof(want), "fail");
		snprintf(got, sizeof(got), "%s on %s", a.verdict, first_failed(&a));
		held = strcmp(a.verdict, "pass") != 0;
	} else {
		snprintf(want, sizeof(want), "fail on %s", fails);
		snprintf(got, sizeof(got), "%s on %s", a.verdict, failed_on(&a, fails) ? fails
								    : first_failed(&a));
		held = strcmp(a.verdict, "pass") && failed_on(&a, fails);
	}
	*bad += !row(ex->id, which, want, got, held);
	attempt_release(&a);
	return 0;
}

/* A copy of the solution with the patch applied (a temporary folder), or NULL (said). */
static char *patched(const struct exercise *ex, const char *patch)
{
	char tmpl[] = "/tmp/kmemlab-wrong-XXXXXX";
	char *dir = mkdtemp(tmpl) ? xstrdup(tmpl) : NULL;
	struct strbuf out = STRBUF_INIT;
	struct run_result rr;

	if (!dir) {
		error("cannot make a folder in /tmp: %s", strerror(errno));
		return NULL;
	}
	if (copy_tree(ex->solution, dir) == 0) {
		const char *const argv[] = { "patch", "-s", "-p1", "-d", dir, "-i", patch, NULL };

		if (run_capture(argv, NULL, NULL, &out, 64 << 10, 30000, &rr) == 0) {
			strbuf_release(&out);
			return dir;
		}
		error("the wrong solution '%s' does not apply to the solution of exercise '%s': "
		      "%s", patch, ex->id, rtrim(out.buf ? out.buf : ""));
	}
	strbuf_release(&out);
	remove_tree(dir);
	free(dir);
	return NULL;
}

/*
 * course prove [DIR]: the pack loads (every file valid), and in the lab
 * VM each solution passes, each skeleton fails, each wrong solution fails
 * on its check, each measured question has an answer.
 */
static int course_prove(struct cmd_ctx *ctx, const char *dir)
{
	struct course c;
	int bad = 0, rows = 0;

	if (course_load(dir, &c) < 0) {
		error("course pack '%s' is not valid (above): nothing was proved", dir);
		return CMD_ERROR;
	}
	printf("course %s, version %s: %d lesson%s (%s)\n\n", c.id, c.version, c.nlessons,
	       c.nlessons == 1 ? "" : "s", dir);
	printf("%-14s %-22s %-26s %-26s %s\n", "exercise", "source", "expected", "graded", "");
	for (int i = 0; i < c.nlessons && !interrupted; i++) {
		const struct lesson *l = &c.lessons[i];

		for (int j = 0; j < l->nexercises && !interrupted; j++) {
			const struct exercise *ex = &l->exercises[j];

			if (prove_one(ctx, ex, "solution", ex->solution, NULL, &bad) < 0 ||
			    prove_one(ctx, ex, "skeleton", ex->skeleton, "", &bad) < 0)
				break;
			rows += 2;
			for (int k = 0; k < ex->nwrong && !interrupted; k++) {
				const struct wrong_solution *ws = &ex->wrong[k];
				char *which = path_basename(ws->dir ? ws->dir : ws->patch);

				if (path_has_suffix(which, ".patch"))
					which[strlen(which) - 6] = '\0';
				char *w = xasprintf("wrong/%s", which), *wdir = NULL;
				int r = 0;

				if (ws->patch)
					wdir = patched(ex, ws->patch);
				if (ws->patch && !wdir) {
					row(ex->id, w, "the patch applies", "no (above)", 0);
					bad++;
				} else {
					r = prove_one(ctx, ex, w, wdir ? wdir : ws->dir, ws->fails, &bad);
				}
				if (wdir) {
					remove_tree(wdir);
					free(wdir);
				}
				free(which);
				free(w);
				rows++;
				if (r < 0)
					break;
			}
		}
		for (int q = 0; q < l->nquestions && !interrupted; q++) {
			const struct question *qu = &l->questions[q];
			struct vm_options vo = { .accel = ctx->accel };
			char *what, *exp;

			if (!qu->answer_vm)
				continue;
			what = xasprintf("lesson %d", l->number);
			exp = question_expected(qu, &vo);
			bad += !row(what, qu->id, "a measured answer", exp ? exp : "none (above)",
				    exp && *exp);
			rows++;
			free(exp);
			free(what);
		}
	}
	course_release(&c);
	if (interrupted) {
		printf("\ninterrupted: the proof is not complete\n");
		interrupted = 0;
		return CMD_FAIL;
	}
	printf("\n%d of %d held%s\n", rows - bad, rows, bad ? ": the lines marked WRONG did not"
							 : "");
	return bad ? CMD_FAIL : CMD_OK;
}

static int course_new_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	(void)ctx;
	return course_new(args->argv[0]);
}

static int course_prove_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	char *dir = args->argc ? path_make_absolute(args->argv[0]) : xstrdup(paths.course);
	int r = course_prove(ctx, dir);

	free(dir);
	return r;
}

static const struct cmd_entry course_new_entry = {
	.name = "new",
	.usage = "DIR",
	.summary = "write a working example course pack into the new folder DIR",
	.complete = COMPLETE_FILE,
	.min_args = 1,
	.max_args = 1,
	.args_error = "'course new' wants one new folder",
	.parent = &cmd_course,
	.exec = course_new_exec,
};

static const struct cmd_entry course_prove_entry = {
	.name = "prove",
	.usage = "[DIR]",
	.summary = "check a pack's files, then prove in the lab VM that it grades as declared",
	.complete = COMPLETE_FILE,
	.min_args = 0,
	.max_args = 1,
	.args_error = "'course prove' takes at most one folder",
	.parent = &cmd_course,
	.exec = course_prove_exec,
};

const struct cmd_entry cmd_course = {
	.name = "course",
	.alias = NULL,
	.summary = "for instructors: write a course pack, prove it grades as it should",
	.help = "A course pack is a folder: lessons/course.json, a folder per lesson with its\n"
		"lesson.json and text, and the exercises' skeletons, solutions, wrong\n"
		"solutions and probes ('man 5 kmemlab-course').  --course DIR (or\n"
		"KMEMLAB_COURSE) teaches one.\n\n"
		"  course new DIR     write a working example pack into the new folder DIR\n"
		"  course prove [DIR] check every file of the pack (the current course's\n"
		"                     by default), then in the lab VM: each solution passes,\n"
		"                     each skeleton fails, each wrong solution fails on the\n"
		"                     check it names, each measured question has an answer;\n"
		"                     a table says which held\n\n"
		"Exit status: 0 all held, 1 one did not, 2 the pack is not valid.\n\n"
		"Examples:\n  kmemlab course new ~/my-course\n  kmemlab course prove ~/my-course",
	.complete = COMPLETE_NONE,
	.subcommands = (const struct cmd_entry *const[]){
		&course_new_entry, &course_prove_entry, NULL,
	},
};
