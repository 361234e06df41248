/*
 * The checker of declared grading (grading.h): an exercise of a course
 * pack graded from its lesson.json "grade" object.  prepare() draws the
 * declared inputs; the run loads the pack's own probe, reads what the
 * declaration asks for in the VM (before, while loaded, after) and runs
 * its grading scripts there; grade() compares the learner's KTAP report
 * with that truth, check by check, from the recorded run alone.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "expr.h"
#include "grading.h"
#include "ktap.h"

#define READ_TIMEOUT_MS 30000
#define READ_CAP (256 << 10)

/* The drawn inputs, one flat array in declaration order (free() frees it). */
struct declared_priv {
	int n;
	int64_t v[];	/* int: its value; list: its elements; choice: the index */
};

static const struct grading *grading_of(const struct attempt *a)
{
	return a->ex->grading;
}

static int input_size(const struct grading_input *in)
{
	return in->kind == INPUT_LIST ? in->nvalues : 1;
}

/* Where input k's values start in priv->v. */
static int input_offset(const struct grading *g, int k)
{
	int off = 0;

	for (int i = 0; i < k; i++)
		off += input_size(&g->inputs[i]);
	return off;
}

static int find_input(const struct grading *g, const char *name, size_t len)
{
	for (int i = 0; i < g->ninputs; i++)
		if (strlen(g->inputs[i].name) == len && !strncmp(g->inputs[i].name, name, len))
			return i;
	return -1;
}

/* Input k as text: a number, a comma-separated list, a choice. */
static void input_text(const struct grading *g, const struct declared_priv *p, int k,
		       struct strbuf *sb)
{
	const struct grading_input *in = &g->inputs[k];
	int off = input_offset(g, k);

	if (in->kind == INPUT_CHOICE) {
		strbuf_addstr(sb, in->choices[p->v[off]]);
		return;
	}
	for (int i = 0; i < input_size(in); i++)
		strbuf_addf(sb, "%s%lld", i ? "," : "", (long long)p->v[off + i]);
}

/*
 * A number as kmemlab reads one from a report or a reading: decimal, or
 * hexadecimal after 0x, with an optional sign, the whole of s.  1 with
 * *v, 0 when s is no number, -1 when it is one past 64 bits.
 */
static int number(const char *s, int64_t *v)
{
	const char *d = s + (*s == '-' || *s == '+');
	int hex = d[0] == '0' && (d[1] == 'x' || d[1] == 'X');
	char *end;
	long long n;

	if (!(hex ? isxdigit((unsigned char)d[2]) : isdigit((unsigned char)*d)))
		return 0;
	errno = 0;
	n = strtoll(s, &end, hex ? 16 : 10);
	if (*end)
		return 0;
	if (errno == ERANGE)
		return -1;
	*v = n;
	return 1;
}

/* The number of key=VALUE in text (a KTAP comment, a reading): as number(). */
static int kv_number(const char *text, const char *key, int64_t *v)
{
	char buf[64];

	if (!text || !ktap_kv(text, key, buf, sizeof(buf)))
		return 0;
	return number(buf, v);
}

/* The first word of text that is a number: as number(). */
static int first_number(const char *text, int64_t *v)
{
	for (const char *p = text; *p;) {
		size_t n;
		char *w;
		int r;

		p += strspn(p, " \t\n");
		n = strcspn(p, " \t\n");
		if (!n)
			break;
		w = xstrndup(p, n);
		r = number(w, v);
		free(w);
		if (r)
			return r;
		p += n;
	}
	return 0;
}

/*
 * {reading.NAME} (its first number) or {reading.NAME.KEY} (its KEY=number)
 * in a template: the text between the braces is ref (len bytes).  1 with
 * the number added to sb; 0 when ref is not one, or the reading (made
 * earlier in this attempt) holds no such number: nothing is added.
 */
static int reading_ref(const struct attempt *a, const char *ref, size_t len, struct strbuf *sb)
{
	char *r, *dot, *name;
	int64_t v;
	int got;

	if (len <= 8 || strncmp(ref, "reading.", 8))
		return 0;
	r = xstrndup(ref + 8, len - 8);
	dot = strchr(r, '.');
	name = dot ? xstrndup(r, (size_t)(dot - r)) : xstrdup(r);
	got = attempt_has_reading(a, name) &&
	      (dot ? kv_number(attempt_reading(a, name), dot + 1, &v)
		   : first_number(attempt_reading(a, name), &v)) == 1;
	if (got)
		strbuf_addf(sb, "%lld", (long long)v);
	free(name);
	free(r);
	return 1;
}

/*
 * template with {NAME} replaced by input NAME (a list as 1,2,3), {NAME[K]}
 * by element K of a list (from 0), {nonce} by the nonce, and
 * {reading.NAME} or {reading.NAME.KEY} by a number of a reading made
 * earlier in this attempt (nothing, before it is made).
 */
static char *expand(const struct attempt *a, const char *template)
{
	const struct grading *g = grading_of(a);
	const struct declared_priv *p = a->priv;
	struct strbuf sb = STRBUF_INIT;

	for (const char *s = template; *s;) {
		const char *close = *s == '{' ? strchr(s, '}') : NULL;
		size_t len = close ? (size_t)(close - s - 1) : 0;
		const char *bracket = close ? memchr(s + 1, '[', len) : NULL;
		int k = close ? find_input(g, s + 1, bracket ? (size_t)(bracket - s - 1) : len) : -1;
		char *end;
		long e = bracket ? strtol(bracket + 1, &end, 10) : -1;

		if (close && !strncmp(s, "{nonce}", 7)) {
			strbuf_addstr(&sb, a->nonce);
			s += 7;
		} else if (k >= 0 && !bracket) {
			input_text(g, p, k, &sb);
			s = close + 1;
		} else if (k >= 0 && g->inputs[k].kind == INPUT_LIST &&
			   isdigit((unsigned char)bracket[1]) && end == close - 1 && *end == ']' &&
			   e < input_size(&g->inputs[k])) {
			strbuf_addf(&sb, "%lld", (long long)p->v[input_offset(g, k) + e]);
			s = close + 1;
		} else if (close && reading_ref(a, s + 1, len, &sb)) {
			s = close + 1;
		} else {
			strbuf_addch(&sb, *s++);
		}
	}
	return strbuf_detach(&sb, NULL);
}

