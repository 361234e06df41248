#include "check.h"

#include "session.h"

#include <stdarg.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grading.h"
#include "ktap.h"
#include "paths.h"

extern const struct checker checker_declared;
extern const struct checker checker_ksize;
extern const struct checker checker_slabinfo;
extern const struct checker checker_ceiling;
extern const struct checker checker_slabcache;
extern const struct checker checker_vmalloc;
extern const struct checker checker_layout;
extern const struct checker checker_stacks;
extern const struct checker checker_oomscore;
extern const struct checker checker_devres;
extern const struct checker checker_memwatch;
extern const struct checker checker_oomkill;

static const struct checker *const checkers[] = {
	&checker_ksize,
	&checker_slabinfo,
	&checker_ceiling,
	&checker_slabcache,
	&checker_vmalloc,
	&checker_layout,
	&checker_stacks,
	&checker_oomscore,
	&checker_devres,
	&checker_memwatch,
	&checker_oomkill,
	&checker_declared,
};

const struct checker *checker_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(checkers); i++)
		if (!strcmp(checkers[i]->name, name))
			return checkers[i];
	return NULL;
}

const char **exercise_check_names(const struct exercise *ex)
{
	const struct checker *ck;
	const char **names;
	int n = 0;

	if (ex->grading)
		return grading_check_names(ex->grading);
	ck = checker_find(ex->check);
	while (ck && ck->checks && ck->checks[n])
		n++;
	names = xcalloc((size_t)n + 1, sizeof(*names));
	for (int i = 0; i < n; i++)
		names[i] = ck->checks[i];
	return names;
}

/*
 * What a check keeps of a text the learner's code controls: it goes to
 * the database, reports and an LMS, so it is bounded (a module must not
 * smuggle the machine's files, or megabytes, out through a check).
 */
#define CHECK_TEXT_MAX 2048
#define TRANSCRIPT_MAX (1u << 20)

static char *bounded(const char *s)
{
	size_t n = strlen(s);

	if (n <= CHECK_TEXT_MAX)
		return xstrdup(s);
	/* Cut on a character boundary (never inside a UTF-8 sequence). */
	n = CHECK_TEXT_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return xasprintf("%.*s... (%zu more bytes not kept)", (int)n, s, strlen(s) - n);
}

void attempt_add(struct attempt *a, const char *name, int pass, const char *expected,
		 const char *observed, const char *hint)
{
	struct check_item *c;

	a->items = xrealloc(a->items, (size_t)(a->nitems + 1) * sizeof(*c));
	c = &a->items[a->nitems++];
	c->name = xstrdup(name);
	c->status = xstrdup(pass ? "pass" : "fail");
	c->expected = expected ? bounded(expected) : NULL;
	c->observed = observed ? bounded(observed) : NULL;
	c->hint = !pass && hint ? xstrdup(hint) : NULL;
}

void attempt_add_text(struct attempt *a, const char *name, int pass, const char *hint)
{
	attempt_add(a, name, pass, a->exp.len ? a->exp.buf : NULL,
		    a->obs.len ? a->obs.buf : NULL, hint ? hint : a->hint.len ? a->hint.buf : NULL);
	strbuf_reset(&a->exp);
	strbuf_reset(&a->obs);
	strbuf_reset(&a->hint);
}

/*
 * Draw number n of an attempt from seed: splitmix64 of seed + n, so that
 * every attempt with one seed draws the same sequence.
 */
static uint32_t seeded(uint64_t seed, int n, uint32_t lo, uint32_t hi)
{
	uint64_t z = seed + (uint64_t)(n + 1) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return lo + (uint32_t)(z % ((uint64_t)hi - lo + 1));
}

int attempt_seed(uint64_t *seed)
{
	const char *s = getenv("KMEMLAB_SEED");
	char *end;

	if (!s || !*s)
		return 0;
	errno = 0;
	*seed = strtoull(s, &end, 10);
	if (*end || errno || !isdigit((unsigned char)*s))
		return error("KMEMLAB_SEED ('%s') must be a decimal number from 0 to "
			     "18446744073709551615; unset it for fresh inputs", s);
	return 1;
}

