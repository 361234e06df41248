/*
 * Exercise 9, memwatch: the learner's program samples five /proc/meminfo
 * fields (MemFree, MemAvailable, Slab, SUnreclaim, VmallocUsed) every
 * interval for a duration, while the grader's probe (mode=memwatch)
 * allocates a random amount in steps, with kmalloc or vmalloc, holds it
 * and frees it.
 *
 * Ground truth is the grader's own series, taken in the same VM run by a
 * shell loop that reads /proc/meminfo every 100 ms from before the probe's
 * first step until after the learner's program ends.  The two series are
 * not taken at the same instants, so they are compared where both are
 * flat or where the shape is clear: the first sample (before the probe's
 * first step), the range of each field (the peak is held far longer than
 * any interval) and the last sample (after the free).
 *
 * Tolerances: in the lab VM the grader's and the learner's first samples
 * differed by at most 0.5 MB in MemFree and MemAvailable (the learner's
 * own process, the kernel's background work) and 60 kB in the others, and
 * the two ranges of each field by at most 1 MB (MemFree) and 30 kB.  The
 * probe moves 16-40 MiB, so 4 MiB (MemFree, MemAvailable) and 1 MiB (the
 * others), plus 5% of the amount, accept the noise and still reject any
 * other field, a series that missed the peak, or invented numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ktap.h"

#define NFIELDS 5
#define TRUTH_PERIOD_MS 100
#define CHART_W 60
#define CHART_H 12

static const char *const fields[NFIELDS] = {
	"MemFree", "MemAvailable", "Slab", "SUnreclaim", "VmallocUsed"
};

struct sample {
	long t_ms;
	long v[NFIELDS];	/* kB; -1 when absent */
};

struct series {
	struct sample *s;
	int n;
};

struct memwatch_priv {
	int vmalloc;		/* the probe's kind: 0 kmalloc, 1 vmalloc */
	int kb, steps;
	int interval_ms, duration_ms;
	/* For grade(), from the record, while it runs: */
	long held_kb;		/* what the probe reports it held at the peak */
	struct series truth;	/* reading "samples" */
};

static const char *const memwatch_checks[] = {
	"nonce", "samples", "fields", "baseline", "change", "freed", NULL
};

static void memwatch_prepare(struct attempt *a)
{
	struct memwatch_priv *p = xcalloc(1, sizeof(*p));

	p->vmalloc = (int)attempt_random(a, 0, 1);
	p->kb = (int)attempt_random(a, 16, 40) * 1024;
	p->steps = (int)attempt_random(a, 3, 6);
	p->interval_ms = (int)attempt_random(a, 10, 25) * 10;
	p->duration_ms = (int)attempt_random(a, 60, 70) * 100;
	a->priv = p;
	a->params = xasprintf("%s %d %d", a->nonce, p->interval_ms, p->duration_ms);
	a->inputs = xasprintf("nonce=%s interval_ms=%d duration_ms=%d (the grader allocates "
			      "%d KiB with %s in %d steps meanwhile)", a->nonce, p->interval_ms,
			      p->duration_ms, p->kb, p->vmalloc ? "vmalloc" : "kmalloc",
			      p->steps);
	/* Baseline 1.5 s, steps 300 ms apart, peak held 1.5 s: all inside the duration. */
	a->probe_params = xasprintf("mode=memwatch nonce=%s memwatch_kind=%d memwatch_kb=%d "
				    "memwatch_steps=%d memwatch_delay_ms=1500 memwatch_step_ms=300 "
				    "memwatch_hold_ms=1500", a->nonce, p->vmalloc, p->kb, p->steps);
}

/* The value of KEY=NUMBER in line, or -1. */
static long word_kv(const char *line, const char *key)
{
	long long v;

	return ktap_kv_long(line, key, &v) == 1 && v >= 0 ? (long)v : -1;
}