static void declared_prepare(struct attempt *a)
{
	const struct grading *g = grading_of(a);
	int total = input_offset(g, g->ninputs);
	struct declared_priv *p = xcalloc(1, sizeof(*p) + (size_t)(total + 1) * sizeof(int64_t));
	struct strbuf inputs = STRBUF_INIT;

	p->n = total;
	for (int k = 0, off = 0; k < g->ninputs; off += input_size(&g->inputs[k]), k++) {
		const struct grading_input *in = &g->inputs[k];

		if (in->kind == INPUT_CHOICE) {
			p->v[off] = attempt_random(a, 0, (uint32_t)in->nchoices - 1);
			continue;
		}
		for (int i = 0; i < in->nvalues; i++) {
			const struct grading_value *gv = &in->values[i];
			int alt = gv->nalt > 1 ? (int)attempt_random(a, 0, (uint32_t)gv->nalt - 1) : 0;

			int64_t lo = gv->alt[alt][0], hi = gv->alt[alt][1];

			/* A negative range is drawn from 0 and moved. */
			p->v[off + i] = lo >= 0 ? attempt_random(a, (uint32_t)lo, (uint32_t)hi)
						: lo + attempt_random(a, 0, (uint32_t)(hi - lo));
		}
		for (int i = in->shuffle ? in->nvalues - 1 : 0; i > 0; i--) {
			int j = (int)attempt_random(a, 0, (uint32_t)i);
			int64_t t = p->v[off + i];

			p->v[off + i] = p->v[off + j];
			p->v[off + j] = t;
		}
	}
	a->priv = p;
	if (g->nruns) {
		struct strbuf params = STRBUF_INIT;

		for (int r = 0; r < g->nruns; r++) {
			char *args = expand(a, g->runs[r].args);

			strbuf_addf(&params, "%s%s", r ? " / " : "", args);
			free(args);
		}
		a->params = strbuf_detach(&params, NULL);
	} else {
		a->params = g->params ? expand(a, g->params) : xstrdup("");
	}
	for (int k = 0; k < g->ninputs; k++) {
		strbuf_addf(&inputs, "%s%s=", k ? " " : "", g->inputs[k].name);
		input_text(g, p, k, &inputs);
	}
	strbuf_addf(&inputs, "%snonce=%s", inputs.len ? " " : "", a->nonce);
	a->inputs = strbuf_detach(&inputs, NULL);
	if (g->probe_dir)
		a->probe_params = g->probe_params ? expand(a, g->probe_params)
						  : xasprintf("nonce=%s", a->nonce);
}

/* The declared readings made at when (around run "run"), each kept under its name. */
static int read_when(struct attempt *a, struct vm *vm, enum grading_when when, int run_index)
{
	const struct grading *g = grading_of(a);

	for (int i = 0; i < g->nreads; i++) {
		char *run;
		int r;

		if (g->reads[i].when != when ||
		    ((when == READ_BEFORE_RUN || when == READ_AFTER_RUN) &&
		     g->reads[i].run != run_index))
			continue;
		run = expand(a, g->reads[i].script);
		r = attempt_read(a, vm, g->reads[i].name, run, READ_TIMEOUT_MS, READ_CAP,
				 READ_ANY_STATUS, NULL);
		free(run);
		if (r == VM_ERROR)
			return -1;
	}
	return 0;
}

