/*
 * The HTML report: one page with everything inline (CSS and SVG, no
 * script, no URL outside the page), for a browser, a projector and
 * paper; or, for a big class, a folder of the same: an index and a page
 * per learner, sharing one stylesheet.
 */
#include "report.h"
#include "report-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

void html_escape(FILE *f, const char *s)
{
	if (!s)
		return;
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			/* Control characters are not allowed in HTML text. */
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				fputs("\xef\xbf\xbd", f);
			else
				fputc(*s, f);
		}
	}
}

/* At most max characters of s (whole code points), escaped, "…" when cut. */
static void html_escape_cut(FILE *f, const char *s, int max)
{
	int n = 0;
	const char *p;

	if (!s)
		return;
	for (p = s; *p; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80 && ++n > max)
			break;
	}
	if (!*p) {
		html_escape(f, s);
		return;
	}
	{
		char *cut = xstrndup(s, (size_t)(p - s));

		html_escape(f, cut);
		free(cut);
		fputs("\xe2\x80\xa6", f);
	}
}

/* "2026-11-25T01:42:59Z" as "2026-11-25 01:42". */
static void html_time(FILE *f, const char *iso)
{
	if (!iso) {
		fputs("&ndash;", f);
		return;
	}
	if (strlen(iso) >= 16 && iso[10] == 'T') {
		char buf[17];

		memcpy(buf, iso, 16);
		buf[10] = ' ';
		buf[16] = '\0';
		html_escape(f, buf);
		return;
	}
	html_escape(f, iso);
}


static const char *status_class(enum report_status st)
{
	static const char *const cls[] = {
		[REPORT_NEW] = "new", [REPORT_PASS] = "pass", [REPORT_FAIL] = "fail",
		[REPORT_DISAGREE] = "dis",
	};

	return cls[st];
}

static const char *status_words(enum report_status st)
{
	static const char *const w[] = {
		[REPORT_NEW] = "not started", [REPORT_PASS] = "passed",
		[REPORT_FAIL] = "not yet", [REPORT_DISAGREE] = "disagreement",
	};

	return w[st];
}

/* Days since the epoch of "YYYY-MM-DD". */
static long day_number(const char *date)
{
	struct tm tm = { 0 };

	if (sscanf(date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long)(timegm(&tm) / 86400);
}

/* A round step for about n ticks up to max. */
static int nice_step(int max, int n)
{
	int raw = max / n, p = 1;

	if (raw < 1)
		return 1;
	while (p * 10 <= raw)
		p *= 10;
	if (raw >= 5 * p)
		return 5 * p;
	if (raw >= 2 * p)
		return 2 * p;
	return p;
}

static void chart_completion(const struct report *r, FILE *f)
{
	const struct report_stats *st = &r->stats;
	const int W = 640, H = 260, L = 52, R = 16, T = 14, B = 36;
	int total = 0, ymax, step;
	long d0, d1, span;

	fputs("<div class=\"chart\"><h3>Completion over time</h3>", f);
	for (int i = 0; i < st->ndays; i++)
		total += st->days[i].passes;
	if (!st->ndays) {
		fputs("<p>No exercise has passed yet.</p></div>\n", f);
		return;
	}
	fprintf(f, "<p>Learner-exercises passed, cumulative, by the day of the learner's first "
		   "pass: %d of %d.</p>",
		total, st->learners * r->nexercises);
	step = nice_step(total, 4);
	ymax = (total + step - 1) / step * step;
	if (ymax < total || !ymax)
		ymax = total + step;
	d0 = day_number(st->days[0].date);
	d1 = day_number(st->days[st->ndays - 1].date);
	span = d1 > d0 ? d1 - d0 : 1;
	fprintf(f, "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
		   "aria-label=\"cumulative passes by day\">", W, H, W, H);
	for (int y = 0; y <= ymax; y += step) {
		double py = T + (H - T - B) * (1.0 - (double)y / ymax);

		fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e7ed\"/>"
			   "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d</text>",
			L, W - R, py, py, L - 6, py + 4, y);
	}
	{
		struct strbuf line = STRBUF_INIT;
		int cum = 0;
		double px = L, py = H - B;

		strbuf_addf(&line, "M%d,%d", L, H - B);
		for (int i = 0; i < st->ndays; i++) {
			px = st->ndays == 1 ? (L + W - R) / 2.0
					    : L + (double)(W - L - R) * (day_number(st->days[i].date) - d0) / span;
			strbuf_addf(&line, " H%.1f", px);
			cum += st->days[i].passes;
			py = T + (H - T - B) * (1.0 - (double)cum / ymax);
			strbuf_addf(&line, " V%.1f", py);
		}
		strbuf_addf(&line, " H%d", W - R);
		fprintf(f, "<path d=\"%s V%d H%d Z\" fill=\"#2f9e57\" fill-opacity=\"0.18\"/>",
			line.buf, H - B, L);
		fprintf(f, "<path d=\"%s\" fill=\"none\" stroke=\"#2f9e57\" stroke-width=\"2.5\"/>",
			line.buf);
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#2f9e57\"/>"
			   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-weight=\"700\">%d</text>",
			px, py, px - 6, py - 8 < 12 ? py + 16 : py - 8, cum);
		strbuf_release(&line);
	}
	fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#5d6b7e\"/>", L, W - R,
		H - B, H - B);
	fprintf(f, "<text x=\"%d\" y=\"%d\">", L, H - 12);
	html_escape(f, st->days[0].date);
	fputs("</text>", f);
	if (st->ndays > 1) {
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", W - R, H - 12);
		html_escape(f, st->days[st->ndays - 1].date);
		fputs("</text>", f);
	}
	if (span >= 4) {
		time_t mid = (time_t)((d0 + span / 2) * 86400);
		struct tm tm;
		char buf[16];

		gmtime_r(&mid, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>",
			L + (W - L - R) / 2, H - 12, buf);
	}
	fputs("</svg></div>\n", f);
}

