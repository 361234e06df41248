#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "class.h"
#include "cmd.h"
#include "report.h"

/* The values of --format, in the order of enum format. */
enum format { FMT_TABLE, FMT_CSV, FMT_HTML, FMT_JSON };
static const char *const format_names[] = { "table", "csv", "html", "json", NULL };

/*
 * --format (one of format_names: dispatch refuses any other), else what
 * --out's name says, else a table.
 */
static void pick_format(const char *fmt, const char *out, enum format *f)
{
	*f = FMT_TABLE;
	if (fmt) {
		for (int i = 0; format_names[i]; i++)
			if (!strcmp(fmt, format_names[i]))
				*f = (enum format)i;
		return;
	}
	if (out && path_has_suffix(out, ".csv"))
		*f = FMT_CSV;
	else if (out && (path_has_suffix(out, ".html") || path_has_suffix(out, ".htm")))
		*f = FMT_HTML;
	else if (out && path_has_suffix(out, ".json"))
		*f = FMT_JSON;
}

static int terminal_width(void)
{
	struct winsize ws;
	const char *cols = getenv("COLUMNS");

	if (isatty(1) && ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (cols && atoi(cols) > 0)
		return atoi(cols);
	return 0;	/* a pipe or a file: one band, however wide */
}

static int write_report(struct report *r, enum format fmt, FILE *f, int width, int color,
			int only_results)
{
	switch (fmt) {
	case FMT_TABLE:
		return report_write_table(r, f, width, color);
	case FMT_CSV:
		return report_write_csv(r, f);
	case FMT_HTML:
		return report_write_html(r, f);
	case FMT_JSON:
		return report_write_json(r, f, only_results);
	}
	return -1;
}

/* --out DIR/ (or an existing directory): an HTML folder. */
static int is_folder(const char *out)
{
	return out[strlen(out) - 1] == '/' || is_dir(out);
}

/* The directory out is in must exist: a mistyped path is not created. */
static int parent_exists(const char *out)
{
	char *dir = xstrdup(out), *slash;
	int ret = 0;

	while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
		dir[strlen(dir) - 1] = '\0';
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (!is_dir(dir))
			ret = error("cannot write '%s': directory '%s' does not exist", out, dir);
	}
	free(dir);
	return ret;
}

/* The report into out through a temporary file: all of it or nothing. */
static int write_out(struct report *r, enum format fmt, const char *out, int only_results)
{
	struct atomic_file a;
	long len;

	if (parent_exists(out) < 0 || atomic_open(&a, out, 0644) < 0)
		return -1;
	if (write_report(r, fmt, a.f, 0, 0, only_results) < 0) {
		atomic_abort(&a);
		return -1;
	}
	len = ftell(a.f);
	if (atomic_commit(&a, 1) < 0)
		return -1;
	printf("report: %s report of %d learner%s written to '%s' (%ld bytes)\n",
	       format_names[fmt], r->stats.learners, r->stats.learners == 1 ? "" : "s", out, len);
	return 0;
}

/* The HTML folder: index.html, learners/ID.html, style.css. */
static int write_folder(struct report *r, const char *out)
{
	if (parent_exists(out) < 0)
		return -1;
	if (!is_dir(out) && mkdir(out, 0755) < 0)
		return error("cannot create directory '%s': %s", out, strerror(errno));
	if (report_write_html_dir(r, out) < 0)
		return -1;
	printf("report: html folder of %d learner%s written to '%s': index.html and a page per "
	       "learner in learners/\n", r->stats.learners, r->stats.learners == 1 ? "" : "s", out);
	return 0;
}