/* Every "sample ..." line of text. */
static void parse_series(const char *text, struct series *s)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *end = strchr(l, '\n');
		char *line = end ? xstrndup(l, (size_t)(end - l)) : xstrdup(l);

		if (!strncmp(line, "sample ", 7)) {
			struct sample *x;

			s->s = xrealloc(s->s, (size_t)(s->n + 1) * sizeof(*s->s));
			x = &s->s[s->n++];
			x->t_ms = word_kv(line, "t_ms");
			for (int f = 0; f < NFIELDS; f++)
				x->v[f] = word_kv(line, fields[f]);
		}
		free(line);
	}
}

/* What the probe held at the peak, from its report ("ok 1 memwatch # held_kb=N"). */
static int probe_held(const char *text, long *kb)
{
	const char *t = strstr(text, "ok 1 memwatch");
	char v[32];

	/* "not ok 1 memwatch": the probe was unloaded before it freed. */
	if (!t || (t > text && t[-1] != '\n') || !ktap_kv(t, "held_kb", v, sizeof(v)))
		return 0;
	*kb = atol(v);
	return 1;
}

static int memwatch_run(struct attempt *a, struct vm *vm)
{
	struct memwatch_priv *p = a->priv;
	char interval[16], duration[16];
	const char *args[4] = { a->nonce, interval, duration, NULL };
	struct vm_exec ex = { 0 };
	struct series truth = { 0 };
	char *sh, *gpath;
	size_t shown;
	int r, rounds = (p->duration_ms + 2000) / TRUTH_PERIOD_MS;

	/*
	 * Copy the program first, so that neither the copy nor the probe's
	 * module text shows in the grader's first sample (attempt_exec_program
	 * copies it again over the same file: no new memory).
	 */
	gpath = xasprintf("/lab/%s", a->build.name);
	r = vm_put_file(vm, gpath, a->build.ko, 0755);
	free(gpath);
	if (r != VM_OK)
		return error("cannot copy your program into the lab VM");

	if (attempt_run_probe(a, vm, 30000, 0) < 0)
		return -1;
	shown = a->truth.log.len;

	/* The grader's own sampler, in the background, before the probe's first step. */
	sh = xasprintf("rm -f /tmp/memwatch.truth; ( n=0; while [ $n -lt %d ]; do "
		       "awk '/^(MemFree|MemAvailable|Slab|SUnreclaim|VmallocUsed):/ "
		       "{ s = s \" \" substr($1, 1, length($1) - 1) \"=\" $2 } "
		       "END { print \"sample\" s }' /proc/meminfo; usleep %d; n=$((n + 1)); "
		       "done > /tmp/memwatch.part; mv /tmp/memwatch.part /tmp/memwatch.truth ) "
		       "</dev/null >/dev/null 2>&1 & echo started",
		       rounds, TRUTH_PERIOD_MS * 1000);
	r = vm_sh(vm, sh, 10000, 4096, &ex);
	free(sh);
	vm_exec_release(&ex);
	if (r != VM_OK)
		return error("the grader's sampler did not start in the lab VM");

	snprintf(interval, sizeof(interval), "%d", p->interval_ms);
	snprintf(duration, sizeof(duration), "%d", p->duration_ms);
	if (attempt_exec_program(a, vm, args, p->duration_ms + 20000) < 0)
		return -1;

	/* The probe's timeline ends inside the duration; wait for the sampler too. */
	r = attempt_read(a, vm, "samples",
			 "i=0; while [ ! -e /tmp/memwatch.truth ] && [ $i -lt 300 ]; do "
			 "usleep 100000; i=$((i + 1)); done; cat /tmp/memwatch.truth",
			 40000, 1 << 20, READ_ANY_STATUS, NULL);
	if (r == VM_OK) {
		strbuf_addf(&a->transcript, "\n== the grader's samples (every %d ms)\n%s",
			    TRUTH_PERIOD_MS, attempt_reading(a, "samples"));
		parse_series(attempt_reading(a, "samples"), &truth);
	}
	free(truth.s);
	if (r != VM_OK || truth.n < 3)
		return error("the grader's own samples of /proc/meminfo are missing");

	if (modrun_unload(vm, a->probe.name, 30000, &a->truth) < 0)
		return -1;
	strbuf_addf(&a->transcript, "%s", strbuf_str(&a->truth.log) + shown);
	if (!probe_held(strbuf_str(&a->truth.text), &p->held_kb))
		return error("the grader's probe did not report its allocation");
	return 0;
}