static void chart_attempts(const struct report *r, FILE *f)
{
	const struct report_stats *st = &r->stats;
	const int W = 640, L = 96, R = 230, T = 8, ROW = 24;
	double xmax = 1;
	int H = T + ROW * r->nexercises + 28;

	for (int e = 0; e < r->nexercises; e++) {
		const struct report_hist *h = &st->to_pass[e];

		if (!h->count)
			continue;
		if ((double)h->sum / h->count > xmax)
			xmax = (double)h->sum / h->count;
		if (report_hist_median(h) > xmax)
			xmax = report_hist_median(h);
	}
	fputs("<div class=\"chart\"><h3>Attempts to pass, per exercise</h3>"
	      "<p>Bars: the median number of the learner's own attempts up to the first pass; "
	      "dark marks: the mean.</p>", f);
	fprintf(f, "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
		   "aria-label=\"attempts to pass per exercise\">", W, H, W, H);
	for (int e = 0; e < r->nexercises; e++) {
		const struct report_hist *h = &st->to_pass[e];
		double med = report_hist_median(h), mean = h->count ? (double)h->sum / h->count : 0;
		double wmed = (W - L - R) * med / xmax, wmean = (W - L - R) * mean / xmax;
		int y = T + ROW * e;

		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", L - 8, y + 16);
		html_escape(f, r->exercises[e].id);
		fputs("</text>", f);
		if (!h->count) {
			fprintf(f, "<text x=\"%d\" y=\"%d\">no pass yet</text>", L + 4, y + 16);
			continue;
		}
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\" rx=\"3\" "
			   "fill=\"#2b5fb4\" fill-opacity=\"0.75\"/>", L, y + 4, wmed);
		fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"3\" height=\"22\" fill=\"#1d2430\"/>",
			L + wmean - 1.5, y + 1);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\">median %g &#183; mean %.1f &#183; %ld passed</text>",
			L + (wmed > wmean ? wmed : wmean) + 8, y + 16, med, mean, h->count);
	}
	fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#5d6b7e\"/>", L, L, T,
		T + ROW * r->nexercises);
	fprintf(f, "<text x=\"%d\" y=\"%d\">0</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">"
		   "%.1f attempts</text>",
		L - 3, H - 6, W - R, H - 6, xmax);
	fputs("</svg></div>\n", f);
}

