/*
 * Exercise 11, oomkill: the learner's program starts two children that
 * allocate and touch memory until the OOM killer ends them: one inside a
 * memory cgroup it creates (memory.max = a random limit), one in the root
 * group with a random high oom_score_adj, while the grader's own memory
 * holder (modules/helpers/oomhog) owns most of the rest of the VM's
 * memory with a low adjustment.  Without the adjustment the holder, being
 * bigger, would be the victim of the global OOM; with it, the learner's
 * child must be.
 *
 * Ground truth, all from the same VM run: the kernel log from a mark
 * taken just before the program ("invoked oom-killer",
 * "oom-kill:constraint=..." and "Killed process N (name)"), the group's
 * memory.max and memory.events, whether the holder still lives, and a
 * command run afterwards (the VM and its agent survived).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ktap.h"
#include "modrun.h"

#define MAX_KILLS 8

struct oom_kill {
	char constraint[32];	/* CONSTRAINT_MEMCG, CONSTRAINT_NONE, ... */
	char memcg[96];		/* oom_memcg= */
	char task[32];
	int pid;
	int invoked;		/* an "invoked oom-killer" line came before */
	int killed;		/* a "Killed process PID" line followed */
};

struct oomkill_priv {
	char group[48];		/* the cgroup's name under /sys/fs/cgroup */
	long limit;		/* memory.max, bytes */
	int adj;		/* the learner's global child */
	int decoy_adj;
	/* From the readings avail, holder, klog and afterwards: */
	int decoy_mib, decoy_pid;
	long avail_kb;
	struct oom_kill kills[MAX_KILLS];
	int nkills;
	long max_seen, oom_kill_seen;	/* the group's files, read by the grader */
	int decoy_alive, alive;
};

static const char *const oomkill_checks[] = {
	"nonce", "memcg_kill", "memcg_events", "global_kill", "victim", "status", "alive", NULL
};

static void oomkill_prepare(struct attempt *a)
{
	struct oomkill_priv *p = xcalloc(1, sizeof(*p));

	snprintf(p->group, sizeof(p->group), "kmemlab-%.8s", a->nonce);
	p->limit = (long)attempt_random(a, 8, 32) << 20;
	p->adj = (int)attempt_random(a, 700, 1000);
	p->decoy_adj = (int)attempt_random(a, 0, 300);
	a->priv = p;
	a->params = xasprintf("%s %s %ld %d", a->nonce, p->group, p->limit, p->adj);
	a->inputs = xasprintf("cgroup=%s limit=%ld adj=%d holder_adj=%d nonce=%s", p->group,
			      p->limit, p->adj, p->decoy_adj, a->nonce);
}

/* key=value in an "oom-kill:" line, whose fields are separated by commas. */
static void field(const char *line, const char *key, char *out, size_t n)
{
	size_t k = strlen(key);

	*out = '\0';
	for (const char *s = line; (s = strstr(s, key)); s += k) {
		if ((s != line && s[-1] != ',' && s[-1] != ':') || s[k] != '=')
			continue;
		snprintf(out, n, "%.*s", (int)strcspn(s + k + 1, ",\n"), s + k + 1);
		return;
	}
}

/* Read the OOM kills, in order, from the kernel log text (bare lines). */
static void parse_log(struct oomkill_priv *p, const char *text)
{
	int invoked = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *s;
		char v[32];

		if ((s = strstr(l, "invoked oom-killer")) && s < strchrnul(l, '\n')) {
			invoked = 1;
		} else if (!strncmp(l, "oom-kill:", 9) && p->nkills < MAX_KILLS) {
			struct oom_kill *k = &p->kills[p->nkills++];
			char *line = xstrndup(l, strcspn(l, "\n"));

			field(line, "oom-kill:constraint", k->constraint, sizeof(k->constraint));
			field(line, "oom_memcg", k->memcg, sizeof(k->memcg));
			field(line, "task", k->task, sizeof(k->task));
			field(line, "pid", v, sizeof(v));
			k->pid = atoi(v);
			k->invoked = invoked;
			invoked = 0;
			free(line);
		} else if ((s = strstr(l, "Killed process ")) && s < strchrnul(l, '\n')) {
			int pid = atoi(s + 15);

			for (int i = p->nkills - 1; i >= 0; i--)
				if (p->kills[i].pid == pid)
					p->kills[i].killed = 1;
		}
	}
}