static long tolerance(const struct memwatch_priv *p, int f)
{
	return (f < 2 ? 4096 : 1024) + p->held_kb / 20;
}

static void range(const struct series *s, int f, long *lo, long *hi)
{
	*lo = *hi = s->s[0].v[f];
	for (int i = 1; i < s->n; i++) {
		if (s->s[i].v[f] < *lo)
			*lo = s->s[i].v[f];
		if (s->s[i].v[f] > *hi)
			*hi = s->s[i].v[f];
	}
}

/* The field the probe moves most visibly, for the chart and hints. */
static int watched(const struct memwatch_priv *p)
{
	return p->vmalloc ? 4 : 3;
}

/* A line chart of field f of s, CHART_W x CHART_H characters, in kB. */
static void draw_chart(struct strbuf *out, const struct series *s, int f,
		       const struct memwatch_priv *p)
{
	char grid[CHART_H][CHART_W + 1];
	long lo, hi, t_end = 0;

	range(s, f, &lo, &hi);
	if (hi - lo < 2 * (CHART_H - 1)) {
		/* A flat series: centre it in a band wide enough for distinct labels. */
		long mid = lo + (hi - lo) / 2;

		lo = mid - (CHART_H - 1);
		hi = mid + (CHART_H - 1);
	}
	for (int i = 0; i < s->n; i++)
		if (s->s[i].t_ms > t_end)
			t_end = s->s[i].t_ms;
	if (t_end <= 0)
		t_end = 1;
	memset(grid, ' ', sizeof(grid));
	for (int y = 0; y < CHART_H; y++)
		grid[y][CHART_W] = 0;
	for (int i = 0; i < s->n; i++) {
		long t = s->s[i].t_ms >= 0 ? s->s[i].t_ms : 0;
		int x = (int)(t * (CHART_W - 1) / t_end);
		int y = (int)((s->s[i].v[f] - lo) * (CHART_H - 1) / (hi - lo));

		if (s->s[i].v[f] < 0 || x < 0 || x >= CHART_W)
			continue;
		grid[CHART_H - 1 - y][x] = '*';
	}
	strbuf_addf(out, "\n  your %s samples (kB over ms; the grader allocated %ld kB with %s)\n",
		    fields[f], p->held_kb, p->vmalloc ? "vmalloc" : "kmalloc");
	for (int y = 0; y < CHART_H; y++) {
		long v = hi - (hi - lo) * y / (CHART_H - 1);

		int w = CHART_W;

		while (w > 0 && grid[y][w - 1] == ' ')
			grid[y][--w] = 0;
		if (y == 0 || y == CHART_H - 1 || y == CHART_H / 2)
			strbuf_addf(out, "  %9ld |%s\n", v, grid[y]);
		else
			strbuf_addf(out, "  %9s |%s\n", "", grid[y]);
	}
	strbuf_addf(out, "  %9s +", "");
	for (int x = 0; x < CHART_W; x++)
		strbuf_addch(out, '-');
	strbuf_addf(out, "\n  %9s 0%*ld ms\n", "", CHART_W - 1, t_end);
}

/* Learner value v of field f against truth t: "Field=v" for messages. */
static void add_pair(struct strbuf *sb, int f, long v)
{
	if (v < 0)
		strbuf_addf(sb, "%s%s=?", sb->len ? " " : "", fields[f]);
	else
		strbuf_addf(sb, "%s%s=%ld", sb->len ? " " : "", fields[f], v);
}