static void failing_table(const struct report *r, FILE *f)
{
	int top = r->nfailing ? r->failing[0].learners : 1;

	fputs("<h2 id=\"checks\">The checks failed most</h2>", f);
	if (!r->nfailing) {
		fputs("<p class=\"muted\">No check has failed.</p>\n", f);
		return;
	}
	fputs("<table class=\"list\"><thead><tr><th>check</th><th>exercise</th>"
	      "<th>learners who failed it</th><th>failed attempts</th></tr></thead><tbody>", f);
	for (int i = 0; i < r->nfailing; i++) {
		const struct report_failing *k = &r->failing[i];

		fputs("<tr><td><b>", f);
		html_escape(f, k->name);
		fputs("</b></td><td>", f);
		html_escape(f, k->exercise);
		fprintf(f, "</td><td class=\"n\" style=\"text-align:left\"><span class=\"bar\" "
			   "style=\"width:%dpx\"></span>%d</td><td class=\"n\">%d</td></tr>",
			top ? 1 + 180 * k->learners / top : 1, k->learners, k->attempts);
	}
	fputs("</tbody></table>\n", f);
}

static void cell_title(FILE *f, const struct report_exercise *ex, const struct report_cell *c)
{
	char score[32];

	html_escape(f, ex->id);
	fprintf(f, ": %s, %d attempt%s", status_words(report_cell_status(c)), c->attempts,
		c->attempts == 1 ? "" : "s");
	if (c->regrade_verdict) {
		fputs(", regrade ", f);
		html_escape(f, c->regrade_verdict);
	}
	if (c->stale)
		fputs(", submitted source not the graded one", f);
	report_score_text(c->score, score);
	fprintf(f, ", score %s of %d", score, ex->points);
}

static void matrix_head(const struct report *r, FILE *f)
{
	fputs("<h2 id=\"matrix\">Learners by exercise</h2>"
	      "<div class=\"legend\"><span><i style=\"background:var(--pass)\"></i>passed</span>"
	      "<span><i style=\"background:var(--fail)\"></i>not yet</span>"
	      "<span><i style=\"background:var(--new)\"></i>not started</span>"
	      "<span><i style=\"background:var(--dis);outline:2px solid #1d2430\"></i>"
	      "the learner's verdict and the clean regrade disagree</span>"
	      "<span><i style=\"background:linear-gradient(225deg,#1d2430 35%,var(--new) 35%)\">"
	      "</i>submitted source is not the graded one</span>"
	      "<span>numbers: the learner's attempts</span></div>", f);
	fputs("<div class=\"scroll\"><table class=\"matrix\"><thead><tr><th class=\"who\">learner</th>",
	      f);
	for (int e = 0; e < r->nexercises; e++) {
		fputs("<th title=\"", f);
		html_escape(f, r->exercises[e].title);
		fprintf(f, " (%d points)\">", r->exercises[e].points);
		if (r->exercises[e].lesson)
			fprintf(f, "<small>%d</small>", r->exercises[e].lesson);
		html_escape(f, r->exercises[e].id);
		fputs("</th>", f);
	}
	fprintf(f, "<th>passed</th><th>score<small>of %d</small></th></tr></thead><tbody>\n",
		r->points);
}

/* A learner's row, their name linking to href_fmt (with their id). */
static void matrix_row(const struct report *r, const struct report_learner *l, FILE *f,
		       const char *href_fmt)
{
	char score[32];

	fputs("<tr><th class=\"who\"><a href=\"", f);
	fprintf(f, href_fmt, (long long)l->id);
	fputs("\">", f);
	html_escape(f, l->name);
	fputs("</a>", f);
	if (strcmp(l->name, l->login)) {
		fputs("<small>", f);
		html_escape(f, l->login);
		fputs("</small>", f);
	}
	fputs("</th>", f);
	for (int e = 0; e < r->nexercises; e++) {
		const struct report_cell *c = &l->cells[e];
		enum report_status st = report_cell_status(c);

		fprintf(f, "<td class=\"c %s%s\" title=\"", status_class(st), c->stale ? " stale" : "");
		cell_title(f, &r->exercises[e], c);
		fputs("\">", f);
		if (st == REPORT_DISAGREE)
			fprintf(f, "! %d", c->attempts);
		else if (st == REPORT_NEW && !c->attempts)
			fputs("\xc2\xb7", f);
		else
			fprintf(f, "%s %d", st == REPORT_PASS ? "\xe2\x9c\x93" : "\xe2\x9c\x97",
				c->attempts);
		fputs("</td>", f);
	}
	report_score_text(l->score, score);
	fprintf(f, "<td class=\"total\">%d/%d</td><td class=\"total\">%s</td></tr>\n", l->passed,
		r->nexercises, score);
}