/* The pack's own guest programs, built and put in the VM as /lab/NAME. */
static int put_programs(struct attempt *a, struct vm *vm)
{
	const struct grading *g = grading_of(a);

	for (int i = 0; i < g->nprograms; i++) {
		const struct grading_program *pg = &g->programs[i];
		struct kbuild_result res;
		char *guest = xasprintf("/lab/%s", pg->name);
		int r = -1;

		if (build_program(pg->dir, pg->name, &res) != 0 || !res.ok)
			error("the course's program '%s' of exercise '%s' does not build (from "
			      "'%s'):\n%s", pg->name, a->ex->id, pg->dir, strbuf_str(&res.log));
		else if (vm_put_file(vm, guest, res.ko, 0755) != VM_OK)
			error("cannot copy the course's program '%s' into the lab VM", pg->name);
		else
			r = 0;
		kbuild_result_release(&res);
		free(guest);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int declared_before(struct attempt *a, struct vm *vm)
{
	/* A program exercise's were put at the start of its run. */
	if (a->ex->kind == EXERCISE_MODULE && put_programs(a, vm) < 0)
		return -1;
	return read_when(a, vm, READ_BEFORE, -1);
}

static int declared_while_loaded(struct attempt *a, struct vm *vm)
{
	return read_when(a, vm, READ_LOADED, -1);
}

/* Put text in the guest as path. */
static int put_text(struct vm *vm, const char *path, const char *text)
{
	char tmpl[] = "/tmp/kmemlab-grade-XXXXXX";
	int fd = mkstemp(tmpl), r = -1;

	if (fd < 0)
		return error("cannot make a file in /tmp for the grading script");
	close(fd);
	if (write_file_atomic(tmpl, text, strlen(text), 0600) == 0 &&
	    vm_put_file(vm, path, tmpl, 0644) == VM_OK)
		r = 0;
	unlink(tmpl);
	return r;
}

/* The name run r of a program is kept under: "run.NAME". */
static char *run_key(const struct grading *g, int r)
{
	return xasprintf("run.%s", g->runs[r].name);
}

/*
 * What run r of the program did (r < 0, or no "runs": its one run), from
 * the recorded run.  Whether it ran; ex is the caller's to release.
 */
static int run_exec(const struct attempt *a, int r, struct vm_exec *ex)
{
	const struct grading *g = grading_of(a);
	char *key;
	int ran;

	if (r < 0 || !g->nruns) {
		memset(ex, 0, sizeof(*ex));
		strbuf_add(&ex->out, a->prog.out.buf, a->prog.out.len);
		strbuf_add(&ex->err, a->prog.err.buf, a->prog.err.len);
		ex->status = a->prog.status;
		ex->signal = a->prog.signal;
		ex->timed_out = a->prog.timed_out;
		return a->prog_ran;
	}
	key = run_key(g, r);
	ran = attempt_reading_exec(a, key, ex);
	free(key);
	return ran;
}

/* Words of text, each in single quotes, for sh. */
static void shell_words(const char *text, struct strbuf *sb)
{
	for (const char *s = text; *s;) {
		size_t n = strcspn(s, " ");

		if (n) {
			strbuf_addstr(sb, " '");
			for (size_t i = 0; i < n; i++)
				if (s[i] == '\'')
					strbuf_addstr(sb, "'\\''");
				else
					strbuf_addch(sb, s[i]);
			strbuf_addch(sb, '\'');
		}
		s += n + (s[n] == ' ');
	}
}

/*
 * What every grading script reads, put in /lab/grade once: the learner's
 * report, the truth, the inputs, the readings and each run's output.
 */
static int put_grade_files(struct attempt *a, struct vm *vm)
{
	const struct grading *g = grading_of(a);
	struct strbuf inputs = STRBUF_INIT;
	int ret = 0;

	for (int k = 0; k < g->ninputs; k++) {
		strbuf_addf(&inputs, "%s=", g->inputs[k].name);
		input_text(g, a->priv, k, &inputs);
		strbuf_addch(&inputs, '\n');
	}
	strbuf_addf(&inputs, "nonce=%s\n", a->nonce);
	if (put_text(vm, "/lab/grade/learner", a->ex->kind == EXERCISE_PROGRAM
			     ? strbuf_str(&a->prog.out) : strbuf_str(&a->learner.text)) < 0 ||
	    put_text(vm, "/lab/grade/truth", strbuf_str(&a->truth.text)) < 0 ||
	    put_text(vm, "/lab/grade/inputs", inputs.buf) < 0)
		ret = -1;
	strbuf_release(&inputs);
	for (int k = 0; k < g->nreads && ret == 0; k++) {
		char *p = xasprintf("/lab/grade/read/%s", g->reads[k].name);

		ret = put_text(vm, p, attempt_reading(a, g->reads[k].name));
		free(p);
	}
	/* Each run's output, and how it ended: a status, or why there is none. */
	for (int k = 0; k < g->nruns && ret == 0; k++) {
		struct vm_exec run;
		int ran = run_exec(a, k, &run);
		char *p = xasprintf("/lab/grade/run/%s", g->runs[k].name);
		char *q = xasprintf("%s.status", p);
		char *st = run.timed_out ? xstrdup("timed out\n") : !ran ? xstrdup("not run\n")
			   : run.signal ? xasprintf("killed by signal %d\n", run.signal)
					: xasprintf("%d\n", run.status);

		if (put_text(vm, p, strbuf_str(&run.out)) < 0 || put_text(vm, q, st) < 0)
			ret = -1;
		free(st);
		free(q);
		free(p);
		vm_exec_release(&run);
	}
	return ret;
}

/*
 * Each script check runs now, in the VM, after the learner's run: its
 * output is kept as reading "script.NAME", its end as "script.NAME.end".
 */
static int run_scripts(struct attempt *a, struct vm *vm)
{
	const struct grading *g = grading_of(a);
	int put = 0;

	for (int i = 0; i < g->nchecks; i++) {
		const struct grading_check *c = &g->checks[i];
		struct strbuf cmd = STRBUF_INIT;
		char *args, *name, *end;
		struct vm_exec ex;
		int r;

		if (c->kind != GCHECK_SCRIPT)
			continue;
		if (!put++ && put_grade_files(a, vm) < 0)
			return -1;
		if (vm_put_file(vm, "/lab/grade/grade.sh", c->script, 0755) != VM_OK)
			return -1;
		args = c->args ? expand(a, c->args) : xstrdup("");
		strbuf_addstr(&cmd, "cd /lab/grade && sh ./grade.sh");
		shell_words(args, &cmd);
		free(args);
		name = xasprintf("script.%s", c->name);
		end = xasprintf("script.%s.end", c->name);
		r = attempt_read(a, vm, name, cmd.buf, READ_TIMEOUT_MS, READ_CAP, READ_ANY_STATUS,
				 &ex);
		strbuf_release(&cmd);
		if (r != VM_ERROR) {
			strbuf_addf(attempt_keep(a, end), "%s",
				    r == VM_TIMEOUT || ex.timed_out ? "timed out"
				    : r != VM_OK ? "the lab VM stopped"
				    : ex.signal ? "killed by a signal" : "ended");
			vm_exec_release(&ex);
		}
		free(name);
		free(end);
		if (r == VM_ERROR)
			return -1;
	}
	return 0;
}

static int declared_observe(struct attempt *a, struct vm *vm)
{
	if (read_when(a, vm, READ_AFTER, -1) < 0)
		return -1;
	return run_scripts(a, vm);
}

/* Run the program with the words of text as its arguments, into a->prog. */
static int exec_words(struct attempt *a, struct vm *vm, const char *text)
{
	char **args = xcalloc(1, sizeof(char *));
	int n = 0, r;

	for (const char *s = text, *w; s && *s; s = w) {
		size_t len = strcspn(s, " ");

		w = s + len + (s[len] == ' ');
		if (!len)
			continue;
		args = xrealloc(args, (size_t)(n + 2) * sizeof(char *));
		args[n++] = xstrndup(s, len);
		args[n] = NULL;
	}
	r = attempt_exec_program(a, vm, (const char *const *)args, 30000);
	for (int i = 0; i < n; i++)
		free(args[i]);
	free(args);
	return r;
}

/*
 * A program's declared runs, in order, each kept as "run.NAME" with the
 * readings around it.  a->prog is left holding the first run that failed,
 * else the last, for kmemlab's own "runs" check; the others go in the
 * transcript here.
 */
static int exec_runs(struct attempt *a, struct vm *vm)
{
	const struct grading *g = grading_of(a);
	struct strbuf params = STRBUF_INIT;
	int shown = -1;

	for (int r = 0; r < g->nruns; r++) {
		char *args, *key = run_key(g, r);
		int ret = read_when(a, vm, READ_BEFORE_RUN, r);

		/* Now: its arguments may name readings made before it. */
		args = expand(a, g->runs[r].args);
		strbuf_addf(&params, "%s%s", r ? " / " : "", args);
		if (ret == 0)
			ret = exec_words(a, vm, args);
		if (ret == 0) {
			attempt_keep_exec(a, key, &a->prog, a->prog_ran);
			ret = read_when(a, vm, READ_AFTER_RUN, r);
		}
		free(args);
		free(key);
		if (ret < 0) {
			strbuf_release(&params);
			return -1;
		}
		if (!a->prog_ran)
			break;	/* the VM is gone, or the run did not end */
	}
	free(a->params);
	a->params = strbuf_detach(&params, NULL);
	/* The run kmemlab's "runs" check grades. */
	for (int r = 0; r < g->nruns && shown < 0; r++) {
		struct vm_exec ex;
		int ran = run_exec(a, r, &ex);

		if (!ran || ex.status || ex.signal || ex.timed_out || r == g->nruns - 1)
			shown = r;
		vm_exec_release(&ex);
	}
	vm_exec_release(&a->prog);
	a->prog_ran = run_exec(a, shown, &a->prog);
	for (int r = 0; r < g->nruns; r++) {
		struct vm_exec ex;
		char *args = expand(a, g->runs[r].args);

		if (run_exec(a, r, &ex) && r != shown)
			strbuf_addf(&a->transcript, "\n== your program: %s\n-- stdout\n%s-- stderr\n"
				    "%s== exit status %d%s%s\n", args, strbuf_str(&ex.out),
				    strbuf_str(&ex.err), ex.status,
				    ex.signal ? ", killed by a signal" : "",
				    ex.timed_out ? ", timed out" : "");
		vm_exec_release(&ex);
		free(args);
	}
	return 0;
}

/*
 * A program exercise: readings at the start, the probe loaded, readings
 * before, the program (once, or each declared run), the probe out.
 */
static int declared_run(struct attempt *a, struct vm *vm)
{
	const struct grading *g = grading_of(a);

	if (put_programs(a, vm) < 0 || read_when(a, vm, READ_START, -1) < 0)
		return -1;
	if (a->probe_params && attempt_run_probe(a, vm, 30000, 0) < 0)
		return -1;
	if (declared_before(a, vm) < 0)
		return -1;
	if (!g->nruns && g->params) {
		/* Now: its arguments may name readings made before it. */
		free(a->params);
		a->params = expand(a, g->params);
	}
	if (g->nruns ? exec_runs(a, vm) < 0 : exec_words(a, vm, a->params) < 0)
		return -1;
	if (a->probe_params && a->truth.loaded && modrun_unload(vm, a->probe.name, 30000,
								 &a->truth) < 0)
		return -1;
	return 0;
}

/* ---- grading ---- */

struct scope {
	const struct attempt *a;
	int i;			/* the result, or -1 outside one */
};

/*
 * truth.KEY and learner.KEY (of result i), truth.N.KEY and learner.N.KEY
 * (of result N, from 1): the probe's report or the learner's.
 */
static int result_value(const struct attempt *a, const struct scope *sc, const char *name,
			int64_t *v, char **why)
{
	int learner = name[0] == 'l';
	const struct ktap_doc *doc = learner ? &a->report : &a->truth_report;
	const char *key = name + (learner ? 8 : 6), *whose = learner ? "your" : "the probe's";
	char *end;
	long n = strtol(key, &end, 10);
	int r = sc->i, got;

	if (end != key && *end == '.') {
		r = (int)n - 1;
		key = end + 1;
	} else if (sc->i < 0) {
		*why = xasprintf("'%s' needs a result (i): use it in a \"results\" check, or "
				 "name the result (%s.1.%s)", name, learner ? "learner" : "truth",
				 key);
		return -1;
	}
	got = r >= 0 && r < doc->nresults ? kv_number(doc->results[r].comment, key, v) : 0;
	if (got != 1) {
		*why = got < 0 ? xasprintf("%s result %d: '%s' is past 64 bits", whose, r + 1, key)
			       : xasprintf("%s result %d has no number '%s'", whose, r + 1, key);
		return -1;
	}
	return 0;
}

static int lookup(const char *name, int64_t *v, char **why, void *arg)
{
	const struct scope *sc = arg;
	const struct attempt *a = sc->a;
	const struct grading *g = grading_of(a);
	const struct declared_priv *p = a->priv;
	size_t len = strlen(name);
	int indexed = len > 3 && !strcmp(name + len - 3, "[i]");

	if (!strcmp(name, "i")) {
		if (sc->i < 0)
			goto no_i;
		*v = sc->i;
		return 0;
	}
	if (!strncmp(name, "input.", 6) || !strncmp(name, "count.", 6)) {
		const char *n = name + 6;
		int k = find_input(g, n, strlen(n) - (indexed ? 3 : 0));
		int off;

		if (k < 0) {
			*why = xasprintf("'%s': there is no input '%.*s'", name,
					 (int)(strlen(n) - (indexed ? 3 : 0)), n);
			return -1;
		}
		off = input_offset(g, k);
		if (!strncmp(name, "count.", 6)) {
			*v = input_size(&g->inputs[k]);
			return 0;
		}
		if (g->inputs[k].kind == INPUT_LIST && !indexed) {
			*why = xasprintf("'%s' is a list: write %s[i]", name, name);
			return -1;
		}
		if (indexed && g->inputs[k].kind != INPUT_LIST) {
			*why = xasprintf("'%s': input '%s' is not a list", name, g->inputs[k].name);
			return -1;
		}
		if (indexed && sc->i < 0)
			goto no_i;
		if (indexed && sc->i >= input_size(&g->inputs[k])) {
			*why = xasprintf("'%s': the list has %d values, not %d", name,
					 input_size(&g->inputs[k]), sc->i + 1);
			return -1;
		}
		*v = p->v[off + (indexed ? sc->i : 0)];
		return 0;
	}
	if (!strncmp(name, "truth.", 6) || !strncmp(name, "learner.", 8))
		return result_value(a, sc, name, v, why);
	if (!strncmp(name, "sum.truth.", 10)) {
		/* KEY added up over every result of the probe that has it. */
		const struct ktap_doc *doc = &a->truth_report;
		int64_t sum = 0, x;
		int have = 0;

		for (int r = 0; r < doc->nresults; r++) {
			if (kv_number(doc->results[r].comment, name + 10, &x) != 1)
				continue;
			have = 1;
			if (__builtin_add_overflow(sum, x, &sum)) {
				*why = xasprintf("'%s' does not fit in 64 bits", name);
				return -1;
			}
		}
		if (!have) {
			*why = xasprintf("no result of the probe has a number '%s'", name + 10);
			return -1;
		}
		*v = sum;
		return 0;
	}
	if (!strncmp(name, "reading.", 8)) {
		/* reading.NAME: its first number; reading.NAME.KEY: its KEY=number. */
		const char *dot = strchr(name + 8, '.');
		char *rname = xstrndup(name + 8, dot ? (size_t)(dot - name - 8) : strlen(name + 8));
		const char *t = attempt_reading(a, rname);
		int r = dot ? kv_number(t, dot + 1, v) : first_number(t, v);

		if (r != 1)
			*why = r < 0 ? xasprintf("reading '%s': a number past 64 bits", rname)
			       : dot ? xasprintf("reading '%s' has no '%s=' number", rname, dot + 1)
				     : xasprintf("reading '%s' holds no number", rname);
		free(rname);
		return r == 1 ? 0 : -1;
	}
	*why = xasprintf("'%s' is not a value grading knows (input.NAME, input.NAME[i], "
			 "count.NAME, truth.KEY, truth.N.KEY, sum.truth.KEY, learner.KEY, "
			 "learner.N.KEY, reading.NAME, reading.NAME.KEY, i)", name);
	return -1;
no_i:
	*why = xasprintf("'%s' needs a result (i): use it in a \"results\" check", name);
	return -1;
}

/* The most results one check reads (a kernel log holds few more). */
#define MAX_RESULTS 4096

/* How many results the learner reports: "tests", else as many as the probe. */
static int planned(const struct attempt *a, char **why)
{
	const struct grading *g = grading_of(a);
	struct scope sc = { a, -1 };
	int64_t v;

	*why = NULL;
	if (!g->tests)
		return a->truth_report.nresults;
	if (expr_eval(g->tests, lookup, &sc, &v, why) < 0)
		return -1;
	if (v < 0 || v > MAX_RESULTS) {
		*why = xasprintf("\"tests\" ('%s') is %lld: from 0 to %d results can be graded",
				 g->tests, (long long)v, MAX_RESULTS);
		return -1;
	}
	return (int)v;
}

/* The learner's report: the module's kernel log, or the program's output. */
static void learner_report(struct attempt *a)
{
	if (a->ex->kind == EXERCISE_PROGRAM) {
		ktap_doc_release(&a->report);
		ktap_parse(strbuf_str(&a->prog.out), &a->report);
	}
}

static int matches(const char *re, const char *text)
{
	regex_t r;
	int hit = 0;

	if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB | REG_NEWLINE) != 0)
		return 0;
	hit = regexec(&r, text, 0, NULL, 0) == 0;
	regfree(&r);
	return hit;
}