uint32_t attempt_random(struct attempt *a, uint32_t lo, uint32_t hi)
{
	struct draws *d = &a->draws;
	uint64_t seed;
	uint32_t v;

	if (d->replay) {
		if (d->next >= d->n || d->v[d->next] < lo || d->v[d->next] > hi) {
			d->bad = 1;
			return lo;
		}
		return d->v[d->next++];
	}
	/* attempt_run() has refused a malformed seed. */
	v = attempt_seed(&seed) == 1 ? seeded(seed, d->n, lo, hi) : random_range(lo, hi);
	d->v = xrealloc(d->v, (size_t)(d->n + 1) * sizeof(*d->v));
	d->v[d->n++] = v;
	return v;
}

void attempt_check_ktap_plan(struct attempt *a, const char *name, int plan, int complete,
			     const char *expected, const char *hint)
{
	const struct ktap_doc *doc = &a->report;
	struct strbuf obs = STRBUF_INIT;
	int ok = doc->version == 1 && doc->plan == plan && (!complete || !doc->missing);

	if (!doc->version)
		strbuf_addstr(&obs, "no 'KTAP version 1' line in the kernel log");
	else if (doc->plan < 0 && !complete)
		strbuf_addstr(&obs, "no plan line");
	else
		strbuf_addf(&obs, "KTAP version %d, plan 1..%d", doc->version, doc->plan);
	if (doc->version && complete)
		strbuf_addf(&obs, ", %d results", doc->nresults);
	attempt_add(a, name, ok, expected, obs.buf, hint);
	strbuf_release(&obs);
}

void attempt_check_nonce(struct attempt *a, const char *name)
{
	const struct ktap_doc *doc = &a->report;
	struct strbuf obs = STRBUF_INIT;
	char buf[128], *exp = xasprintf("nonce=%s", a->nonce);
	int ok = 0;

	for (int i = 0; i < doc->ndiag && !ok; i++)
		if (ktap_kv(doc->diag[i], "nonce", buf, sizeof(buf))) {
			ok = !strcmp(buf, a->nonce);
			strbuf_reset(&obs);
			strbuf_addf(&obs, "nonce=%s", buf);
		}
	attempt_add(a, name, ok, exp, obs.len ? obs.buf : "no '# ... nonce=' line",
		    "echo the nonce parameter: it proves the report came from this run");
	free(exp);
	strbuf_release(&obs);
}

void attempt_check_ktap(struct attempt *a, int plan, const char *unit)
{
	char *exp = xasprintf("KTAP version 1, plan 1..%d (one test per %s)", plan, unit);
	char *hint = xasprintf("print 'KTAP version 1' and then '1..%d' before the results", plan);

	attempt_check_ktap_plan(a, "ktap", plan, 0, exp, hint);
	free(exp);
	free(hint);
	attempt_check_nonce(a, "nonce");
}

void attempt_check_program_nonce(struct attempt *a, const char *what, const char *proves,
				 const char *expected, ...)
{
	char *line = ktap_line_of(strbuf_str(&a->prog.out), what);
	char v[64], *hint, *missing;
	struct strbuf exp = STRBUF_INIT;
	va_list ap;

	va_start(ap, expected);
	strbuf_vaddf(&exp, expected, ap);
	va_end(ap);
	missing = xasprintf("no '%s nonce=' line", what);
	hint = xasprintf("print the nonce from argv[1] on the first line: it proves the %s "
			 "came from this run", proves);
	attempt_add(a, "nonce", line && ktap_kv(line, "nonce", v, sizeof(v)) && !strcmp(v, a->nonce),
		    exp.buf, line ? line : missing, hint);
	free(line);
	free(missing);
	free(hint);
	strbuf_release(&exp);
}

void attempt_skip(struct attempt *a, const char *name, const char *why)
{
	attempt_add(a, name, 0, NULL, why, NULL);
	free(a->items[a->nitems - 1].status);
	a->items[a->nitems - 1].status = xstrdup("skip");
}

static const char *load_hint(enum modrun_verdict v)
{
	switch (v) {
	case MODRUN_INSMOD_FAILED:
		return "module init returned an error: read the kernel log above for the "
		       "module's own message, and check that it accepts the parameters given";
	case MODRUN_OOPS:
		return "the kernel oopsed in your module: the RIP line of the report names "
		       "the function and offset; a NULL or freed pointer is the usual cause";
	case MODRUN_SLAB:
		return "the slab allocator found one of its objects damaged: a write past "
		       "the end of a buffer, or a use or kfree after kfree; the report's "
		       "object and its 'Allocated'/'Freed' traces name the code";
	case MODRUN_PANIC:
		return "the kernel panicked: the console lines show where; never call "
		       "panic() or BUG() from an exercise";
	case MODRUN_LOCKUP:
	case MODRUN_TIMEOUT:
		return "init or exit never returned: look for a loop that does not end, or "
		       "a lock taken twice";
	case MODRUN_FLOOD:
		return "print one line per result, not per byte or per loop turn";
	case MODRUN_CHANNEL:
		return "a module must leave the lab's own devices alone: it wrote into the "
		       "virtio-serial port the lab's agent talks through";
	default:
		return "run 'kmemlab lab run' on your module to see its whole kernel log";
	}
}