/* The holder's size from reading avail; 0 when MemAvailable was not read. */
static int decoy_size(struct attempt *a)
{
	struct oomkill_priv *p = a->priv;
	char v[32];

	if (!ktap_kv(attempt_reading(a, "avail"), "avail", v, sizeof(v)))
		return 0;
	p->avail_kb = atol(v);
	/*
	 * 60% of what is available: bigger than what the learner's child can
	 * reach before the OOM, so only the adjustment makes the child the
	 * victim (badness = rss + adj * totalpages / 1000).
	 */
	p->decoy_mib = (int)(p->avail_kb * 6 / 10 / 1024);
	return 1;
}

/* The holder's pid from reading holder; 0 unless it started and got ready. */
static int decoy_started(struct attempt *a)
{
	struct oomkill_priv *p = a->priv;
	const char *out = attempt_reading(a, "holder");
	char v[32];

	if (!ktap_kv(out, "holder", v, sizeof(v)) || atoi(v) <= 0 || !strstr(out, "ready"))
		return 0;
	p->decoy_pid = atoi(v);
	return 1;
}

/* Start the holder with most of the free memory, and wait until it is resident. */
static int start_decoy(struct attempt *a, struct vm *vm)
{
	struct oomkill_priv *p = a->priv;
	char *sh = NULL;
	int r = -1;

	if (attempt_read(a, vm, "avail",
			 "sed -n 's/^MemAvailable:[^0-9]*\\([0-9]*\\).*/avail=\\1/p' /proc/meminfo",
			 10000, 4096, READ_ANY_STATUS, NULL) != VM_OK || !decoy_size(a)) {
		error("cannot read MemAvailable in the lab VM");
		goto out;
	}
	if (attempt_put_helper(vm, "oomhog") < 0)
		goto out;
	sh = xasprintf("/lab/oomhog %d %d >/tmp/holder 2>&1 </dev/null & echo holder=$!; "
		       "i=0; while [ $i -lt 600 ] && ! grep -q ready /tmp/holder; do "
		       "sleep 0.1; i=$((i + 1)); done; cat /tmp/holder",
		       p->decoy_mib, p->decoy_adj);
	if (attempt_read(a, vm, "holder", sh, 90000, 4096, READ_ANY_STATUS, NULL) != VM_OK ||
	    !decoy_started(a)) {
		error("the grader's memory holder did not start: %s", attempt_reading(a, "holder"));
		goto out;
	}
	strbuf_addf(&a->transcript, "\n== memory holder: %d MiB, oom_score_adj %d (MemAvailable "
		    "%ld kB)\n%s", p->decoy_mib, p->decoy_adj, p->avail_kb,
		    attempt_reading(a, "holder"));
	r = 0;
out:
	free(sh);
	return r;
}

static int oomkill_run(struct attempt *a, struct vm *vm)
{
	struct oomkill_priv *p = a->priv;
	char limit[32], adj[16];
	const char *args[5] = { a->nonce, p->group, limit, adj, NULL };
	struct vm_klog kl = { 0 };
	struct strbuf log = STRBUF_INIT;
	uint64_t mark;
	char *sh;
	int r;

	if (start_decoy(a, vm) < 0)
		return -1;
	r = vm_klog(vm, 0, 0, &kl);
	mark = kl.next_seq;
	vm_klog_release(&kl);
	if (r != VM_OK)
		return error("cannot read the lab VM's kernel log");
	snprintf(limit, sizeof(limit), "%ld", p->limit);
	snprintf(adj, sizeof(adj), "%d", p->adj);
	if (attempt_exec_program(a, vm, args, 90000) < 0)
		return -1;
	if (vm->dead)
		return 0;
	if (vm_klog(vm, mark, 256 << 10, &kl) == VM_OK) {
		kmsg_format(strbuf_str(&kl.text), &log, attempt_keep(a, "klog"));
		strbuf_addf(&a->transcript, "\n== kernel log while your program ran\n%s",
			    strbuf_str(&log));
	}
	vm_klog_release(&kl);
	strbuf_release(&log);
	/* The group's files, the holder, and proof that the VM still answers. */
	sh = xasprintf("g=/sys/fs/cgroup/%s; echo max=$(cat $g/memory.max 2>/dev/null); "
		       "echo oom_kill=$(sed -n 's/^oom_kill //p' $g/memory.events 2>/dev/null); "
		       "kill -0 %d 2>/dev/null && echo holder_alive=1; "
		       "kill %d 2>/dev/null; rmdir $g 2>/dev/null; echo alive=$(echo 1)",
		       p->group, p->decoy_pid, p->decoy_pid);
	r = attempt_read(a, vm, "afterwards", sh, 20000, 4096, READ_ANY_STATUS, NULL);
	free(sh);
	if (r == VM_OK)
		strbuf_addf(&a->transcript, "\n== afterwards\n%s", attempt_reading(a, "afterwards"));
	return r == VM_ERROR ? -1 : 0;
}