/* The first line of text matching re, allocated, or NULL. */
static char *matching_line(const regex_t *re, const char *text)
{
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		char *line = xstrndup(p, n);

		if (regexec(re, line, 0, NULL, 0) == 0)
			return line;
		free(line);
		p += n + (p[n] == '\n');
	}
	return NULL;
}

static void grade_results(struct attempt *a, const struct grading_check *c, int n)
{
	const struct ktap_doc *doc = &a->report;
	struct scope sc = { a, 0 };
	int ok = doc->nresults == n;
	char *eval_why = NULL;

	for (int i = 0; i < n; i++) {
		const struct ktap_result *res = i < doc->nresults ? &doc->results[i] : NULL;

		sc.i = i;
		strbuf_addf(&a->exp, "%s%d:", i ? " " : "", i + 1);
		strbuf_addf(&a->obs, "%s%d:", i ? " " : "", i + 1);
		for (int k = 0; k < c->nkeys; k++) {
			char got[128] = "?";
			int64_t want = 0, tol = 0;
			char *why = NULL;
			int have = res && ktap_kv(res->comment, c->keys[k], got, sizeof(got));
			int good = 0;

			strbuf_addf(&a->exp, "%s%s=", k ? "," : "", c->keys[k]);
			strbuf_addf(&a->obs, "%s%s=%s", k ? "," : "", c->keys[k], got);
			if (c->op == OP_MATCH) {
				strbuf_addf(&a->exp, "/%s/", c->pattern);
				good = have && matches(c->pattern, got);
			} else if (c->op == OP_ONE_OF) {
				int64_t g;
				int num = have && number(got, &g) == 1;

				for (int e = 0; e < c->nexpect; e++) {
					if (expr_eval(c->expect[e], lookup, &sc, &want, &why) < 0)
						break;
					strbuf_addf(&a->exp, "%s%lld", e ? "|" : "", (long long)want);
					good |= num && g == want;
				}
			} else if (expr_eval(c->expect[k], lookup, &sc, &want, &why) == 0 &&
				   (c->op != OP_WITHIN ||
				    expr_eval(c->tolerance, lookup, &sc, &tol, &why) == 0)) {
				int64_t g, d;

				strbuf_addf(&a->exp, "%lld", (long long)want);
				if (c->op == OP_WITHIN)
					strbuf_addf(&a->exp, "±%lld", (long long)tol);
				/* g is the learner's: g - want may not fit. */
				good = have && number(got, &g) == 1 &&
				       (c->op == OP_WITHIN ? !__builtin_sub_overflow(g, want, &d) &&
							     d != INT64_MIN && llabs(d) <= tol
							   : g == want);
			}
			if (why) {
				strbuf_addstr(&a->exp, "?");
				if (!eval_why)
					eval_why = why;
				else
					free(why);
			}
			ok &= good;
		}
		if (res && (!res->ok || res->number != i + 1)) {
			strbuf_addf(&a->obs, " (%s %d)", res->ok ? "numbered" : "not ok",
				    res->number);
			ok = 0;
		}
	}
	if (doc->nresults != n)
		strbuf_addf(&a->obs, " (%d results, not %d)", doc->nresults, n);
	if (eval_why) {
		strbuf_addf(&a->obs, " [the expected value could not be computed: %s]", eval_why);
		ok = 0;
		free(eval_why);
	}
	attempt_add_text(a, c->name, ok, c->hint ? c->hint : "");
}