/* build, load and unload: the checks every module exercise starts with. */
/* build, and load or runs: the checks every exercise starts with. */
static void grade_common(struct attempt *a, int *go_on)
{
	int prog = a->ex->kind == EXERCISE_PROGRAM;
	const char *exp = prog ? "a static program that compiles"
			       : "a loadable module built against the lab kernel";

	*go_on = 0;
	if (!a->build.ok) {
		char *first = kbuild_first_errors(strbuf_str(&a->build.log), 3);

		attempt_add(a, "build", 0, exp, first,
			    prog ? "fix the first error first; 'kmemlab dmesg' shows the whole "
				   "compiler and linker output"
				 : "fix the first compiler error first; 'kmemlab dmesg' shows the "
				   "whole build log");
		free(first);
		return;
	}
	attempt_add(a, "build", 1, exp, "built", NULL);
	if (prog) {
		int ok = a->prog_ran && !a->prog.status && !a->prog.signal && !a->prog.timed_out;
		char *obs = !a->prog_ran ? xstrdup(a->prog.err.len ? a->prog.err.buf : "it did not run")
			    : a->prog.timed_out ? xstrdup("it did not finish in time")
			    : a->prog.signal ? xasprintf("killed by signal %d", a->prog.signal)
					     : xasprintf("exit status %d%s%s", a->prog.status,
							 a->prog.err.len ? ": " : "",
							 strbuf_str(&a->prog.err));

		attempt_add(a, "runs", ok, "exit status 0 in the lab VM", rtrim(obs),
			    "run it in the lab VM and read what it printed on stderr");
		free(obs);
		*go_on = a->prog_ran;
	} else if (a->learner.inserted) {
		attempt_add(a, "load", 1, "insmod succeeds with this attempt's parameters",
			    "loaded", NULL);
		*go_on = 1;
	} else {
		attempt_add(a, "load", 0, "insmod succeeds with this attempt's parameters",
			    a->learner.reason, load_hint(a->learner.verdict));
	}
}

/*
 * "cleanup", for every module exercise: what the module allocated was
 * freed by the time it was unloaded (leaks.h), seen in the same run.
 */
static void grade_cleanup(struct attempt *a)
{
	if (a->leaks.allocs.len || a->leaks.areas.len)
		strbuf_addf(&a->transcript, "\n== the module's allocations (event time pointer "
			    "bytes site), then its vmalloc areas\n%s-- areas\n%s",
			    strbuf_str(&a->leaks.allocs), strbuf_str(&a->leaks.areas));
	const char *exp = "every kmalloc, kmem_cache_alloc and vmalloc of the module is freed "
			  "by the time rmmod returns";

	if (a->leaks.checked && !a->leaks.nleaks) {
		attempt_add(a, "cleanup", 1, exp, "everything the module allocated was freed",
			    NULL);
	} else if (a->leaks.checked) {
		char *obs = leaks_describe(&a->leaks);

		attempt_add(a, "cleanup", 0, exp, obs,
			    "free in the exit function what init allocated and kept: kfree() "
			    "for kmalloc(), vfree() for vmalloc() and vzalloc(), kvfree() for "
			    "kvmalloc(), kmem_cache_free() before kmem_cache_destroy(); the "
			    "sites above are where the leaked memory was allocated");
		free(obs);
	} else if (a->leaks.why_off && a->learner.inserted && !a->learner.loaded) {
		/* The lab could not follow it: kmemlab's limit, not the learner's fault. */
		strbuf_addf(&a->transcript, "\n== cleanup not checked: %s\n", a->leaks.why_off);
	} else {
		char *why = xasprintf("not checked: %s",
				      !a->build.ok ? "the module did not build"
				      : !a->learner.inserted ? "the module did not load"
							     : "the module did not unload cleanly");

		attempt_skip(a, "cleanup", why);
		free(why);
	}
}

