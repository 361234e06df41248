/*
 * The text reports: CSV for spreadsheets, JSON for an LMS (a Gradescope
 * results.json per learner) and the matrix for a terminal, each written
 * learner by learner as report_next() hands them out.
 */
#include "report.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* ---- CSV ---- */

void csv_field(FILE *f, const char *s)
{
	if (!s)
		return;
	if (!s[strcspn(s, ",\"\r\n")]) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_learner(const struct report *r, const struct report_learner *l, FILE *f)
{
	char *safe = NULL, score[32];

	/*
	 * A name a spreadsheet would run as a formula (=, +, -, @) gets a
	 * leading quote, as OWASP advises for CSV.
	 */
	if (l->name[0] && strchr("=+-@\t\r", l->name[0]))
		safe = xasprintf("'%s", l->name);
	for (int e = 0; e < r->nexercises; e++) {
		const struct report_cell *c = &l->cells[e];

		csv_field(f, l->login);
		fputc(',', f);
		csv_field(f, safe ? safe : l->name);
		fputc(',', f);
		csv_field(f, r->exercises[e].id);
		fprintf(f, ",%d,", c->attempts);
		csv_field(f, c->first_at);
		fputc(',', f);
		csv_field(f, c->passed_at);
		fputc(',', f);
		csv_field(f, c->self_verdict);
		fputc(',', f);
		csv_field(f, c->regrade_verdict);
		report_score_text(c->score, score);
		fprintf(f, ",%s,%d,%d\r\n", score, r->exercises[e].points, c->experiments);
	}
	free(safe);
}

int report_write_csv(struct report *r, FILE *f)
{
	struct report_learner l = { 0 };
	int n;

	fputs("id,name,exercise,attempts,first_attempt,passed_at,self_verdict,regrade_verdict,"
	      "score,max_score,experiments\r\n", f);
	while ((n = report_next(r, &l)) > 0)
		csv_learner(r, &l, f);
	report_learner_release(&l);
	return n;
}

/* ---- JSON (Gradescope's results.json, one per learner) ---- */

/* A score as a JSON number: an integer when it is one, else with its hundredths. */
static struct json_object *json_score(long long hundredths)
{
	char text[32];

	if (hundredths % 100 == 0)
		return json_object_new_int64(hundredths / 100);
	report_score_text(hundredths, text);
	return json_object_new_double_s((double)hundredths / 100, text);
}

/* A short explanation of a cell for a test's output. */
static void cell_explain(const struct report *r, const struct report_exercise *ex,
			 const struct report_cell *c, struct strbuf *sb)
{
	enum report_status st = report_cell_status(c);
	char score[32];

	report_score_text(c->score, score);
	if (st == REPORT_NEW && !c->attempts) {
		strbuf_addf(sb, "not started.\nScore: 0 of %d.", ex->points);
		return;
	}
	if (c->attempts) {
		strbuf_addf(sb, "%d attempt%s", c->attempts, c->attempts == 1 ? "" : "s");
		if (c->passed_at)
			strbuf_addf(sb, ", passed on attempt %d at %s", c->attempts_to_pass,
				    c->passed_at);
		else
			strbuf_addf(sb, ", not passed yet (latest: %s)", c->self_verdict);
	} else {
		strbuf_addstr(sb, "no attempt of the learner's own");
	}
	if (c->regrade_verdict)
		strbuf_addf(sb, "; clean regrade: %s", c->regrade_verdict);
	strbuf_addch(sb, '.');
	if (st == REPORT_DISAGREE)
		strbuf_addf(sb, "\nThe learner's own runs say %s but the clean regrade says %s.",
			    c->self_verdict, c->regrade_verdict);
	if (c->stale)
		strbuf_addstr(sb, "\nThe submitted source is not the one the learner graded.");
	strbuf_addf(sb, "\nScore: %s of %d", score, ex->points);
	if (report_cell_passed(c))
		strbuf_addstr(sb, " (passed).");
	else if (r->credit == CREDIT_PARTIAL && c->checks)
		strbuf_addf(sb, " (partial credit: %d of %d checks of the %s).", c->checks_passed,
			    c->checks, c->regrade_verdict ? "clean regrade" : "best attempt");
	else
		strbuf_addf(sb, " (%s credit: the points for a pass).",
			    course_credit_name(r->credit));
	if (c->nfailing) {
		strbuf_addf(sb, "\nFailing checks (%s):", c->regrade_verdict ? "clean regrade"
									  : "latest attempt");
		for (int i = 0; i < c->nfailing; i++) {
			const struct report_check *k = &c->failing[i];

			strbuf_addf(sb, "\n- %s: %s", k->name, k->observed ? k->observed : k->status);
			if (k->expected)
				strbuf_addf(sb, " (expected: %s)", k->expected);
		}
	}
}

/*
 * The learner's results.json: only the fields Gradescope documents, the
 * top-level score and max_score the sums of the tests'.
 */
static struct json_object *learner_results(const struct report *r, const struct report_learner *l)
{
	struct json_object *res = json_object_new_object(), *tests = json_object_new_array();
	struct strbuf sb = STRBUF_INIT;
	char score[32];

	for (int e = 0; e < r->nexercises; e++) {
		const struct report_exercise *ex = &r->exercises[e];
		const struct report_cell *c = &l->cells[e];
		struct json_object *t = json_object_new_object();

		strbuf_reset(&sb);
		cell_explain(r, ex, c, &sb);
		json_object_object_add(t, "name", json_object_new_string(ex->title));
		if (ex->number[0])
			json_object_object_add(t, "number", json_object_new_string(ex->number));
		json_object_object_add(t, "score", json_score(c->score));
		json_object_object_add(t, "max_score", json_object_new_int(ex->points));
		json_object_object_add(t, "status", json_object_new_string(
						    report_cell_passed(c) ? "passed" : "failed"));
		json_object_object_add(t, "output", json_object_new_string(strbuf_str(&sb)));
		json_object_array_add(tests, t);
	}
	strbuf_reset(&sb);
	report_score_text(l->score, score);
	strbuf_addf(&sb, "%s: %d of %d exercises passed; score %s of %d (%s credit).", l->name,
		    l->passed, r->nexercises, score, r->points, course_credit_name(r->credit));
	json_object_object_add(res, "score", json_score(l->score));
	json_object_object_add(res, "max_score", json_object_new_int(r->points));
	json_object_object_add(res, "output", json_object_new_string(strbuf_str(&sb)));
	json_object_object_add(res, "visibility", json_object_new_string("visible"));
	json_object_object_add(res, "tests", tests);
	strbuf_release(&sb);
	return res;
}

#define JSON_FLAGS (JSON_C_TO_STRING_NOSLASHESCAPE)

int report_write_json(struct report *r, FILE *f, int only_results)
{
	struct report_learner l = { 0 };
	struct json_object *o;
	int n, first = 1;

	r->details = 1;
	if (only_results && r->nlearners) {
		n = report_next(r, &l);
		if (n > 0) {
			o = learner_results(r, &l);
			fputs(json_object_to_json_string_ext(o, JSON_FLAGS | JSON_C_TO_STRING_PRETTY), f);
			fputc('\n', f);
			json_object_put(o);
		}
		report_learner_release(&l);
		return n < 0 ? -1 : 0;
	}
	/* One learner a line, written as they come. */
	o = json_object_new_string(r->generated_at);
	fprintf(f, "{\n  \"generated_at\": %s,\n", json_object_to_json_string_ext(o, JSON_FLAGS));
	json_object_put(o);
	{
		struct json_object *co = json_object_new_object();

		json_object_object_add(co, "id", json_object_new_string(r->course_id));
		json_object_object_add(co, "title", json_object_new_string(r->course_title));
		json_object_object_add(co, "version", json_object_new_string(r->course_version));
		fprintf(f, "  \"course\": %s,\n", json_object_to_json_string_ext(co, JSON_FLAGS));
		json_object_put(co);
	}
	fprintf(f, "  \"credit\": \"%s\",\n  \"max_score\": %d,\n  \"learners\": [",
		course_credit_name(r->credit), r->points);
	while ((n = report_next(r, &l)) > 0) {
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(l.login));
		json_object_object_add(o, "name", json_object_new_string(l.name));
		json_object_object_add(o, "results", learner_results(r, &l));
		fprintf(f, "%s\n    %s", first ? "" : ",", json_object_to_json_string_ext(o, JSON_FLAGS));
		json_object_put(o);
		first = 0;
	}
	fputs(first ? "]\n}\n" : "\n  ]\n}\n", f);
	report_learner_release(&l);
	return n;
}

