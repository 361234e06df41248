/*
 * Running an attempt (check.h: attempt_run()): the lab VM, the build in
 * parallel with it, the probe, the learner's module or program, the
 * checker's readings, then grading (check.c) and, when asked, the
 * record of the run (check-record.c).
 */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grading.h"
#include "paths.h"
#include "session.h"

/* When this attempt began, for the progress lines. */
static int64_t run_start;

static void step(const struct check_options *o, const char *what)
{
	if (o->progress)
		fprintf(stderr, "  [%5.1f s] %s...\n", (double)(now_ms() - run_start) / 1000, what);
}

int attempt_run_probe(struct attempt *a, struct vm *vm, int timeout_ms, int unload)
{
	if (modrun(vm, a->probe.ko, a->probe.name, a->probe_params, timeout_ms, unload,
		   &a->truth) < 0)
		return -1;
	strbuf_addf(&a->transcript, "\n== probe: insmod %s %s\n%s", a->probe.name,
		    a->probe_params, strbuf_str(&a->truth.log));
	if (a->truth.verdict != MODRUN_OK)
		return error("the grader's probe failed in the lab VM (%s): this is a kmemlab "
			     "problem, not yours", a->truth.reason);
	return 0;
}

int attempt_put_helper(struct vm *vm, const char *name)
{
	struct kbuild_result prog;
	char *rel = xasprintf("modules/helpers/%s", name), *dir = path_join(paths.data, rel);
	char *guest = xasprintf("/lab/%s", name);
	int r = -1;

	if (build_program(dir, name, &prog) != 0 || !prog.ok)
		error("the grader's helper %s does not build:\n%s", name, strbuf_str(&prog.log));
	else if (vm_put_file(vm, guest, prog.ko, 0755) != VM_OK)
		error("cannot copy the grader's helper into the lab VM");
	else
		r = 0;
	kbuild_result_release(&prog);
	free(guest);
	free(dir);
	free(rel);
	return r;
}

int attempt_exec_program(struct attempt *a, struct vm *vm, const char *const *args,
			 int timeout_ms)
{
	char *guest = xasprintf("/lab/%s", a->build.name);
	const char **argv;
	int n = 0, r;

	for (n = 0; args && args[n]; n++)
		;
	argv = xcalloc((size_t)n + 2, sizeof(char *));
	argv[0] = guest;
	for (int i = 0; i < n; i++)
		argv[i + 1] = args[i];
	/* A program run more than once: nothing of the last run stays. */
	vm_exec_release(&a->prog);
	memset(&a->prog, 0, sizeof(a->prog));
	a->prog_ran = 0;
	r = vm_put_file(vm, guest, a->build.ko, 0755);
	if (r == VM_OK)
		r = vm_exec(vm, argv, timeout_ms, 1 << 20, &a->prog);
	if (r == VM_OK)
		a->prog_ran = 1;
	else if (r == VM_TIMEOUT)
		a->prog.timed_out = 1;
	else if (r == VM_DEAD)
		strbuf_addstr(&a->prog.err, "the lab VM stopped while it ran: it powered the VM "
			      "off, rebooted it or crashed its kernel");
	free(argv);
	free(guest);
	return r == VM_ERROR ? -1 : 0;
}

void attempt_vm_options(const struct exercise *ex, const struct check_options *o,
			struct vm_options *vo)
{
	*vo = o->vm;
	if (ex->boot_cmdline)
		vo->cmdline = ex->boot_cmdline;
	/* Module exercises grade their cleanup on the allocation trace (leaks.h). */
	vo->alloc_trace = ex->kind == EXERCISE_MODULE;
	if (ex->boot_mem_mb)
		vo->mem_mb = ex->boot_mem_mb;
	vo->fresh = ex->boot_fresh;
}