/* The ground truth of the readings, into p. */
static void read_readings(struct attempt *a)
{
	struct oomkill_priv *p = a->priv;
	const char *out = attempt_reading(a, "afterwards");
	char v[32];

	decoy_size(a);
	decoy_started(a);
	parse_log(p, attempt_reading(a, "klog"));
	if (attempt_has_reading(a, "afterwards")) {
		p->max_seen = ktap_kv(out, "max", v, sizeof(v)) && *v ? atol(v) : -1;
		p->oom_kill_seen = ktap_kv(out, "oom_kill", v, sizeof(v)) && *v ? atol(v) : -1;
		p->decoy_alive = ktap_kv(out, "holder_alive", v, sizeof(v)) && atoi(v) == 1;
		p->alive = ktap_kv(out, "alive", v, sizeof(v)) && atoi(v) == 1;
	}
}

/* A number of the learner's line, or -1 when absent (or no number). */
static long kv_long(const char *line, const char *key)
{
	long long v;

	return ktap_kv_long(line, key, &v) == 1 ? (long)v : -1;
}

/* The first kill with this constraint, or NULL. */
static const struct oom_kill *first_kill(const struct oomkill_priv *p, const char *constraint)
{
	for (int i = 0; i < p->nkills; i++)
		if (!strcmp(p->kills[i].constraint, constraint))
			return &p->kills[i];
	return NULL;
}

static void describe(struct strbuf *sb, const struct oom_kill *k)
{
	if (!k)
		strbuf_addstr(sb, "no such oom-kill line in the kernel log");
	else
		strbuf_addf(sb, "%soom-kill:constraint=%s%s%s task=%s pid=%d%s",
			    k->invoked ? "invoked oom-killer, " : "", k->constraint,
			    *k->memcg ? " oom_memcg=" : "", k->memcg, k->task, k->pid,
			    k->killed ? ", Killed process" : "");
}