/* ---- the terminal table ---- */
/* Columns a UTF-8 string takes (one per code point; no wide characters). */
static int text_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/*
 * Put at most max columns of s into sb, control characters (a hostile
 * name's escape sequences) shown as '?', "…" when cut; returns the width.
 */
static int term_text(struct strbuf *sb, const char *s, int max)
{
	int w = 0, total = text_width(s);

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch & 0xc0) != 0x80) {
			if (total > max && w == max - 1) {
				strbuf_addstr(sb, "\xe2\x80\xa6");
				return max;
			}
			w++;
		}
		if (ch < 0x20 || ch == 0x7f)
			strbuf_addch(sb, '?');
		else if (ch == 0xc2 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] < 0xa0) {
			strbuf_addch(sb, '?');	/* C1 controls */
			s++;
		} else
			strbuf_addch(sb, (char)ch);
	}
	return w;
}

static void cell_text(const struct report_cell *c, char *buf, size_t n)
{
	static const char *const sym[] = {
		[REPORT_NEW] = "\xc2\xb7", [REPORT_PASS] = "\xe2\x9c\x93",
		[REPORT_FAIL] = "\xe2\x9c\x97", [REPORT_DISAGREE] = "!",
	};
	enum report_status st = report_cell_status(c);

	if (st == REPORT_NEW && !c->attempts)
		snprintf(buf, n, "%s%s", sym[st], c->stale ? "*" : "");
	else
		snprintf(buf, n, "%s%d%s", sym[st], c->attempts, c->stale ? "*" : "");
}