void attempt_grade(struct attempt *a)
{
	const struct exercise *ex = a->ex;
	const struct checker *ck = checker_find(ex->check);
	int64_t t = now_ms();
	int go_on;

	ktap_doc_release(&a->report);
	ktap_doc_release(&a->truth_report);
	ktap_parse(strbuf_str(&a->learner.text), &a->report);
	ktap_parse(strbuf_str(&a->truth.text), &a->truth_report);
	grade_common(a, &go_on);
	if (go_on) {
		ck->grade(a);
		if (a->chart.len)
			strbuf_addf(&a->transcript, "\n== chart\n%s", a->chart.buf);
	} else {
		const char *what = ex->kind == EXERCISE_PROGRAM ? "program" : "module";
		char *why = xasprintf("not reached: the %s did not %s", what,
				      a->build.ok ? ex->kind == EXERCISE_PROGRAM ? "run" : "load"
						  : "build");

		const char **names = exercise_check_names(ex);

		if (!a->build.ok)
			attempt_skip(a, ex->kind == EXERCISE_PROGRAM ? "runs" : "load", why);
		for (const char **c = names; *c; c++)
			attempt_skip(a, *c, why);
		free(names);
		free(why);
	}
	if (ex->kind == EXERCISE_PROGRAM) {
		/* Programs have no unload step. */
	} else if (a->learner.inserted) {
		int clean = a->learner.verdict == MODRUN_OK && !a->learner.warned;
		int warning = a->learner.warned && a->learner.verdict == MODRUN_OK;
		const char *w = warning ? strstr(strbuf_str(&a->learner.text), "WARNING: ") : NULL;
		/* The WARNING line names the file, line and function that complained. */
		char *wline = w ? xasprintf("the kernel logged %.*s", (int)strcspn(w, "\n"), w)
				: xstrdup("the kernel logged a WARNING");

		attempt_add(a, "unload", clean,
			    "rmmod succeeds and the kernel log has no WARNING, oops or BUG",
			    clean ? "unloaded cleanly" : warning ? wline : a->learner.reason,
			    warning ? "the kernel caught a misuse: the WARNING line names the "
				      "kernel function that complained, and the line just before "
				      "it often says why"
				    : load_hint(a->learner.verdict));
		free(wline);
	} else {
		attempt_skip(a, "unload", a->build.ok ? "not reached: the module did not load"
						      : "not reached: the module did not build");
	}
	if (ex->kind == EXERCISE_MODULE)
		grade_cleanup(a);
	a->max_score = a->score = 0;
	for (int i = 0; i < a->nitems; i++) {
		a->max_score++;
		a->score += !strcmp(a->items[i].status, "pass");
	}
	/* Checks never reached still count against the score. */
	a->verdict = a->score == a->max_score && a->max_score > 0 ? "pass" : "fail";
	for (int i = 0; i < a->nitems; i++)
		if (strcmp(a->items[i].status, "pass")) {
			a->summary = xasprintf("%s: %s", a->items[i].name,
					       a->items[i].observed ? a->items[i].observed
								    : "failed");
			break;
		}
	if (!a->summary)
		a->summary = xasprintf("all %d checks passed", a->max_score);
	a->grade_ms = now_ms() - t;
}

void attempt_record(const struct attempt *a, struct record *r)
{
	memset(r, 0, sizeof(*r));
	r->exercise = xstrdup(a->ex->id);
	r->started_at = xstrdup(a->started_at);
	r->source_hash = xstrdup(a->source_hash);
	r->verdict = xstrdup(a->verdict ? a->verdict : "error");
	r->score = a->score;
	r->max_score = a->max_score;
	r->build_ms = a->build_ms;
	r->vm_ms = a->vm_ms;
	r->grade_ms = a->grade_ms;
	r->inputs = a->inputs ? xstrdup(a->inputs) : NULL;
	r->summary = a->summary ? xstrdup(a->summary) : NULL;
	r->transcript = a->transcript.len > TRANSCRIPT_MAX
		? xasprintf("%.*s\n... (the transcript is cut at %u bytes)\n",
			    (int)TRANSCRIPT_MAX, a->transcript.buf, TRANSCRIPT_MAX)
		: xstrdup(strbuf_str(&a->transcript));
	r->kernel = a->kernel ? xstrdup(a->kernel) : NULL;
	for (int i = 0; i < a->nitems; i++)
		record_add_check(r, a->items[i].name, a->items[i].status, a->items[i].expected,
				 a->items[i].observed, a->items[i].hint);
}