int attempt_run(const struct exercise *ex, const char *source,
		const struct check_options *o, struct attempt *a)
{
	const struct checker *ck = checker_find(ex->check);
	struct vm_options vo;
	struct kbuild_job job = { -1, -1 };
	struct lab lab;
	const char *record;
	int timeout = o->timeout_ms ? o->timeout_ms : 30000;
	int ret = -1;
	int64_t t;

	memset(a, 0, sizeof(*a));
	memset(&lab, 0, sizeof(lab));
	a->ex = ex;
	a->verdict = "error";
	a->source = xstrdup(source);
	run_start = now_ms();
	utc_now(a->started_at);
	/* By content alone, so that a submission's sources can be matched with it. */
	if (access(source, R_OK) == 0 && source_hash(source, a->source_hash) < 0)
		return -1;
	if (!ck)
		return error("exercise '%s' names check '%s', which does not exist", ex->id,
			     ex->check);
	{
		uint64_t seed;

		if (attempt_seed(&seed) < 0)
			return -1;
	}
	{
		unsigned char raw[8];

		random_bytes(raw, sizeof(raw));
		for (int i = 0; i < 8; i++)
			sprintf(a->nonce + 2 * i, "%02x", raw[i]);
	}
	ck->prepare(a);
	strbuf_addf(&a->transcript, "exercise %s\nsource %s\ninputs %s\n", ex->id, source,
		    a->inputs);

	/*
	 * The learner's code builds in a child process while the VM comes up
	 * and the grader's probe (which does not need the learner's module)
	 * runs in it: the check waits only for the slower of the two.
	 */
	attempt_vm_options(ex, o, &vo);
	t = now_ms();
	if (lab_open(&lab, &vo) < 0)
		goto out;
	step(o, ex->kind == EXERCISE_PROGRAM ? "compiling your program"
					     : "building your module against the lab kernel");
	if (kbuild_spawn(&job, &lab.kernel, source,
			 ex->kind == EXERCISE_PROGRAM ? ex->module : NULL) < 0 ||
	    lab_start(&lab) < 0)
		goto out;
	step(o, lab.restored ? "restoring the lab VM" : lab.from_spare
		? "taking the lab VM booted in the background" : "booting the lab VM");
	if (a->probe_params && ex->grading && ex->grading->probe_dir) {
		/* The course's own probe. */
		int r = kbuild_module(&lab.kernel, ex->grading->probe_dir, &a->probe);

		if (r != 0) {
			if (r == 1)
				error("the course's probe '%s' of exercise '%s' does not build "
				      "against %s:\n%s", ex->grading->probe_dir, ex->id,
				      lab.kernel.release, strbuf_str(&a->probe.log));
			goto out;
		}
	} else if (a->probe_params && lab_probe(&lab, &a->probe) < 0) {
		goto out;
	}
	if (a->probe_params && ex->kind == EXERCISE_MODULE) {
		if (lab_ready(&lab) < 0)
			goto out;
		step(o, "loading the grader's probe");
		if (attempt_run_probe(a, &lab.vm, timeout, 1) < 0)
			goto out;
	}
	if (kbuild_collect(&job, &a->build) < 0)
		goto out;
	strbuf_addf(&a->transcript, "\n== build (%s)\n%s",
		    a->build.cached ? "cached" : a->build.fast ? "fast" : "fresh",
		    strbuf_str(&a->build.log));
	a->build_ms = a->build.ms > 0 ? a->build.ms : 1;
	if (!a->build.ok) {
		lab_close(&lab);
		goto grade;
	}
	if (ex->kind == EXERCISE_MODULE && strcmp(a->build.name, ex->module) != 0) {
		/* The grader loads and unloads the module by its name. */
		kbuild_result_release(&a->build);
		error("'%s' builds a module named '%s', but exercise '%s' expects '%s' "
		      "(name the file %s)", source, a->build.name ? a->build.name : "?", ex->id,
		      ex->module, ex->file);
		goto out;
	}
	if (lab_ready(&lab) < 0)
		goto out;
	a->kernel = xstrdup(lab.vm.release ? lab.vm.release : lab.kernel.release);
	if (ex->kind == EXERCISE_PROGRAM) {
		step(o, "running your program");
		if (ck->run(a, &lab.vm) < 0)
			goto out;
		strbuf_addf(&a->transcript, "\n== your program: %s\n-- stdout\n%s-- stderr\n%s"
			    "== exit status %d%s%s\n", a->params ? a->params : "",
			    strbuf_str(&a->prog.out), strbuf_str(&a->prog.err), a->prog.status,
			    a->prog.signal ? ", killed by a signal" : "",
			    a->prog.timed_out ? ", timed out" : "");
	} else {
		if (ck->before && ck->before(a, &lab.vm) < 0)
			goto out;
		step(o, "loading your module");
		if (leaks_start(&lab.vm, &a->leaks, a->build.name, a->build.ko) < 0 ||
		    modrun_load(&lab.vm, a->build.ko, a->build.name, a->params, timeout,
				&a->learner) < 0)
			goto out;
		if (ck->while_loaded && a->learner.loaded && a->learner.verdict == MODRUN_OK &&
		    !lab.vm.dead) {
			step(o, "reading the lab VM while your module is loaded");
			if (ck->while_loaded(a, &lab.vm) < 0)
				goto out;
		}
		if (a->learner.loaded && !lab.vm.dead && leaks_loaded(&lab.vm, &a->leaks) < 0)
			goto out;
		if (modrun_unload(&lab.vm, a->build.name, timeout, &a->learner) < 0)
			goto out;
		strbuf_addf(&a->transcript,
			    "\n== your module: insmod %s %s\n%s\n== verdict: %s\n",
			    a->build.name, a->params, strbuf_str(&a->learner.log),
			    a->learner.reason);
	}
	if (ck->observe && !lab.vm.dead && ck->observe(a, &lab.vm) < 0)
		goto out;
	/* After the checker's own readings: reading the trace moves no figure of theirs. */
	if (ex->kind == EXERCISE_MODULE && a->learner.inserted && !a->learner.loaded &&
	    !lab.vm.dead && a->learner.verdict == MODRUN_OK && leaks_finish(&lab.vm, &a->leaks) < 0)
		goto out;
	vm_dmesg(&lab.vm, &a->dmesg);
	lab_close(&lab);
	/* The lab's own time: all but what was spent waiting for the build alone. */
	a->vm_ms = now_ms() - t - a->build_ms;
	if (a->vm_ms < 1)
		a->vm_ms = 1;

grade:
	step(o, "grading");
	attempt_grade(a);
	record = getenv("KMEMLAB_RECORD");
	if (record && *record && attempt_save(a, record) < 0)
		goto out;
	ret = 0;
out:
	kbuild_abort(&job);
	if (lab.ready)
		vm_dmesg(&lab.vm, &a->dmesg);
	lab_close(&lab);
	return ret;
}