static const char *status_color(enum report_status st)
{
	switch (st) {
	case REPORT_PASS:
		return "\033[32m";
	case REPORT_FAIL:
		return "\033[31m";
	case REPORT_DISAGREE:
		return "\033[1;35m";
	default:
		return "\033[2m";
	}
}

static void pad(FILE *f, int n)
{
	for (; n > 0; n--)
		fputc(' ', f);
}


/* Split line at tabs (in place) into at most max fields; returns how many. */
static int split_tabs(char *line, char **field, int max)
{
	int n = 0;

	line[strcspn(line, "\n")] = '\0';
	while (n < max) {
		field[n++] = line;
		line = strchr(line, '\t');
		if (!line)
			break;
		*line++ = '\0';
	}
	return n;
}

/*
 * The learners go to a temporary file first, a line each: the label, then
 * per exercise its status (a digit) and text, then the exercises passed
 * and the score, separated by tabs (a label shows control characters as
 * '?', so it has none).  The column widths are known once every learner
 * is read; then each band of columns reads the file again.
 */
int report_write_table(struct report *r, FILE *f, int width, int color)
{
	const char *bold = color ? "\033[1m" : "", *off = color ? "\033[0m" : "";
	const struct report_stats *st = &r->stats;
	int *colw = xcalloc((size_t)r->nexercises + 1, sizeof(int));
	char **field = xcalloc((size_t)r->nexercises + 4, sizeof(char *));
	int labelw = 7, labelmax = 28, widest = 0, longest = 0, passedw = 6, scorew = 5, tail;
	struct report_learner l = { 0 };
	struct strbuf sb = STRBUF_INIT;
	char buf[64], tot[64], score[32], *line = NULL;
	size_t cap = 0;
	FILE *spill = report_spill();
	int n, first = 0, ret = -1;

	if (!spill)
		goto out;
	for (int e = 0; e < r->nexercises; e++)
		colw[e] = text_width(r->exercises[e].id);
	while ((n = report_next(r, &l)) > 0) {
		char *label = strcmp(l.name, l.login) ? xasprintf("%s (%s)", l.name, l.login)
						      : xstrdup(l.login);
		int w;

		strbuf_reset(&sb);
		w = term_text(&sb, label, INT_MAX);
		free(label);
		if (w > longest)
			longest = w;
		fputs(strbuf_str(&sb), spill);
		for (int e = 0; e < r->nexercises; e++) {
			cell_text(&l.cells[e], buf, sizeof(buf));
			if (text_width(buf) > colw[e])
				colw[e] = text_width(buf);
			fprintf(spill, "\t%d%s", (int)report_cell_status(&l.cells[e]), buf);
		}
		report_score_text(l.score, score);
		snprintf(tot, sizeof(tot), "%s/%d", score, r->points);
		if ((int)strlen(tot) > scorew)
			scorew = (int)strlen(tot);
		fprintf(spill, "\t%d/%d\t%s\n", l.passed, r->nexercises, tot);
	}
	if (n < 0)
		goto out;
	if (fflush(spill) != 0 || ferror(spill)) {
		error("cannot write a temporary file for the report: %s", strerror(errno));
		goto out;
	}
	for (int e = 0; e < r->nexercises; e++) {
		snprintf(tot, sizeof(tot), "%d/%d", st->passes[e], st->learners);
		if ((int)strlen(tot) > colw[e])
			colw[e] = (int)strlen(tot);
		if (colw[e] > widest)
			widest = colw[e];
	}
	snprintf(tot, sizeof(tot), "%d/%d", r->nexercises, r->nexercises);
	if ((int)strlen(tot) > passedw)
		passedw = (int)strlen(tot);
	/* The learners' totals: "  passed  score". */
	tail = 2 + passedw + 2 + scorew;
	/* Narrow terminals shorten the names so that one column and the totals fit. */
	if (width && labelmax + 2 + widest + tail > width)
		labelmax = width - 2 - widest - tail < 8 ? 8 : width - 2 - widest - tail;
	if (longest > labelw)
		labelw = longest < labelmax ? longest : labelmax;
	fprintf(f, "%s%s%s: %d learner%s, %d exercises\n", bold,
		r->is_class ? "class report" : "progress report", off, st->learners,
		st->learners == 1 ? "" : "s", r->nexercises);
	fprintf(f, "course %s: %s, version %s\n", r->course_id, r->course_title, r->course_version);
	/* Bands of columns that fit the width, each with the learners again. */
	while (first < r->nexercises) {
		int last = first, used = labelw + 2 + colw[first], end;

		/* The last band also holds the learners' totals. */
		while (last + 1 < r->nexercises &&
		       (!width || used + 2 + colw[last + 1] +
					  (last + 2 == r->nexercises ? tail : 0) <= width))
			used += 2 + colw[++last];
		end = last == r->nexercises - 1;
		fputc('\n', f);
		fprintf(f, "%s%-*s", bold, labelw, "learner");
		for (int e = first; e <= last; e++)
			fprintf(f, "  %-*s", e < last || end ? colw[e] : 0, r->exercises[e].id);
		if (end)
			fprintf(f, "  %-*s  score", passedw, "passed");
		fprintf(f, "%s\n", off);
		rewind(spill);
		while (getline(&line, &cap, spill) > 0) {
			int nf = split_tabs(line, field, r->nexercises + 3), w;

			if (nf != r->nexercises + 3)
				die_bug("a table line of %d fields, not %d", nf, r->nexercises + 3);
			strbuf_reset(&sb);
			w = term_text(&sb, field[0], labelmax);
			fputs(strbuf_str(&sb), f);
			pad(f, labelw - w);
			for (int e = first; e <= last; e++) {
				const char *cell = field[e + 1];

				fputs("  ", f);
				if (color)
					fputs(status_color((enum report_status)(cell[0] - '0')), f);
				fputs(cell + 1, f);
				fputs(off, f);
				if (e < last || end)
					pad(f, colw[e] - text_width(cell + 1));
			}
			if (end)
				fprintf(f, "  %-*s  %s", passedw, field[r->nexercises + 1],
					field[r->nexercises + 2]);
			fputc('\n', f);
		}
		if (ferror(spill)) {
			error("cannot read a temporary file for the report: %s", strerror(errno));
			goto out;
		}
		fprintf(f, "%s%-*s", bold, labelw, "passed");
		for (int e = first; e <= last; e++) {
			snprintf(tot, sizeof(tot), "%d/%d", st->passes[e], st->learners);
			fprintf(f, "  %-*s", e < last ? colw[e] : 0, tot);
		}
		fprintf(f, "%s\n", off);
		first = last + 1;
	}
	n = st->learners * r->nexercises;
	fprintf(f, "\n%d of %d learner-exercises passed (%d%%), %d started", st->cells_passed, n,
		n ? 100 * st->cells_passed / n : 0, st->started);
	if (st->disagree)
		fprintf(f, ", %s%d where self and regrade disagree%s", color ? "\033[1;35m" : "",
			st->disagree, off);
	if (st->stale)
		fprintf(f, ", %d stale", st->stale);
	report_score_text(st->learners ? (st->score + st->learners / 2) / st->learners : 0, score);
	fprintf(f, "\n%s %s of %d points (%s credit)", st->learners > 1 ? "mean score" : "score",
		score, r->points, course_credit_name(r->credit));
	fputs("\n\xe2\x9c\x93 passed  \xe2\x9c\x97 not yet  \xc2\xb7 not started  "
	      "! self and regrade disagree\n* submitted source is not the graded one;  "
	      "numbers: the learner's attempts\n", f);
	ret = 0;
out:
	if (spill)
		fclose(spill);
	report_learner_release(&l);
	strbuf_release(&sb);
	free(line);
	free(field);
	free(colw);
	return ret;
}

/* ---- for both writers (report.h) ---- */

void report_score_text(long long hundredths, char buf[32])
{
	long long whole, frac;

	if (hundredths < 0)	/* scores are not negative */
		hundredths = 0;
	whole = hundredths / 100;
	frac = hundredths % 100;
	if (!frac)
		snprintf(buf, 32, "%lld", whole);
	else if (frac % 10 == 0)
		snprintf(buf, 32, "%lld.%lld", whole, frac / 10);
	else
		snprintf(buf, 32, "%lld.%02lld", whole, frac);
}

FILE *report_spill(void)
{
	const char *dir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *path = xasprintf("%s/kmemlab-report-XXXXXX", dir);
	int fd = mkstemp(path);
	FILE *f = NULL;

	if (fd >= 0) {
		unlink(path);	/* gone when closed, whatever happens */
		f = fdopen(fd, "w+");
		if (!f)
			close(fd);
	}
	if (!f)
		error("cannot create a temporary file in '%s' for the report: %s (TMPDIR says "
		      "where)", dir, strerror(errno));
	free(path);
	return f;
}