static void matrix_foot(const struct report *r, FILE *f)
{
	char score[32];

	fputs("</tbody><tfoot><tr><th class=\"who\">passed</th>", f);
	for (int e = 0; e < r->nexercises; e++)
		fprintf(f, "<th>%d/%d</th>", r->stats.passes[e], r->stats.learners);
	report_score_text(r->stats.learners ? (r->stats.score + r->stats.learners / 2) /
						      r->stats.learners : 0, score);
	fprintf(f, "<th></th><th title=\"the mean score\">%s</th></tr></tfoot></table></div>\n",
		score);
}

static void figures(const struct report *r, FILE *f)
{
	const struct report_stats *st = &r->stats;
	int cells = st->learners * r->nexercises;
	char score[32];

	report_score_text(st->learners ? (st->score + st->learners / 2) / st->learners : 0, score);
	fputs("<section class=\"figures\">", f);
	if (r->is_class)
		fprintf(f, "<div class=\"fig\"><b>%d</b><span>learners</span></div>", st->learners);
	fprintf(f, "<div class=\"fig\"><b>%d%%</b><span>%d of %d learner-exercises passed</span></div>",
		cells ? 100 * st->cells_passed / cells : 0, st->cells_passed, cells);
	fprintf(f, "<div class=\"fig\"><b>%s</b><span>%s of %d points (%s credit)</span></div>",
		score, r->is_class ? "mean score" : "score", r->points,
		course_credit_name(r->credit));
	if (r->is_class)
		fprintf(f, "<div class=\"fig\"><b>%d</b><span>learners passed every exercise</span>"
			   "</div>", st->done);
	fprintf(f, "<div class=\"fig\"><b>%ld</b><span>attempts</span></div>", st->attempts);
	if (st->to_pass_all.count)
		fprintf(f, "<div class=\"fig\"><b>%g</b><span>median attempts to pass</span></div>",
			report_hist_median(&st->to_pass_all));
	fprintf(f, "<div class=\"fig%s\"><b>%d</b><span>self and regrade disagree</span></div>",
		st->disagree ? " alert" : "", st->disagree);
	if (r->is_class)
		fprintf(f, "<div class=\"fig%s\"><b>%d</b><span>stale submissions</span></div>",
			st->stale ? " alert" : "", st->stale);
	fputs("</section>\n", f);
}

/* A learner's section; back: where "back to the matrix" leads. */
static void learner_section(const struct report *r, const struct report_learner *l, FILE *f,
			    const char *back)
{
	char score[32];

	report_score_text(l->score, score);
	fprintf(f, "<section class=\"learner\" id=\"l-%lld\"><h3>", (long long)l->id);
	html_escape(f, l->name);
	fputs("<small>", f);
	html_escape(f, l->login);
	fprintf(f, "</small></h3><p class=\"sum\">%d of %d exercises passed &middot; score %s of "
		   "%d (%s credit) &middot; <a href=\"%s\">back to the matrix</a></p>",
		l->passed, r->nexercises, score, r->points, course_credit_name(r->credit), back);
	fputs("<table class=\"list\"><thead><tr><th>exercise</th><th>status</th>"
	      "<th>attempts</th><th>first attempt</th><th>passed at</th><th>self</th>"
	      "<th>regrade</th><th title=\"checks passed of the attempt that counts: the clean "
	      "regrade, else the learner's best\">checks</th><th>score</th><th>failing checks</th>"
	      "</tr></thead>"
	      "<tbody>", f);
	for (int e = 0; e < r->nexercises; e++) {
		const struct report_cell *c = &l->cells[e];
		enum report_status st = report_cell_status(c);

		fputs("<tr><td><b>", f);
		html_escape(f, r->exercises[e].id);
		fputs("</b></td>", f);
		fprintf(f, "<td><span class=\"tag %s\">%s</span>", status_class(st),
			status_words(st));
		if (c->stale)
			fputs(" <span class=\"tag stale\" title=\"the submitted source is not the "
			      "one the learner graded\">stale</span>", f);
		fprintf(f, "</td><td class=\"n\">%d", c->attempts);
		if (c->experiments)
			fprintf(f, "<span class=\"muted\" title=\"checks of another source than "
				   "the learner's workspace copy: counted for nothing\">, %d "
				   "experiment%s</span>", c->experiments, c->experiments == 1 ? "" : "s");
		fputs("</td><td>", f);
		html_time(f, c->first_at);
		fputs("</td><td>", f);
		html_time(f, c->passed_at);
		fputs("</td><td>", f);
		html_escape(f, c->self_verdict ? c->self_verdict : "\xe2\x80\x93");
		fputs("</td><td>", f);
		html_escape(f, c->regrade_verdict ? c->regrade_verdict : "\xe2\x80\x93");
		fputs("</td><td class=\"n\">", f);
		if (c->checks)
			fprintf(f, "%d/%d", c->checks_passed, c->checks);
		else
			fputs("&ndash;", f);
		report_score_text(c->score, score);
		fprintf(f, "</td><td class=\"n\">%s/%d</td><td>", score, r->exercises[e].points);
		if (c->nfailing) {
			fputs("<ul class=\"checks\">", f);
			for (int k = 0; k < c->nfailing; k++) {
				const struct report_check *ck = &c->failing[k];

				fputs("<li><b>", f);
				html_escape(f, ck->name);
				fputs("</b>", f);
				if (ck->observed) {
					fputs(": <code>", f);
					html_escape_cut(f, ck->observed, 240);
					fputs("</code>", f);
				}
				if (ck->expected) {
					fputs(" <span class=\"muted\">expected</span> <code>", f);
					html_escape_cut(f, ck->expected, 240);
					fputs("</code>", f);
				}
				if (ck->hint) {
					fputs("<br><span class=\"hint\">", f);
					html_escape_cut(f, ck->hint, 300);
					fputs("</span>", f);
				}
				fputs("</li>", f);
			}
			fputs("</ul>", f);
		}
		fputs("</td></tr>", f);
	}
	fputs("</tbody></table></section>\n", f);
}