/* The runs check c reads: its "in", else every run (-1: the program's one run). */
static int runs_of(const struct grading *g, const struct grading_check *c, int *out)
{
	int n = 0;

	if (c->nin) {
		for (int i = 0; i < c->nin; i++)
			out[n++] = c->in[i];
	} else if (g->nruns) {
		for (int r = 0; r < g->nruns; r++)
			out[n++] = r;
	} else {
		out[n++] = -1;
	}
	return n;
}

/* "RUN: " before what is said of a run, when there are runs. */
static void run_label(struct strbuf *sb, const struct grading *g, int r, int first)
{
	if (!first)
		strbuf_addstr(sb, "; ");
	if (r >= 0)
		strbuf_addf(sb, "%s: ", g->runs[r].name);
}

/* A log check on the kernel log, or an output check on each run's output. */
static void grade_pattern(struct attempt *a, const struct grading_check *c)
{
	const struct grading *g = grading_of(a);
	char *re = expand(a, c->require ? c->require : c->forbid);
	int runs[17], n = c->kind == GCHECK_LOG ? 1 : runs_of(g, c, runs), ok = 1;
	regex_t rx;
	int rc = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);

	if (rc) {
		/* Filled in, the pattern broke: never a pass, and the author is told. */
		char msg[128], *obs;

		regerror(rc, &rx, msg, sizeof(msg));
		obs = xasprintf("the pattern /%s/, filled in, is not an extended regular "
				"expression: %s", re, msg);
		attempt_add(a, c->name, 0, "a line checked against the course's pattern", obs,
			    "the course's pattern does not work with this attempt's inputs: tell "
			    "the course's author");
		free(obs);
		free(re);
		return;
	}
	strbuf_addf(&a->exp, "%s a line matching /%s/", c->require ? "has" : "has no", re);
	if (c->kind == GCHECK_OUTPUT && g->nruns) {
		strbuf_addstr(&a->exp, " in the output of");
		for (int i = 0; i < n; i++)
			strbuf_addf(&a->exp, "%s %s", i ? "," : "", g->runs[runs[i]].name);
	}
	for (int i = 0; i < n; i++) {
		struct vm_exec ex = { 0 };
		int ran = c->kind == GCHECK_LOG ? 1 : run_exec(a, runs[i], &ex);
		const char *text = c->kind == GCHECK_LOG ? strbuf_str(&a->learner.text)
							 : strbuf_str(&ex.out);
		char *line = matching_line(&rx, text);

		ok &= ran && (c->require ? line != NULL : line == NULL);
		run_label(&a->obs, g, c->kind == GCHECK_LOG ? -1 : runs[i], !i);
		if (!ran)
			strbuf_addstr(&a->obs, ex.timed_out ? "it did not finish in time"
							    : "it did not run");
		else if (line)
			strbuf_addstr(&a->obs, line);
		else
			strbuf_addf(&a->obs, "no line of the %s matches",
				    c->kind == GCHECK_LOG ? "module's kernel log" : "program's output");
		free(line);
		vm_exec_release(&ex);
	}
	attempt_add_text(a, c->name, ok, c->hint ? c->hint : "");
	regfree(&rx);
	free(re);
}