int attempt_store_as(struct store *st, const struct attempt *a, int64_t learner,
		     const char *origin, int64_t submission)
{
	struct record r;
	int64_t id;
	int ret;

	attempt_record(a, &r);
	if (origin)
		ret = store_save_attempt_as(st, learner, origin, submission, &r, &id);
	else
		ret = store_save_attempt(st, a->experiment ? "experiment" : "self", &r, &id);
	record_release(&r);
	return ret;
}

int attempt_store(struct store *st, const struct attempt *a)
{
	return attempt_store_as(st, a, 0, NULL, 0);
}

void attempt_release(struct attempt *a)
{
	char *strings[] = { a->priv, a->source, a->params, a->probe_params, a->inputs,
			    a->kernel, a->summary };
	struct strbuf *texts[] = { &a->trace, &a->chart, &a->exp, &a->obs, &a->hint, &a->dmesg,
				   &a->transcript };

	for (int i = 0; i < a->nitems; i++) {
		char *item[] = { a->items[i].name, a->items[i].status, a->items[i].expected,
				 a->items[i].observed, a->items[i].hint };

		for (size_t j = 0; j < ARRAY_SIZE(item); j++)
			free(item[j]);
	}
	free(a->items);
	for (size_t i = 0; i < ARRAY_SIZE(strings); i++)
		free(strings[i]);
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++)
		strbuf_release(texts[i]);
	kbuild_result_release(&a->build);
	kbuild_result_release(&a->probe);
	modrun_release(&a->learner);
	modrun_release(&a->truth);
	leaks_release(&a->leaks);
	vm_exec_release(&a->prog);
	for (int i = 0; i < a->nreadings; i++) {
		free(a->readings[i].name);
		strbuf_release(&a->readings[i].text);
	}
	free(a->readings);
	free(a->draws.v);
	ktap_doc_release(&a->report);
	ktap_doc_release(&a->truth_report);
	memset(a, 0, sizeof(*a));
}

static void print_field(FILE *f, const char *label, const char *text)
{
	const char *p = text;

	fprintf(f, "        %-9s ", label);
	for (; *p; p++) {
		fputc(*p, f);
		if (*p == '\n' && p[1])
			fputs("                  ", f);
	}
	fputc('\n', f);
}

void attempt_print(const struct attempt *a, FILE *f, int color)
{
	const char *green = color ? "\033[32m" : "", *red = color ? "\033[31m" : "";
	const char *dim = color ? "\033[2m" : "", *bold = color ? "\033[1m" : "";
	const char *off = color ? "\033[0m" : "";
	int pass = !strcmp(a->verdict, "pass");

	fprintf(f, "%s%s%s%s: %s (%d/%d checks)\n", bold, pass ? green : red, a->ex->id, off,
		pass ? "passed" : "not yet", a->score, a->max_score);
	fprintf(f, "%s  inputs: %s%s\n", dim, a->inputs ? a->inputs : "", off);
	for (int i = 0; i < a->nitems; i++) {
		const struct check_item *c = &a->items[i];
		int ok = !strcmp(c->status, "pass");
		int skip = !strcmp(c->status, "skip");

		if (ok && c->observed && *c->observed) {
			/* What the grader saw, on the same line: one line, cut to fit. */
			int room = 62 - (strlen(c->name) > 12 ? (int)strlen(c->name) : 12);
			size_t n = strcspn(c->observed, "\n");

			if (room < 16)
				room = 16;
			fprintf(f, "  %sok%s   %-12s %s%.*s%s%s\n", green, off, c->name, dim,
				(int)(n > (size_t)room ? (size_t)room - 3 : n), c->observed,
				n > (size_t)room ? "..." : "", off);
			continue;
		}
		fprintf(f, "  %s%-4s%s %s\n", ok ? green : skip ? dim : red,
			ok ? "ok" : skip ? "skip" : "FAIL", off, c->name);
		if (ok)
			continue;
		if (c->expected)
			print_field(f, "expected:", c->expected);
		if (c->observed)
			print_field(f, skip ? "why:" : "observed:", c->observed);
		if (c->hint)
			print_field(f, "hint:", c->hint);
	}
	if (a->chart.len)
		fputs(a->chart.buf, f);
	fprintf(f, "%s  build %.1f s, lab VM %.1f s, grading %.3f s%s\n", dim,
		(double)a->build_ms / 1000, (double)a->vm_ms / 1000, (double)a->grade_ms / 1000,
		off);
}
