/*
 * Exercise 6, stacks: the learner's module reports current->stack and
 * is_vmalloc_addr() of it, starts nthreads kernel threads and reports
 * each one's stack (task_stack_page()).
 *
 * Ground truth, all from the same VM run: the probe (mode=stacks) reports
 * its own current->stack, is_vmalloc_addr(), THREAD_SIZE, PAGE_SIZE and
 * the vmalloc range; while the learner's module is loaded the grader
 * reads /proc/vmallocinfo (kptr_restrict=1 shows root real addresses),
 * where each thread's stack must start an area of THREAD_SIZE plus a
 * guard page, and KernelStack of /proc/meminfo, which must drop by at
 * least nthreads stacks once rmmod has stopped the threads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ktap.h"

#define MAX_THREADS 8

struct stacks_priv {
	unsigned nthreads;
	unsigned long long thread_size, page_size, vstart, vend;
	int probe_vmalloc;
	long long ks_loaded, ks_after;	/* KernelStack kB; -1: not read */
};

static const char *const stacks_checks[] = {
	"ktap", "nonce", "thread_size", "current", "threads", "vmallocinfo", "kernelstack",
	NULL,
};

static void stacks_prepare(struct attempt *a)
{
	struct stacks_priv *p = xcalloc(1, sizeof(*p));

	p->nthreads = attempt_random(a, 2, 5);
	a->priv = p;
	a->params = xasprintf("nthreads=%u nonce=%s", p->nthreads, a->nonce);
	a->inputs = xstrdup(a->params);
	a->probe_params = xasprintf("mode=stacks nonce=%s", a->nonce);
}

/* KernelStack of /proc/meminfo, in kB, read as reading name; -1 when unread. */
static long long kernelstack(const struct attempt *a, const char *name)
{
	long long kb = -1;

	if (sscanf(attempt_reading(a, name), "KernelStack: %lld", &kb) != 1)
		kb = -1;
	return kb;
}

static void read_kernelstack(struct attempt *a, struct vm *vm, const char *name)
{
	attempt_read(a, vm, name, "grep '^KernelStack:' /proc/meminfo", 10000, 4096, 0, NULL);
}

static int stacks_while_loaded(struct attempt *a, struct vm *vm)
{
	attempt_read(a, vm, "vmallocinfo",
		     "k=$(cat /proc/sys/kernel/kptr_restrict); "
		     "echo 1 > /proc/sys/kernel/kptr_restrict; cat /proc/vmallocinfo; "
		     "echo $k > /proc/sys/kernel/kptr_restrict",
		     10000, 1 << 20, 0, NULL);
	read_kernelstack(a, vm, "kernelstack.loaded");
	strbuf_addf(&a->transcript, "\n== while loaded: KernelStack %lld kB\n",
		    kernelstack(a, "kernelstack.loaded"));
	/* The thread stacks' areas, for whoever reads the transcript. */
	strbuf_addstr(&a->transcript, "== while loaded: /proc/vmallocinfo, kernel_clone lines\n");
	for (const char *l = attempt_reading(a, "vmallocinfo"); *l;) {
		size_t n = strcspn(l, "\n");

		if (memmem(l, n, "kernel_clone", 12))
			strbuf_addf(&a->transcript, "%.*s\n", (int)n, l);
		l += n + (l[n] == '\n');
	}
	return 0;
}

static int stacks_observe(struct attempt *a, struct vm *vm)
{
	read_kernelstack(a, vm, "kernelstack.after");
	strbuf_addf(&a->transcript, "\n== after rmmod: KernelStack %lld kB\n",
		    kernelstack(a, "kernelstack.after"));
	return 0;
}

