/*
 * Exercise 10, oomscore: the learner's program lists every process with
 * oom_score and oom_score_adj, predicts oom_score from RSS, page tables,
 * swap and the adjustment, and writes adjustments to one given process
 * (one valid, one out of range, in random order).
 *
 * Before the program runs, the grader starts a few of its own memory
 * holders (modules/helpers/oomhog) with random sizes and random
 * adjustments, one of them at -1000.  Ground truth is read in the same
 * VM run with the shell: /proc/PID/oom_score, oom_score_adj and the Vm*
 * lines of /proc/PID/status before and after the program, and the
 * kernel's answer when the grader itself writes the out-of-range value.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ktap.h"

#define NHOGS 4

struct proc_truth {
	int seen;
	long score, adj, rss_kb, pte_kb, swap_kb;
};

struct hog {
	int mib, adj, pid;
	struct proc_truth before, after;
};

struct oomscore_priv {
	struct hog hogs[NHOGS];
	int target;		/* index of the hog whose adjustment is set */
	int valid, invalid;	/* the two adjustments, in argument order below */
	int valid_first;
	/* From the readings holders, before, after and einval: */
	struct proc_truth init_before, kthreadd_before;
	long total_kb, swap_kb;
	int einval_rc;		/* the grader's own write of the invalid value */
	char einval_msg[160];
};

static const char *const oomscore_checks[] = {
	"nonce", "list", "score", "adj", "predict", "unkillable", "set", "einval", "after", NULL
};

/* A random adjustment far enough from 0 that leaving it out shows. */
static int random_adj(struct attempt *a)
{
	int v = (int)attempt_random(a, 50, 1000);

	return attempt_random(a, 0, 1) ? v : -(int)attempt_random(a, 50, 800);
}

static void oomscore_prepare(struct attempt *a)
{
	struct oomscore_priv *p = xcalloc(1, sizeof(*p));
	struct strbuf sb = STRBUF_INIT;
	int never = (int)attempt_random(a, 0, NHOGS - 1);

	for (int i = 0; i < NHOGS; i++) {
		p->hogs[i].mib = (int)attempt_random(a, 2, 24);
		p->hogs[i].adj = random_adj(a);
	}
	/*
	 * One holder is big and at -1000: the formula alone would give it a
	 * clearly non-zero score, but the kernel reports 0.
	 */
	p->hogs[never].adj = -1000;
	p->hogs[never].mib = (int)attempt_random(a, 16, 32);
	do
		p->target = (int)attempt_random(a, 0, NHOGS - 1);
	while (p->target == never);
	do
		p->valid = random_adj(a);
	while (p->valid == p->hogs[p->target].adj);
	switch (attempt_random(a, 0, 3)) {
	case 0:
		p->invalid = 1001;
		break;
	case 1:
		p->invalid = (int)attempt_random(a, 1002, 5000);
		break;
	case 2:
		p->invalid = -1001;
		break;
	default:
		p->invalid = -(int)attempt_random(a, 1002, 5000);
		break;
	}
	p->valid_first = (int)attempt_random(a, 0, 1);
	for (int i = 0; i < NHOGS; i++)
		strbuf_addf(&sb, "%s%dMiB@%d", i ? "," : "", p->hogs[i].mib, p->hogs[i].adj);
	a->priv = p;
	a->inputs = xasprintf("holders=%s target=holder%d adjustments=%d,%d nonce=%s", sb.buf,
			      p->target + 1, p->valid_first ? p->valid : p->invalid,
			      p->valid_first ? p->invalid : p->valid, a->nonce);
	strbuf_release(&sb);
}

/* Parse "pid=P score=S adj=A rss=R pte=E swap=W" lines into t. */
static void parse_truth(const char *out, int pid, struct proc_truth *t)
{
	for (const char *l = out; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		char v[32];
		const char *end = strchr(l, '\n');
		char *line = end ? xstrndup(l, (size_t)(end - l)) : xstrdup(l);

		if (ktap_kv(line, "pid", v, sizeof(v)) && atoi(v) == pid &&
		    ktap_kv(line, "score", v, sizeof(v)) && *v) {
			t->seen = 1;
			t->score = atol(v);
			t->adj = ktap_kv(line, "adj", v, sizeof(v)) ? atol(v) : 0;
			t->rss_kb = ktap_kv(line, "rss", v, sizeof(v)) ? atol(v) : 0;
			t->pte_kb = ktap_kv(line, "pte", v, sizeof(v)) ? atol(v) : 0;
			t->swap_kb = ktap_kv(line, "swap", v, sizeof(v)) ? atol(v) : 0;
		}
		free(line);
	}
}