/*
 * The page's head, its title what (and the report's title), with the
 * style inline, or from the stylesheet at css when it is not NULL.
 */
static void page_head(const struct report *r, FILE *f, const char *what, const char *css_href)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	      "<meta name=\"generator\" content=\"kmemlab report\"><title>kmemlab: ", f);
	html_escape(f, what);
	fputs(" &ndash; ", f);
	html_escape(f, r->title);
	if (css_href)
		fprintf(f, "</title><link rel=\"stylesheet\" href=\"%s\"></head><body>\n", css_href);
	else
		fprintf(f, "</title><style>%s</style></head><body>\n", report_css);
	fputs("<header><h1>", f);
	html_escape(f, what);
	fputs(": ", f);
	html_escape(f, r->title);
	fputs("</h1><p class=\"meta\">kmemlab &middot; course ", f);
	html_escape(f, r->course_title);
	fputs(" (", f);
	html_escape(f, r->course_id);
	fputs(", version ", f);
	html_escape(f, r->course_version);
	fprintf(f, ") &middot; %d learner%s &middot; %d exercises "
		   "&middot; %d points &middot; generated %s</p></header><main>\n",
		r->nlearners, r->nlearners == 1 ? "" : "s", r->nexercises, r->points,
		r->generated_at);
}

static const char footer[] =
	"<footer>Self: the learner's own runs (passed if any passed). Regrade: the "
	"instructor's clean run of the submitted source, which counts when present. "
	"Failing checks are those of the attempt that counts. Score: the points of each "
	"exercise passed";

static void page_foot(const struct report *r, FILE *f)
{
	fputs(footer, f);
	if (r->credit == CREDIT_PARTIAL)
		fputs("; of one not passed, points x checks passed / checks", f);
	fputs(".</footer></main></body></html>\n", f);
}

/* Copy what was spilled to f. */
static int spill_copy(FILE *spill, FILE *f)
{
	char buf[65536];
	size_t n;

	if (fflush(spill) != 0 || fseek(spill, 0, SEEK_SET) != 0)
		return error("cannot read a temporary file for the report: %s", strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), spill)) > 0)
		fwrite(buf, 1, n, f);
	if (ferror(spill))
		return error("cannot read a temporary file for the report: %s", strerror(errno));
	return 0;
}

static const char *report_kind(const struct report *r)
{
	return r->is_class ? "Class report" : "Progress report";
}

/*
 * One page: the figures, the matrix, the charts, the checks failed most,
 * a section per learner.  The matrix and the sections are written as the
 * learners come, to temporary files; the figures before them only then.
 */