static void memwatch_grade(struct attempt *a)
{
	struct memwatch_priv *p = a->priv;
	const char *out = strbuf_str(&a->prog.out);
	struct series s = { 0 };
	const struct series *t = &p->truth;
	int ok, flat, complete = 1, bad = -1, expected_n = p->duration_ms / p->interval_ms + 1;

	probe_held(strbuf_str(&a->truth.text), &p->held_kb);
	memset(&p->truth, 0, sizeof(p->truth));
	parse_series(attempt_reading(a, "samples"), &p->truth);

	attempt_check_program_nonce(a, "memwatch_ex", "samples",
				    "memwatch_ex nonce=%s interval_ms=%d duration_ms=%d", a->nonce,
				    p->interval_ms, p->duration_ms);

	/* samples */
	parse_series(out, &s);
	ok = s.n >= expected_n * 8 / 10 && s.n <= expected_n + 2;
	for (int i = 0; i < s.n; i++)
		if (s.s[i].t_ms < 0 || (i && s.s[i].t_ms <= s.s[i - 1].t_ms))
			ok = 0;
	if (s.n && s.s[s.n - 1].t_ms < p->duration_ms * 8 / 10)
		ok = 0;
	strbuf_addf(&a->exp, "about %d 'sample t_ms=...' lines, t_ms rising by %d from 0 to %d",
		    expected_n, p->interval_ms, p->duration_ms);
	strbuf_addf(&a->obs, "%d sample lines", s.n);
	if (s.n)
		strbuf_addf(&a->obs, ", t_ms %ld .. %ld", s.s[0].t_ms, s.s[s.n - 1].t_ms);
	attempt_add_text(a, "samples", ok,
			 s.n <= 1 ? "one sample is a snapshot, not a series: loop until "
				    "duration_ms has passed, sleeping interval_ms between samples"
				  : "measure t_ms with clock_gettime(CLOCK_MONOTONIC) from the "
				    "start, take one sample every interval_ms and stop after "
				    "duration_ms");

	/* fields */
	for (int i = 0; i < s.n && complete; i++)
		for (int f = 0; f < NFIELDS; f++)
			if (s.s[i].v[f] < 0 || (f < 3 && s.s[i].v[f] == 0)) {
				complete = 0;
				bad = i;
			}
	if (!s.n)
		strbuf_addstr(&a->obs, "no samples");
	else if (!complete) {
		strbuf_addf(&a->obs, "sample %d:", bad + 1);
		for (int f = 0; f < NFIELDS; f++)
			strbuf_addf(&a->obs, " %s=%ld", fields[f], s.s[bad].v[f]);
	} else {
		strbuf_addstr(&a->obs, "all five fields in every sample");
	}
	strbuf_addstr(&a->exp, "MemFree=KB MemAvailable=KB Slab=KB SUnreclaim=KB VmallocUsed=KB "
			       "in every sample (the numbers from /proc/meminfo, in kB, not zero)");
	attempt_add_text(a, "fields", s.n && complete,
			 "find each line by its whole name followed by ':' and read the number "
			 "after it (sscanf(line, \"%63[^:]: %ld\", name, &kb) and compare name "
			 "exactly)");

	if (!s.n || !complete) {
		const char *why = "not reached: the samples are missing or incomplete";

		attempt_skip(a, "baseline", why);
		attempt_skip(a, "change", why);
		attempt_skip(a, "freed", why);
		goto chart;
	}

	/* baseline: the first samples, before the probe's first step */
	ok = 1;
	for (int f = 0; f < NFIELDS; f++) {
		long d = s.s[0].v[f] - t->s[0].v[f];

		add_pair(&a->exp, f, t->s[0].v[f]);
		add_pair(&a->obs, f, s.s[0].v[f]);
		if (labs(d) > tolerance(p, f)) {
			ok = 0;
			strbuf_addf(&a->hint, "%s%s is off by %ld kB", a->hint.len ? ", " : "",
				    fields[f], d);
		}
	}
	strbuf_addstr(&a->hint, ". Your first sample does not match /proc/meminfo at that moment: "
			     "read the file afresh for every sample (fopen, read, fclose, or "
			     "lseek to 0 and read again), print the numbers you read, and match "
			     "the field names exactly ('SUnreclaim' is not 'SReclaimable', "
			     "'VmallocUsed' is not 'VmallocTotal')");
	strbuf_addstr(&a->exp, " (the grader's first sample; within 4 MiB for MemFree and "
			    "MemAvailable, 1 MiB for the others)");
	attempt_add_text(a, "baseline", ok, NULL);

	/*
	 * A series that never moves, while the grader's did: the file was read
	 * once and its numbers printed again and again.
	 */
	flat = s.n > 1;
	for (int f = 0; f < NFIELDS && flat; f++) {
		long lo, hi;

		range(&s, f, &lo, &hi);
		flat = hi == lo;
	}

	/* change: how far each field moved during the run */
	ok = 1;
	for (int f = 0; f < NFIELDS; f++) {
		long tlo, thi, lo, hi;

		range(t, f, &tlo, &thi);
		range(&s, f, &lo, &hi);
		strbuf_addf(&a->exp, "%s%s moved %ld", a->exp.len ? ", " : "", fields[f], thi - tlo);
		strbuf_addf(&a->obs, "%s%s moved %ld", a->obs.len ? ", " : "", fields[f], hi - lo);
		if (labs((hi - lo) - (thi - tlo)) > tolerance(p, f))
			ok = 0;
	}
	strbuf_addf(&a->exp, " kB (max - min of the grader's samples; it allocated %ld kB with %s)",
		    p->held_kb, p->vmalloc ? "vmalloc" : "kmalloc");
	strbuf_addstr(&a->obs, " kB");
	attempt_add_text(a, "change", ok,
			 flat ? "every sample is the same: your program read /proc/meminfo once and "
			   "printed those numbers again; the file is made when it is read, so "
			   "open (or lseek to 0) and read it again for every sample"
			 : p->vmalloc ? "the grader's vmalloc() areas should show in VmallocUsed and "
				 "MemFree: sample often enough (every interval_ms) and for the whole "
				 "duration so the peak, held 1.5 s, falls between two samples"
			       : "the grader's kmalloc() objects should show in Slab, SUnreclaim "
				 "and MemFree: sample often enough (every interval_ms) and for the "
				 "whole duration so the peak, held 1.5 s, falls between two samples");

	/* freed: the last samples, after the probe freed everything */
	ok = 1;
	for (int f = 2; f < NFIELDS; f++) {
		add_pair(&a->exp, f, t->s[t->n - 1].v[f]);
		add_pair(&a->obs, f, s.s[s.n - 1].v[f]);
		if (labs(s.s[s.n - 1].v[f] - t->s[t->n - 1].v[f]) > tolerance(p, f))
			ok = 0;
	}
	strbuf_addstr(&a->exp, " (the grader's last sample, after the free; within 1 MiB)");
	if (flat)
		strbuf_addstr(&a->obs, " (every sample the same: a series that never moved shows no free)");
	attempt_add_text(a, "freed", ok && !flat,
			 flat ? "read /proc/meminfo again for every sample: numbers read once show "
			   "neither the allocation nor its free"
			 : "keep sampling until duration_ms has passed: the last samples must show "
			   "the memory returned after the grader's module freed it");

chart:
	if (s.n)
		draw_chart(&a->chart, &s, watched(p), p);
	free(s.s);
	free(p->truth.s);
	p->truth.s = NULL;
}

const struct checker checker_memwatch = {
	.name = "memwatch",
	.checks = memwatch_checks,
	.prepare = memwatch_prepare,
	.run = memwatch_run,
	.grade = memwatch_grade,
};