/* What the grader's reading before or after the program says. */
static void truth_of(struct oomscore_priv *p, const char *out, int before)
{
	char v[32];

	if (ktap_kv(out, "total", v, sizeof(v)))
		p->total_kb = atol(v);
	if (ktap_kv(out, "swap", v, sizeof(v)))
		p->swap_kb = atol(v);
	for (int i = 0; i < NHOGS; i++)
		parse_truth(out, p->hogs[i].pid, before ? &p->hogs[i].before : &p->hogs[i].after);
	if (before) {
		parse_truth(out, 1, &p->init_before);
		parse_truth(out, 2, &p->kthreadd_before);
	}
}

/* The holders' pids from what starting them printed: 0, or the first that did not start. */
static int holder_pids(struct oomscore_priv *p, const char *out)
{
	for (int i = 0; i < NHOGS; i++) {
		char key[16], v[32];

		snprintf(key, sizeof(key), "hog%d", i);
		if (!ktap_kv(out, key, v, sizeof(v)) || atoi(v) <= 0)
			return i + 1;
		p->hogs[i].pid = atoi(v);
	}
	return 0;
}

/* Read oom_score, oom_score_adj and Vm* of pids 1, 2 and the holders. */
static int read_truth(struct attempt *a, struct vm *vm, int before)
{
	struct oomscore_priv *p = a->priv;
	const char *name = before ? "before" : "after";
	struct strbuf sh = STRBUF_INIT;
	int r;

	/* The helper reads them all in one process ("oomhog read", oomhog.c). */
	strbuf_addstr(&sh, "/lab/oomhog read 1 2");
	for (int i = 0; i < NHOGS; i++)
		strbuf_addf(&sh, " %d", p->hogs[i].pid);
	r = attempt_read(a, vm, name, sh.buf, 10000, 64 << 10, READ_ANY_STATUS, NULL);
	strbuf_release(&sh);
	if (r == VM_OK)
		strbuf_addf(&a->transcript, "\n== ground truth %s your program\n%s", name,
			    attempt_reading(a, name));
	return r == VM_ERROR ? -1 : 0;
}

/* Start the holders and wait until each has touched all its memory. */
static int start_hogs(struct attempt *a, struct vm *vm)
{
	struct oomscore_priv *p = a->priv;
	struct strbuf sh = STRBUF_INIT;
	const char *out;
	int r = -1, bad;

	if (attempt_put_helper(vm, "oomhog") < 0)
		goto out;
	for (int i = 0; i < NHOGS; i++)
		strbuf_addf(&sh, "/lab/oomhog %d %d >/tmp/hog%d 2>&1 </dev/null & echo hog%d=$!; ",
			    p->hogs[i].mib, p->hogs[i].adj, i, i);
	/* Shell builtins only, polled every 20 ms, for up to 60 s. */
	strbuf_addstr(&sh, "i=0; while [ $i -lt 3000 ]; do n=0; for f in");
	for (int i = 0; i < NHOGS; i++)
		strbuf_addf(&sh, " /tmp/hog%d", i);
	strbuf_addf(&sh, "; do read l < $f && [ \"$l\" = ready ] && n=$((n + 1)); done; "
			 "[ $n -eq %d ] && break; sleep 0.02; i=$((i + 1)); done; echo ready=$n",
		    NHOGS);
	if (attempt_read(a, vm, "holders", sh.buf, 90000, 64 << 10, READ_ANY_STATUS, NULL) !=
	    VM_OK) {
		error("the grader's memory holders did not start in the lab VM");
		goto out;
	}
	out = attempt_reading(a, "holders");
	strbuf_addf(&a->transcript, "\n== memory holders\n%s", out);
	bad = holder_pids(p, out);
	if (bad) {
		error("the grader's memory holder %d did not start", bad);
		goto out;
	}
	{
		char v[32];

		if (!ktap_kv(out, "ready", v, sizeof(v)) || atoi(v) != NHOGS) {
			error("the grader's memory holders did not get ready in time: %s", out);
			goto out;
		}
	}
	r = 0;
out:
	strbuf_release(&sh);
	return r;
}