/* The /proc/vmallocinfo line whose area starts at addr: its size and caller. */
static int find_area(const char *info, unsigned long long addr, unsigned long long *size,
		     char *caller, size_t n)
{
	for (const char *l = info; l && *l;) {
		unsigned long long s, e, sz;
		int used = 0;

		if (sscanf(l, "0x%llx-0x%llx %llu %n", &s, &e, &sz, &used) >= 3 && used &&
		    s == addr) {
			*size = sz;
			snprintf(caller, n, "%.*s", (int)strcspn(l + used, " \n"), l + used);
			return 1;
		}
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return 0;
}

static void stacks_grade(struct attempt *a)
{
	struct stacks_priv *p = a->priv;
	const struct ktap_doc *mine = &a->report, *truth = &a->truth_report;
	const char *info = attempt_reading(a, "vmallocinfo");
	unsigned long long v = 0, addr = 0, ts = 0;
	const struct ktap_result *cur;
	unsigned long long seen[MAX_THREADS] = { 0 };
	char buf[64];
	int ok, same = 0;

	p->ks_loaded = kernelstack(a, "kernelstack.loaded");
	p->ks_after = kernelstack(a, "kernelstack.after");
	if (truth->nresults >= 1) {
		const char *c = truth->results[0].comment;

		ktap_kv_hex(c, "vmalloc_start", &p->vstart);
		ktap_kv_hex(c, "vmalloc_end", &p->vend);
		ktap_kv_ulong(c, "thread_size", &p->thread_size);
		ktap_kv_ulong(c, "page_size", &p->page_size);
		p->probe_vmalloc = ktap_kv_ulong(c, "vmalloc_addr", &v) == 1 && v == 1;
	}

	/* ktap, nonce and thread_size, from the '# stacks_ex ...' line */
	strbuf_addf(&a->exp, "KTAP version 1, plan 1..%u (current and %u threads)", p->nthreads + 1,
		    p->nthreads);
	attempt_check_ktap_plan(a, "ktap", (int)p->nthreads + 1, 1, a->exp.buf,
				"print 'KTAP version 1', then '1..N' with N = nthreads + 1, then "
				"one line for current and one per thread");
	strbuf_reset(&a->exp);
	attempt_check_nonce(a, "nonce");
	ktap_diag_ulong(mine, "thread_size", &ts);

	strbuf_addf(&a->exp, "thread_size=%llu", p->thread_size);
	strbuf_addf(&a->obs, "thread_size=%llu", ts);
	attempt_add_text(a, "thread_size", ts && ts == p->thread_size,
			 "print THREAD_SIZE on the '# stacks_ex' line: the size of every kernel stack");

	/* current: a vmalloc address, stack-aligned, is_vmalloc_addr() as the probe saw */
	cur = ktap_find(mine, "current");
	addr = 0;
	v = 2;
	ok = cur && cur->ok && ktap_kv_hex(cur->comment, "stack", &addr) == 1 &&
	     ktap_kv_ulong(cur->comment, "vmalloc_addr", &v) == 1;
	strbuf_addf(&a->exp, "stack in the vmalloc range %llx-%llx, a multiple of %llu, "
		    "vmalloc_addr=%d", p->vstart, p->vend, p->thread_size, p->probe_vmalloc);
	strbuf_addf(&a->obs, "stack=%llx vmalloc_addr=%llu", addr, v);
	ok = ok && addr >= p->vstart && addr < p->vend && p->thread_size &&
	     addr % p->thread_size == 0 && v == (unsigned long long)p->probe_vmalloc;
	attempt_add_text(a, "current", ok,
			 !addr || addr < p->vstart || addr >= p->vend
			    ? "print current->stack with %px (the lowest address of the stack, "
			      "not current itself and not a local variable's address)"
			    : addr % (p->thread_size ? p->thread_size : 1)
				      ? "current->stack is the start of the stack: a local "
					"variable's address lies somewhere inside it"
				      : "vmalloc_addr is is_vmalloc_addr(current->stack): 1 or 0");

	/* threads: nthreads results kthread_1.. each ok with a vmalloc stack */
	ok = 1;
	strbuf_addf(&a->exp, "kthread_1..kthread_%u: ok, each its own stack in the vmalloc range, "
		    "vmalloc_addr=1", p->nthreads);
	for (unsigned i = 0; i < p->nthreads; i++) {
		const struct ktap_result *r;
		unsigned long long s = 0, va = 2;

		snprintf(buf, sizeof(buf), "kthread_%u", i + 1);
		r = ktap_find(mine, buf);
		if (!r || !r->ok || ktap_kv_hex(r->comment, "stack", &s) != 1 ||
		    ktap_kv_ulong(r->comment, "vmalloc_addr", &va) != 1) {
			strbuf_addf(&a->obs, "%s%s: %s", i ? "; " : "", buf,
				    !r ? "missing" : !r->ok ? "not ok" : "no stack= or vmalloc_addr=");
			ok = 0;
			continue;
		}
		strbuf_addf(&a->obs, "%s%s: stack=%llx vmalloc_addr=%llu", i ? " " : "", buf, s, va);
		if (s < p->vstart || s >= p->vend || va != 1)
			ok = 0;
		/* Every task has a stack of its own. */
		for (unsigned j = 0; j < i; j++)
			same |= s == seen[j];
		same |= s == addr;
		if (same)
			ok = 0;
		seen[i] = s;
	}
	attempt_add_text(a, "threads", ok,
			 same ? "every thread has its own stack, and none is insmod's: report "
			   "task_stack_page() of the task kthread_run() returned, not "
			   "current->stack"
			 : "start nthreads threads with kthread_run() and report "
			   "task_stack_page() of each task it returns, with %px");

	/* vmallocinfo: each thread's stack starts an area of THREAD_SIZE + a guard page */
	ok = *info != '\0';
	strbuf_addf(&a->exp, "each kthread stack starts a /proc/vmallocinfo area of %llu bytes "
		    "(%llu + a %llu-byte guard page)", p->thread_size + p->page_size,
		    p->thread_size, p->page_size);
	for (unsigned i = 0; i < p->nthreads; i++) {
		const struct ktap_result *r;
		unsigned long long s = 0, size = 0;
		char caller[128];

		snprintf(buf, sizeof(buf), "kthread_%u", i + 1);
		r = ktap_find(mine, buf);
		if (!r || ktap_kv_hex(r->comment, "stack", &s) != 1) {
			ok = 0;
			continue;
		}
		if (!find_area(info, s, &size, caller, sizeof(caller))) {
			strbuf_addf(&a->obs, "%s%llx: no area starts there", a->obs.len ? "; " : "", s);
			ok = 0;
			continue;
		}
		strbuf_addf(&a->obs, "%s%llx: %llu bytes, %s", a->obs.len ? "; " : "", s, size, caller);
		if (size != p->thread_size + p->page_size)
			ok = 0;
	}
	if (!a->obs.len)
		strbuf_addstr(&a->obs, "no thread stacks");
	attempt_add_text(a, "vmallocinfo", ok,
			 "report each thread's own stack: task_stack_page(task) of the task_struct "
			 "kthread_run() returned, not current->stack (that is insmod's)");

	/* kernelstack: the threads' stacks leave KernelStack when rmmod stops them */
	{
		long long want = (long long)(p->nthreads * p->thread_size / 1024);
		long long drop = p->ks_loaded - p->ks_after;

		ok = p->ks_loaded >= 0 && p->ks_after >= 0 && drop >= want;
		strbuf_addf(&a->exp, "KernelStack drops by at least %lld kB (%u threads x %llu kB) "
			    "after rmmod", want, p->nthreads, p->thread_size / 1024);
		strbuf_addf(&a->obs, "KernelStack %lld kB loaded, %lld kB after rmmod (drop %lld kB)",
			    p->ks_loaded, p->ks_after, drop);
		attempt_add_text(a, "kernelstack", ok,
				 "keep every thread running until the exit function, then "
				 "kthread_stop() each one there");
	}

}

const struct checker checker_stacks = {
	.name = "stacks",
	.checks = stacks_checks,
	.prepare = stacks_prepare,
	.while_loaded = stacks_while_loaded,
	.observe = stacks_observe,
	.grade = stacks_grade,
};