int report_write_html(struct report *r, FILE *f)
{
	struct report_learner l = { 0 };
	FILE *rows = NULL, *sections = NULL;
	int n, ret = -1;

	r->details = 1;
	report_start_failing(r);
	if (!(rows = report_spill()) || !(sections = report_spill()))
		goto out;
	while ((n = report_next(r, &l)) > 0) {
		matrix_row(r, &l, rows, "#l-%lld");
		learner_section(r, &l, sections, "#matrix");
	}
	if (n < 0 || report_load_failing(r) < 0)
		goto out;
	page_head(r, f, report_kind(r), NULL);
	figures(r, f);
	matrix_head(r, f);
	if (spill_copy(rows, f) < 0)
		goto out;
	matrix_foot(r, f);
	fputs("<h2>Progress</h2><section class=\"charts\">", f);
	chart_completion(r, f);
	chart_attempts(r, f);
	fputs("</section>\n", f);
	failing_table(r, f);
	fprintf(f, "<h2 id=\"learners\">%s</h2>\n", r->is_class ? "Learners" : "Exercises");
	if (spill_copy(sections, f) < 0)
		goto out;
	page_foot(r, f);
	ret = 0;
out:
	if (rows)
		fclose(rows);
	if (sections)
		fclose(sections);
	report_learner_release(&l);
	return ret;
}

/*
 * A learner's own page in the folder: learners/ID.html, rewritten in
 * place.  A temporary file and a rename for each of 10,000 pages made
 * ext4 look for a free inode past every one it had just freed, the time
 * growing with the square of the class; and a file emptied by O_TRUNC is
 * flushed when it is closed (ext4's auto_da_alloc), so the page is
 * written over and then cut to its length.  index.html, written last,
 * is still all or nothing.
 */
static int learner_page(const struct report *r, const struct report_learner *l,
			const char *dir)
{
	char *path = xasprintf("%s/learners/%lld.html", dir, (long long)l->id);
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644), ret = 0;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	long len;

	if (!f) {
		ret = error("cannot write '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	page_head(r, f, l->name, "../style.css");
	learner_section(r, l, f, "../index.html#matrix");
	page_foot(r, f);
	len = ftell(f);
	if (fflush(f) != 0 || ferror(f) || len < 0 || ftruncate(fd, len) < 0)
		ret = error("cannot write '%s': %s", path, strerror(errno ? errno : EIO));
	if (fclose(f) != 0 && !ret)
		ret = error("cannot write '%s': %s", path, strerror(errno));
out:
	free(path);
	return ret;
}

int report_write_html_dir(struct report *r, const char *dir)
{
	struct report_learner l = { 0 };
	struct atomic_file a = { 0 };
	char *sub = path_join(dir, "learners"), *path = path_join(dir, "style.css");
	FILE *rows = NULL;
	int n, fd, ret = -1;

	r->details = 1;
	report_start_failing(r);
	if (mkdir_p(sub, 0755) < 0 || write_file_atomic(path, report_css, strlen(report_css), 0644) < 0 ||
	    !(rows = report_spill()))
		goto out;
	while ((n = report_next(r, &l)) > 0) {
		matrix_row(r, &l, rows, "learners/%lld.html");
		if (learner_page(r, &l, dir) < 0)
			goto out;
	}
	if (n < 0 || report_load_failing(r) < 0)
		goto out;
	/* The learners' pages reach the disk before the index that links to them. */
	fd = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) < 0) {
		error("cannot sync '%s': %s", sub, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	free(path);
	path = path_join(dir, "index.html");
	if (atomic_open(&a, path, 0644) < 0)
		goto out;
	page_head(r, a.f, report_kind(r), "style.css");
	figures(r, a.f);
	matrix_head(r, a.f);
	if (spill_copy(rows, a.f) < 0) {
		atomic_abort(&a);
		goto out;
	}
	matrix_foot(r, a.f);
	fputs("<h2>Progress</h2><section class=\"charts\">", a.f);
	chart_completion(r, a.f);
	chart_attempts(r, a.f);
	fputs("</section>\n", a.f);
	failing_table(r, a.f);
	page_foot(r, a.f);
	ret = atomic_commit(&a, 1);
out:
	if (rows)
		fclose(rows);
	report_learner_release(&l);
	free(sub);
	free(path);
	return ret;
}