static int oomscore_run(struct attempt *a, struct vm *vm)
{
	struct oomscore_priv *p = a->priv;
	struct hog *t = &p->hogs[p->target];
	char pid[16], first[16], second[16];
	const char *args[5] = { a->nonce, pid, first, second, NULL };
	char *sh;
	int r;

	if (start_hogs(a, vm) < 0)
		return -1;
	if (read_truth(a, vm, 1) < 0)
		return -1;
	snprintf(pid, sizeof(pid), "%d", t->pid);
	snprintf(first, sizeof(first), "%d", p->valid_first ? p->valid : p->invalid);
	snprintf(second, sizeof(second), "%d", p->valid_first ? p->invalid : p->valid);
	free(a->params);
	a->params = xasprintf("%s %s %s %s", a->nonce, pid, first, second);
	if (attempt_exec_program(a, vm, args, 30000) < 0)
		return -1;
	if (read_truth(a, vm, 0) < 0)
		return -1;
	/*
	 * What the kernel says to an out-of-range value, asked by the grader
	 * itself on a holder that is not the target.
	 */
	sh = xasprintf("(echo %d > /proc/%d/oom_score_adj) 2>&1; echo rc=$?", p->invalid,
		       p->hogs[(p->target + 1) % NHOGS].pid);
	r = attempt_read(a, vm, "einval", sh, 10000, 4096, READ_ANY_STATUS, NULL);
	free(sh);
	if (r == VM_OK)
		strbuf_addf(&a->transcript, "\n== echo %d > oom_score_adj in the lab VM\n%s",
			    p->invalid, attempt_reading(a, "einval"));
	return r == VM_ERROR ? -1 : 0;
}

/* The ground truth of the readings, into p. */
static void read_readings(struct attempt *a)
{
	struct oomscore_priv *p = a->priv;
	const char *out = attempt_reading(a, "einval");
	const char *rc = strstr(out, "rc=");
	size_t n = rc ? (size_t)(rc - out) : strlen(out);

	holder_pids(p, attempt_reading(a, "holders"));
	if (attempt_has_reading(a, "before"))
		truth_of(p, attempt_reading(a, "before"), 1);
	if (attempt_has_reading(a, "after"))
		truth_of(p, attempt_reading(a, "after"), 0);
	/* What the kernel said to the grader's own write of the invalid value. */
	if (attempt_has_reading(a, "einval")) {
		p->einval_rc = rc ? atoi(rc + 3) : -1;
		snprintf(p->einval_msg, sizeof(p->einval_msg), "%.*s", (int)n, out);
		rtrim(p->einval_msg);
	}
}

/* The learner's line "WHAT pid=PID ..." (the first), or NULL; allocated. */
static char *find_line(const char *out, const char *what, int pid)
{
	size_t n = strlen(what);

	for (const char *l = out; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *end = strchr(l, '\n');
		char *line = end ? xstrndup(l, (size_t)(end - l)) : xstrdup(l);
		char v[32];

		if (!strncmp(line, what, n) && line[n] == ' ' &&
		    (pid < 0 || (ktap_kv(line, "pid", v, sizeof(v)) && atoi(v) == pid)))
			return line;
		free(line);
	}
	return NULL;
}

/* The learner's "set pid=PID adj=ADJ errno=..." line (the first), or NULL; allocated. */
static char *set_line(const char *out, int pid, int adj)
{
	char *want = xasprintf("adj=%d errno=", adj), *line = NULL;

	for (const char *l = out; (l = strstr(l, "set pid=")); l++) {
		char *cand = find_line(l, "set", pid);

		if (cand && strstr(cand, want)) {
			line = cand;
			break;
		}
		free(cand);
	}
	free(want);
	return line;
}

/* The kernel's formula on the grader's own readings, for hints. */
static long formula(const struct oomscore_priv *p, const struct proc_truth *t, int with_adj)
{
	long total = p->total_kb / 4 + p->swap_kb / 4;
	long badness;

	if (total <= 0)
		return -1;
	badness = t->rss_kb / 4 + t->pte_kb / 4 + t->swap_kb / 4 +
		  (with_adj ? t->adj * (total / 1000) : 0);
	return (1000 + badness * 1000 / total) * 2 / 3;
}

static void explain(struct strbuf *sb, const struct oomscore_priv *p, int pid,
		    const struct proc_truth *t)
{
	long total = p->total_kb / 4 + p->swap_kb / 4;

	strbuf_addf(sb, "pid %d: rss %ld + pte %ld + swap %ld pages + adj %ld * (%ld / 1000) "
			"= %ld; (1000 + %ld * 1000 / %ld) * 2 / 3 = %ld",
		    pid, t->rss_kb / 4, t->pte_kb / 4, t->swap_kb / 4, t->adj, total,
		    t->rss_kb / 4 + t->pte_kb / 4 + t->swap_kb / 4 + t->adj * (total / 1000),
		    t->rss_kb / 4 + t->pte_kb / 4 + t->swap_kb / 4 + t->adj * (total / 1000),
		    total, formula(p, t, 1));
}