static void grade_kills(struct attempt *a)
{
	struct oomkill_priv *p = a->priv;
	const char *out = strbuf_str(&a->prog.out);
	char *memcg = ktap_line_of(out, "memcg");
	char *global = ktap_line_of(out, "global");
	long mpid = kv_long(memcg, "pid"), gpid = kv_long(global, "pid");
	const struct oom_kill *mk = first_kill(p, "CONSTRAINT_MEMCG");
	const struct oom_kill *gk = first_kill(p, "CONSTRAINT_NONE");
	char *want_memcg = xasprintf("/%s", p->group);
	int ok, mkills = 0, gmemcg = 0;

	for (int i = 0; i < p->nkills; i++) {
		if (!strcmp(p->kills[i].constraint, "CONSTRAINT_MEMCG") && p->kills[i].pid == mpid)
			mkills++;
		if (!strcmp(p->kills[i].constraint, "CONSTRAINT_MEMCG") && p->kills[i].pid == gpid)
			gmemcg = 1;
	}

	attempt_check_program_nonce(a, "oomkill_ex", "output", "oomkill_ex nonce=%s", a->nonce);

	/* memcg_kill: the kernel killed the learner's child for its group */
	ok = mk && mk->invoked && mk->killed && mpid > 0 && mk->pid == mpid &&
	     !strcmp(mk->memcg, want_memcg);
	strbuf_addf(&a->exp, "invoked oom-killer, oom-kill:constraint=CONSTRAINT_MEMCG "
			     "oom_memcg=%s task=oomkill_ex pid=%ld, Killed process (the pid your "
			     "'memcg' line reports)", want_memcg, mpid);
	describe(&a->obs, mk);
	strbuf_addf(&a->obs, "; your line: %s", memcg ? memcg : "no 'memcg' line");
	attempt_add_text(a, "memcg_kill", ok,
			 !mk ? "no memory cgroup OOM happened: enable the controller with "
			       "'+memory' in /sys/fs/cgroup/cgroup.subtree_control, write the "
			       "limit to the group's memory.max, and move the child (its pid into "
			       "cgroup.procs) before it grows"
			     : mk->pid != mpid ? "the kernel killed another process than the "
						 "child you report: print the pid fork() returned"
					       : "the group the kernel named is not the one given "
						 "in argv[2]");

	/*
	 * memcg_events: the limit was set, and the group counted the kill of
	 * the first child (the kernel log's count; memory.events, read by the
	 * grader later, may have counted more since).
	 */
	ok = p->max_seen == p->limit && p->oom_kill_seen >= 1 && mkills >= 1 &&
	     kv_long(memcg, "oom_kill") == mkills;
	strbuf_addf(&a->exp, "memory.max %ld; oom_kill=%d in your line (memory.events says %ld "
			     "now)", p->limit, mkills ? mkills : 1, p->oom_kill_seen);
	strbuf_addf(&a->obs, "memory.max %ld; your line says oom_kill=%ld", p->max_seen,
		    kv_long(memcg, "oom_kill"));
	attempt_add_text(a, "memcg_events", ok,
			 p->max_seen != p->limit ? "write the limit from argv[3] (bytes) to "
						   "/sys/fs/cgroup/GROUP/memory.max"
						 : "read the 'oom_kill N' line of the group's "
						   "memory.events after the child died");

	/* global_kill: the first machine-wide OOM killed the learner's child */
	ok = gk && gk->invoked && gk->killed && gpid > 0 && gk->pid == gpid;
	strbuf_addf(&a->exp, "invoked oom-killer, oom-kill:constraint=CONSTRAINT_NONE "
			     "task=oomkill_ex pid=%ld, Killed process (the pid your 'global' line "
			     "reports)", gpid);
	describe(&a->obs, gk);
	strbuf_addf(&a->obs, "; your line: %s", global ? global : "no 'global' line");
	attempt_add_text(a, "global_kill", ok,
			 gk && gk->pid == p->decoy_pid
				 ? "the kernel chose the grader's bigger holder: set the child's "
				   "/proc/self/oom_score_adj to argv[4] before it grows"
			 : gmemcg
				 ? "your global child was still in the memory cgroup: move only "
				   "the first child into the group, not the parent"
				 : "the second child must grow in the root group until the whole "
				   "VM is out of memory; report the pid fork() returned");

	/* victim: the holder survived, only the learner's children were killed */
	ok = p->decoy_alive;
	for (int i = 0; i < p->nkills; i++)
		if (p->kills[i].pid == p->decoy_pid)
			ok = 0;
	strbuf_addf(&a->exp, "the grader's holder (pid %d, %d MiB, oom_score_adj %d) survives",
		    p->decoy_pid, p->decoy_mib, p->decoy_adj);
	strbuf_addf(&a->obs, "holder %s", p->decoy_alive ? "alive" : "killed");
	attempt_add_text(a, "victim", ok,
			 "badness is rss + oom_score_adj * totalpages / 1000: with adj "
			 "from argv[4] your child outranks the bigger holder");

	/* status: 137 = 128 + SIGKILL for both children */
	ok = kv_long(memcg, "status") == 137 && kv_long(global, "status") == 137;
	strbuf_addstr(&a->exp, "status=137 for both (128 + SIGKILL 9, as a shell shows)");
	strbuf_addf(&a->obs, "memcg status=%ld, global status=%ld", kv_long(memcg, "status"),
		    kv_long(global, "status"));
	attempt_add_text(a, "status", ok,
			 "the OOM killer sends SIGKILL: WIFSIGNALED(st) is true and "
			 "WEXITSTATUS(st) means nothing; report 128 + WTERMSIG(st)");

	/* alive: the VM and its agent survived the kills */
	attempt_add(a, "alive", p->alive, "a shell command runs in the lab VM afterwards",
		    p->alive ? "it ran" : "the lab VM did not answer",
		    "the agent is protected (oom_score_adj -1000); if the VM died, something "
		    "else was killed: look at the kernel log in the transcript");

	free(memcg);
	free(global);
	free(want_memcg);
}

static void oomkill_grade(struct attempt *a)
{
	read_readings(a);
	grade_kills(a);
}

const struct checker checker_oomkill = {
	.name = "oomkill",
	.checks = oomkill_checks,
	.prepare = oomkill_prepare,
	.run = oomkill_run,
	.grade = oomkill_grade,
};