static int report_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct report_options ro = { 0 };
	struct report rep = REPORT_INIT;
	int folder;
	struct store *st = NULL, *class_st = NULL;
	const char *class_dir, *out;
	char *db_path = NULL, *login = NULL, *name = NULL;
	struct course *c;
	enum format fmt;
	int r = CMD_ERROR, loaded = 0;

	out = args_get(args, "out");
	if (out && !*out) {
		r = cmd_usage_error(&cmd_report, "--out needs a file name, or a folder's (DIR/)");
		goto done;
	}
	pick_format(args_get(args, "format"), out, &fmt);
	folder = out && is_folder(out);
	if (folder && args_has(args, "format") && fmt != FMT_HTML) {
		r = cmd_usage_error(&cmd_report, "--out '%s' is a folder, which holds an html "
				    "report, not %s: name a file for %s", out, format_names[fmt],
				    format_names[fmt]);
		goto done;
	}
	if (folder)
		fmt = FMT_HTML;
	class_dir = args_has(args, "class") ? args_get(args, "class") : getenv("KMEMLAB_CLASS");
	if (class_dir && !*class_dir)
		class_dir = NULL;
	/* In a class directory, as 'class import' and 'class regrade' are: that class. */
	if (!class_dir && is_file("class.db"))
		class_dir = ".";
	ro.learner = args_get(args, "learner");
	if (class_dir) {
		db_path = path_join(class_dir, "class.db");
		if (!is_file(db_path)) {
			error("'%s' is not a kmemlab class directory (no class.db): create one with "
			      "kmemlab class init %s", class_dir, class_dir);
			goto done;
		}
		/* class_open() also refuses a learner's database put where a class's goes. */
		st = class_st = class_open(class_dir, 0);
		ro.is_class = 1;
		ro.title = class_dir;
		c = st ? ctx_class_course(ctx, st) : NULL;
		if (!c)
			goto done;
	} else {
		c = ctx_course(ctx);
		if (!c)
			goto done;
		st = ctx_store(ctx);
		/* The learner's own row, so that a fresh database reports one learner. */
		if (st && store_identity(st, &login, &name, NULL) < 0)
			goto done;
		ro.title = name;
	}
	if (!st || report_open(st, c, &ro, &rep) < 0)
		goto done;
	loaded = 1;
	if (folder) {
		if (write_folder(&rep, out) < 0)
			goto done;
	} else if (out) {
		if (write_out(&rep, fmt, out, ro.learner != NULL) < 0)
			goto done;
	} else {
		if (write_report(&rep, fmt, stdout, fmt == FMT_TABLE ? terminal_width() : 0,
				 ctx->color, ro.learner != NULL) < 0)
			goto done;
		if (fflush(stdout) != 0 || ferror(stdout)) {
			error("cannot write the report to standard output");
			goto done;
		}
	}
	r = CMD_OK;
done:
	if (loaded)
		report_close(&rep);
	store_close(class_st);
	free(db_path);
	free(login);
	free(name);
	return r;
}

const struct cmd_entry cmd_report = {
	.name = "report",
	.alias = NULL,
	.usage = "[--format table|csv|html|json] [--out FILE|DIR/] [--class DIR] [--learner ID]",
	.summary = "progress reports: a table, CSV, an HTML page or folder, JSON for an LMS",
	.help = "Reports progress by learner and exercise: for each, the number of your\n"
		"own attempts, when you first tried and first passed, your verdict, the\n"
		"instructor's clean regrade (which counts when there is one) and the score,\n"
		"and the number of your experiments (checks of another source), which\n"
		"count for nothing.\n"
		"With --class DIR (or KMEMLAB_CLASS=DIR, or in a directory holding a\n"
		"class.db, as the class commands) the class database DIR/class.db of every\n"
		"imported learner; otherwise your own database.\n\n"
		"Scores: each exercise is worth the points its lesson gives it, and a\n"
		"learner's maximum is the course's total; an exercise not started scores 0.\n"
		"With the course's credit all-or-nothing (lessons/course.json; the default)\n"
		"a pass scores all of an exercise's points and anything else none; with\n"
		"partial credit, points x checks passed / checks of the attempt that counts.\n\n"
		"Formats:\n"
		"  table  a matrix for the terminal: \xe2\x9c\x93 passed, \xe2\x9c\x97 not yet, "
		"\xc2\xb7 not started,\n"
		"         ! self and regrade disagree, * submitted source not the graded one,\n"
		"         with the number of attempts, and each learner's score (the default)\n"
		"  csv    one row per learner and exercise, for spreadsheets\n"
		"  html   one self-contained page: the matrix, charts of completion and of\n"
		"         attempts to pass, the checks failed most, a section per learner;\n"
		"         it prints well too\n"
		"  json   per learner a Gradescope results.json, for LMS import\n\n"
		"--out FILE writes the report atomically to FILE (the format follows its\n"
		"extension, .csv, .html or .json, unless --format says otherwise).\n"
		"--out DIR/ (a trailing slash, or a directory that exists) writes the HTML\n"
		"report as a folder, for big classes: DIR/index.html with the figures, the\n"
		"matrix and the charts, and a page per learner in DIR/learners/.\n"
		"--learner ID reports one learner (their login, or numeric id); with json\n"
		"it prints that learner's results document alone.\n\n"
		"Examples:\n"
		"  report\n"
		"  kmemlab report --format html --out progress.html\n"
		"  kmemlab report --class ~/mm-2026 --out class.csv\n"
		"  kmemlab report --class ~/mm-2026 --out site/\n"
		"  kmemlab report --class ~/mm-2026 --format json --learner alice > alice.json",
	.complete = COMPLETE_NONE,
	.options = (const struct cmd_option[]){
		{ .name = "format", .takes_value = 1, .values = format_names },
		{ .name = "out", .takes_value = 1, .complete = COMPLETE_FILE },
		{ .name = "class", .takes_value = 1, .complete = COMPLETE_FILE },
		{ .name = "learner", .takes_value = 1 },
		{ 0 },
	},
	.exec = report_exec,
};