/*
 * Compare field key of each holder's "proc" line with the truth before the
 * program (want_score: oom_score, else oom_score_adj, or the prediction
 * with predicted).  Skips the -1000 holder when skip_never.
 */
static int compare_hogs(struct attempt *a, const char *key, int skip_never,
			struct strbuf *exp, struct strbuf *obs, int *no_adj, int *first_bad)
{
	struct oomscore_priv *p = a->priv;
	const char *out = strbuf_str(&a->prog.out);
	int ok = 1;

	*no_adj = 1;
	*first_bad = -1;
	for (int i = 0; i < NHOGS; i++) {
		const struct proc_truth *t = &p->hogs[i].before;
		char *line = find_line(out, "proc", p->hogs[i].pid);
		long want = !strcmp(key, "adj") ? t->adj : t->score;
		long long got;
		int have = ktap_kv_long(line, key, &got) == 1;

		if (skip_never && p->hogs[i].adj == -1000) {
			free(line);
			continue;
		}
		strbuf_addf(exp, "%s%d:%ld", exp->len ? " " : "", p->hogs[i].pid, want);
		if (have)
			strbuf_addf(obs, "%s%d:%lld", obs->len ? " " : "", p->hogs[i].pid, got);
		else
			strbuf_addf(obs, "%s%d:?", obs->len ? " " : "", p->hogs[i].pid);
		if (!have || got != want) {
			ok = 0;
			if (*first_bad < 0)
				*first_bad = i;
		}
		if (!have || got != formula(p, t, 0))
			*no_adj = 0;
		free(line);
	}
	return ok;
}