/* A value of the run's own (inputs, truth, readings) against its expectation or bounds. */
static void grade_value(struct attempt *a, const struct grading_check *c)
{
	struct scope sc = { a, -1 };
	const char *what[] = { "value", "expect", "within", "at_least", "at_most" };
	const char *text[] = { c->value, c->nexpect ? c->expect[0] : NULL, c->tolerance,
			       c->at_least, c->at_most };
	int64_t v[5] = { 0 };
	char *why = NULL;
	int ok = 1;
	long long d;

	for (int k = 0; k < 5 && !why; k++)
		if (text[k] && expr_eval(text[k], lookup, &sc, &v[k], &why) < 0) {
			char *w = xasprintf("%s: %s", what[k], why);

			free(why);
			why = w;
		}
	strbuf_addf(&a->exp, "%s", c->value);
	if (why) {
		strbuf_addstr(&a->obs, "the values could not be computed: ");
		strbuf_addstr(&a->obs, why);
		free(why);
		attempt_add_text(a, c->name, 0, c->hint ? c->hint : "");
		return;
	}
	if (text[1]) {
		strbuf_addf(&a->exp, " = %lld", (long long)v[1]);
		if (text[2])
			strbuf_addf(&a->exp, " ±%lld", (long long)v[2]);
		ok = text[2] ? !__builtin_sub_overflow(v[0], v[1], &d) && d != LLONG_MIN &&
				       llabs(d) <= v[2]
			     : v[0] == v[1];
	} else {
		if (text[3])
			strbuf_addf(&a->exp, " >= %lld", (long long)v[3]);
		if (text[4])
			strbuf_addf(&a->exp, "%s <= %lld", text[3] ? " and" : "", (long long)v[4]);
		ok = (!text[3] || v[0] >= v[3]) && (!text[4] || v[0] <= v[4]);
	}
	strbuf_addf(&a->obs, "%lld", (long long)v[0]);
	attempt_add_text(a, c->name, ok, c->hint ? c->hint : "");
}