static void oomscore_grade(struct attempt *a)
{
	struct oomscore_priv *p = a->priv;
	const char *out = strbuf_str(&a->prog.out);
	struct hog *t = &p->hogs[p->target];
	int ok, no_adj, bad;
	char *line;
	long long got;

	read_readings(a);
	attempt_check_program_nonce(a, "oomscore_ex", "output", "oomscore_ex nonce=%s ...",
				    a->nonce);

	/* list */
	ok = 1;
	strbuf_addstr(&a->exp, "a 'proc' line for pids 1 2");
	for (int i = 0; i < NHOGS; i++)
		strbuf_addf(&a->exp, " %d", p->hogs[i].pid);
	for (int i = -2; i < NHOGS; i++) {
		int pid = i == -2 ? 1 : i == -1 ? 2 : p->hogs[i].pid;

		line = find_line(out, "proc", pid);
		if (!line) {
			strbuf_addf(&a->obs, "%s%d", a->obs.len ? " " : "missing: ", pid);
			ok = 0;
		}
		free(line);
	}
	if (ok)
		strbuf_addstr(&a->obs, "all listed");
	attempt_add_text(a, "list", ok,
			 "read every numeric directory of /proc (readdir), kernel threads and "
			 "init included; the grader's memory holders are ordinary processes");

	/* score */
	ok = compare_hogs(a, "score", 0, &a->exp, &a->obs, &no_adj, &bad);
	attempt_add_text(a, "score", ok,
			 "print what /proc/PID/oom_score says, as a number (pid:score above)");

	/* adj */
	ok = compare_hogs(a, "adj", 0, &a->exp, &a->obs, &no_adj, &bad);
	attempt_add_text(a, "adj", ok,
			 "print what /proc/PID/oom_score_adj says; it may be negative");

	/* predict */
	ok = compare_hogs(a, "predicted", 1, &a->exp, &a->obs, &no_adj, &bad);
	if (!ok && no_adj)
		strbuf_addf(&a->hint, "your predictions are the score without the adjustment: "
				   "oom_badness() adds adj * (totalpages / 1000) pages before "
				   "scaling; ");
	else if (!ok)
		strbuf_addstr(&a->hint, "badness = rss + pte + swap pages + adj * (totalpages / 1000); "
				     "oom_score = (1000 + badness * 1000 / totalpages) * 2 / 3, "
				     "integer arithmetic; ");
	if (!ok && bad >= 0)
		explain(&a->hint, p, p->hogs[bad].pid, &p->hogs[bad].before);
	attempt_add_text(a, "predict", ok, NULL);

	/* unkillable: pid 1, a kernel thread, and the -1000 holder */
	ok = 1;
	for (int i = -2; i < NHOGS; i++) {
		int pid = i == -2 ? 1 : i == -1 ? 2 : p->hogs[i].pid;
		const struct proc_truth *tr = i == -2 ? &p->init_before
					      : i == -1 ? &p->kthreadd_before : &p->hogs[i].before;
		int have;

		if (i >= 0 && p->hogs[i].adj != -1000)
			continue;
		line = find_line(out, "proc", pid);
		have = ktap_kv_long(line, "predicted", &got) == 1;
		strbuf_addf(&a->exp, "%s%d:%ld", a->exp.len ? " " : "", pid, tr->score);
		if (have)
			strbuf_addf(&a->obs, "%s%d:%lld", a->obs.len ? " " : "", pid, got);
		else
			strbuf_addf(&a->obs, "%s%d:?", a->obs.len ? " " : "", pid);
		if (!tr->seen || !have || got != tr->score)
			ok = 0;
		free(line);
	}
	attempt_add_text(a, "unkillable", ok,
			 "oom_badness() returns LONG_MIN, shown as 0, for init (pid 1), kernel "
			 "threads (no VmRSS line: no memory of their own) and oom_score_adj -1000; "
			 "do not apply the formula to them");

	/* set: the valid adjustment was accepted and is in place */
	{
		long long e = -1;

		line = set_line(out, t->pid, p->valid);
		ok = line && ktap_kv_long(line, "errno", &e) == 1 && e == 0 && t->after.seen &&
		     t->after.adj == p->valid;
		strbuf_addf(&a->exp, "set pid=%d adj=%d errno=0, and oom_score_adj %d afterwards",
			    t->pid, p->valid, p->valid);
		strbuf_addf(&a->obs, "%s, and oom_score_adj %ld afterwards",
			    line ? line : "no such 'set' line", t->after.adj);
		attempt_add_text(a, "set", ok,
				 "open /proc/PID/oom_score_adj for writing, write the number as text, "
				 "and close it; report errno=0 when that worked");
		free(line);
	}

	/* einval: the out-of-range value was refused, and the program said so */
	{
		long long e = -1;
		/* The grader's own write, in the same VM, is the truth. */
		int refused = p->einval_rc != 0 && strstr(p->einval_msg, strerror(EINVAL));

		line = set_line(out, t->pid, p->invalid);
		ok = refused && line && ktap_kv_long(line, "errno", &e) == 1 && e == EINVAL;
		strbuf_addf(&a->exp, "set pid=%d adj=%d errno=%d (EINVAL; in the lab VM, echo %d > "
				  "oom_score_adj said '%s')",
			    t->pid, p->invalid, EINVAL, p->invalid, p->einval_msg);
		strbuf_addstr(&a->obs, line ? line : "no such 'set' line");
		attempt_add_text(a, "einval", ok,
				 e == 0 ? "the kernel refused the value but your program reported "
				     "success: stdio sends the text only when it flushes, so the "
				     "error comes from fclose() (or fflush()), not fprintf()"
				   : "values outside -1000..1000 are refused with EINVAL: report the "
				     "errno of the failed write (or of fclose) as a number");
		free(line);
	}

	/* after: the target's line once both adjustments were tried */
	line = find_line(out, "after", t->pid);
	{
		long long a_adj = 0, a_score = 0, a_pred = 0;
		int have = ktap_kv_long(line, "adj", &a_adj) == 1 &&
			   ktap_kv_long(line, "score", &a_score) == 1 &&
			   ktap_kv_long(line, "predicted", &a_pred) == 1;

		ok = have && t->after.seen && a_adj == t->after.adj && a_score == t->after.score &&
		     a_pred == t->after.score;
		strbuf_addf(&a->exp, "after pid=%d adj=%ld score=%ld predicted=%ld", t->pid,
			    t->after.adj, t->after.score, t->after.score);
		strbuf_addstr(&a->hint, "read the target again after setting the adjustment "
				     "and predict with its new oom_score_adj; ");
		explain(&a->hint, p, t->pid, &t->after);
		strbuf_addstr(&a->obs, line ? line : "no 'after' line");
		attempt_add_text(a, "after", ok, NULL);
	}
	free(line);

}

const struct checker checker_oomscore = {
	.name = "oomscore",
	.checks = oomscore_checks,
	.prepare = oomscore_prepare,
	.run = oomscore_run,
	.grade = oomscore_grade,
};