static void grade_exit(struct attempt *a, const struct grading_check *c)
{
	const struct grading *g = grading_of(a);
	int runs[17], n = runs_of(g, c, runs), ok = 1;

	strbuf_addf(&a->exp, "exit status %d", c->status);
	for (int i = 0; i < n; i++) {
		struct vm_exec ex;
		int ran = run_exec(a, runs[i], &ex);

		ok &= ran && !ex.signal && !ex.timed_out && ex.status == c->status;
		run_label(&a->obs, g, runs[i], !i);
		if (ex.timed_out)
			strbuf_addstr(&a->obs, "it did not finish in time");
		else if (!ran)
			strbuf_addstr(&a->obs, "it did not run");
		else if (ex.signal)
			strbuf_addf(&a->obs, "killed by signal %d", ex.signal);
		else
			strbuf_addf(&a->obs, "exit status %d", ex.status);
		vm_exec_release(&ex);
	}
	attempt_add_text(a, c->name, ok, c->hint ? c->hint : "");
}

/* A program's nonce: the first "# ... nonce=" line of every run says this attempt's. */
static void grade_program_nonce(struct attempt *a, const struct grading_check *c)
{
	const struct grading *g = grading_of(a);
	int runs[17], n = runs_of(g, c, runs), ok = 1;

	strbuf_addf(&a->exp, "nonce=%s%s", a->nonce, g->nruns ? " in every run" : "");
	for (int i = 0; i < n; i++) {
		struct vm_exec ex;
		char v[128] = "";
		int ran = run_exec(a, runs[i], &ex), found = 0;

		for (const char *l = strbuf_str(&ex.out); *l && !found;) {
			size_t len = strcspn(l, "\n");
			char *line = xstrndup(l, len);

			found = line[0] == '#' && ktap_kv(line, "nonce", v, sizeof(v));
			free(line);
			l += len + (l[len] == '\n');
		}
		ok &= ran && found && !strcmp(v, a->nonce);
		run_label(&a->obs, g, runs[i], !i);
		if (found)
			strbuf_addf(&a->obs, "nonce=%s", v);
		else
			strbuf_addstr(&a->obs, ran ? "no '# ... nonce=' line" : "it did not run");
		vm_exec_release(&ex);
	}
	attempt_add_text(a, c->name, ok, c->hint ? c->hint
		: "print '# ... nonce=' and the nonce you were given first: it proves the output "
		  "came from this run");
}

/* The status kmemlab gave check name in this attempt, or NULL. */
static const char *status_of(const struct attempt *a, const char *name)
{
	for (int i = 0; i < a->nitems; i++)
		if (!strcmp(a->items[i].name, name))
			return a->items[i].status;
	return NULL;
}

/* Skip c when a check it needs did not pass: 1 if it was skipped. */
static int skipped(struct attempt *a, const struct grading_check *c)
{
	const char **names = grading_check_names(grading_of(a));
	int skip = 0;

	for (int i = 0; i < c->nneeds && !skip; i++) {
		const char *need = names[c->needs[i]], *st = status_of(a, need);

		if (!st || strcmp(st, "pass")) {
			char *why = xasprintf("not reached: check '%s' did not pass", need);

			attempt_skip(a, c->name, why);
			for (int k = 0; k < c->nresults; k++)
				attempt_skip(a, c->results[k], why);
			free(why);
			skip = 1;
		}
	}
	free(names);
	return skip;
}

/*
 * The "# expected: ", "# observed: " and "# hint: " lines a grading
 * script printed right after its result line number "which" (from 0), or
 * after every result line when which < 0 (joined with "; "), into the
 * attempt's texts; a hint only for one result.
 */
static void script_diag(struct attempt *a, const char *out, int which)
{
	static const char *const keys[] = { "# expected: ", "# observed: ", "# hint: " };
	struct strbuf *to[] = { &a->exp, &a->obs, &a->hint };
	int result = -1, after = 0;

	for (const char *p = out; *p;) {
		size_t n = strcspn(p, "\n");
		const char *s = p + strspn(p, " \t");
		size_t m = n - (size_t)(s - p);
		int matched = 0;

		if (!strncmp(s, "ok ", 3) || !strncmp(s, "not ok ", 7)) {
			result++;
			after = which < 0 || result == which;
		} else if (after) {
			for (int k = 0; k < (which < 0 ? 2 : 3); k++) {
				size_t kl = strlen(keys[k]);

				if (m < kl || strncmp(s, keys[k], kl))
					continue;
				if (to[k]->len)
					strbuf_addstr(to[k], "; ");
				strbuf_add(to[k], s + kl, m - kl);
				matched = 1;
			}
			after = matched;
		}
		p += n + (p[n] == '\n');
	}
}

/*
 * A script with "results": its result 1 grades check c, its result k+1
 * the k-th of c->results, each with the lines after it.
 */
static void grade_script_results(struct attempt *a, const struct grading_check *c,
				 const char *out, const char *end, const struct ktap_doc *doc)
{
	for (int k = 0; k <= c->nresults; k++) {
		const char *name = k ? c->results[k - 1] : c->name;

		if (strcmp(end, "ended")) {
			attempt_add(a, name, 0, "the grading script ends within 30 s",
				    *end ? end : "it did not run",
				    "the course's grading script did not finish: tell the course's "
				    "author");
		} else if (!doc->version || k >= doc->nresults) {
			char *exp = xasprintf("result %d of the grading script, for '%s'", k + 1, name);
			char *obs = xasprintf("the grading script gave %d results (it printed: %.200s)",
					      doc->version ? doc->nresults : 0, *out ? out : "nothing");

			attempt_add(a, name, 0, exp, obs,
				    "the course's grading script gave no result for this check: tell "
				    "the course's author");
			free(exp);
			free(obs);
		} else {
			int ok = doc->results[k].ok;

			script_diag(a, out, k);
			if (!a->exp.len)
				strbuf_addf(&a->exp, "'%s' ok", doc->results[k].name);
			if (!a->obs.len)
				strbuf_addf(&a->obs, "%s %d %s", ok ? "ok" : "not ok",
					    doc->results[k].number, doc->results[k].name);
			attempt_add_text(a, name, ok, a->hint.len ? NULL : c->hint ? c->hint : "");
		}
	}
}

/*
 * A script's KTAP: pass when it planned results and all are ok; else the
 * first one not ok, with its "# expected: " / "# observed: " / "# hint: ".
 */
static void grade_script(struct attempt *a, const struct grading_check *c)
{
	char *name = xasprintf("script.%s", c->name), *endn = xasprintf("script.%s.end", c->name);
	const char *out = attempt_reading(a, name), *end = attempt_reading(a, endn);
	struct ktap_doc doc;
	int bad = -1;

	ktap_parse(out, &doc);
	if (c->nresults) {
		grade_script_results(a, c, out, end, &doc);
		goto done;
	}
	for (int i = 0; i < doc.nresults && bad < 0; i++)
		if (!doc.results[i].ok)
			bad = i;
	if (strcmp(end, "ended")) {
		attempt_add(a, c->name, 0, "the grading script ends within 30 s",
			    *end ? end : "it did not run",
			    "the course's grading script did not finish: tell the course's author");
	} else if (!doc.version || !doc.nresults || doc.missing) {
		char *obs = xasprintf("no KTAP results from the grading script (it printed: "
				      "%.200s)", *out ? out : "nothing");

		attempt_add(a, c->name, 0, "KTAP results from the grading script", obs,
			    "the course's grading script printed no KTAP: tell the course's "
			    "author");
		free(obs);
	} else if (bad < 0) {
		/* What the script says it saw, else how many results it gave. */
		script_diag(a, out, -1);
		if (!a->exp.len || !a->obs.len) {
			strbuf_reset(&a->exp);
			strbuf_reset(&a->obs);
			strbuf_addf(&a->exp, "%d results ok", doc.nresults);
			strbuf_addf(&a->obs, "%d results ok", doc.nresults);
		}
		attempt_add_text(a, c->name, 1, c->hint ? c->hint : "");
	} else {
		script_diag(a, out, bad);
		if (!a->exp.len)
			strbuf_addf(&a->exp, "'%s' ok", doc.results[bad].name);
		if (!a->obs.len)
			strbuf_addf(&a->obs, "not ok %d %s", doc.results[bad].number,
				    doc.results[bad].name);
		attempt_add_text(a, c->name, 0, a->hint.len ? NULL : c->hint ? c->hint : "");
	}
done:
	ktap_doc_release(&doc);
	free(name);
	free(endn);
}

static void declared_grade(struct attempt *a)
{
	const struct grading *g = grading_of(a);
	char *plan_why = NULL;
	int n;

	learner_report(a);
	n = planned(a, &plan_why);
	for (int i = 0; i < g->nchecks; i++) {
		const struct grading_check *c = &g->checks[i];

		if (skipped(a, c))
			continue;
		/* The plan and the results need the number of results. */
		if (n < 0 && (c->kind == GCHECK_KTAP || c->kind == GCHECK_RESULTS)) {
			attempt_add(a, c->name, 0, "the declared number of results", plan_why,
				    "the course's grading could not say how many results to "
				    "expect: tell the course's author");
			continue;
		}
		switch (c->kind) {
		case GCHECK_KTAP: {
			char *exp = xasprintf("KTAP version 1, plan 1..%d", n);

			attempt_check_ktap_plan(a, c->name, n, 0, exp, c->hint ? c->hint
				: "print 'KTAP version 1' and then the plan '1..N' before the results");
			free(exp);
			break;
		}
		case GCHECK_NONCE:
			if (a->ex->kind == EXERCISE_PROGRAM)
				grade_program_nonce(a, c);
			else
				attempt_check_nonce(a, c->name);
			break;
		case GCHECK_RESULTS:
			grade_results(a, c, n);
			break;
		case GCHECK_LOG:
		case GCHECK_OUTPUT:
			grade_pattern(a, c);
			break;
		case GCHECK_EXIT:
			grade_exit(a, c);
			break;
		case GCHECK_VALUE:
			grade_value(a, c);
			break;
		case GCHECK_SCRIPT:
			grade_script(a, c);
			break;
		}
	}
	free(plan_why);
}

const struct checker checker_declared = {
	.name = "declared",
	.checks = NULL,		/* the exercise's own: grading_check_names() */
	.prepare = declared_prepare,
	.before = declared_before,
	.run = declared_run,
	.while_loaded = declared_while_loaded,
	.observe = declared_observe,
	.grade = declared_grade,
};
