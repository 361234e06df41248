/*
 * Load one module into a running lab VM, unload it, and say what
 * happened: the verdict every lab run and every graded check starts from.
 *
 * The kernel log is read through /dev/kmsg from a mark taken just before
 * insmod, so the lines are this module's run and nothing earlier.  A panic
 * (QEMU gone), an oops or BUG, a soft lockup, a time limit, an insmod
 * error and a flooded log each get their own verdict with the kernel's
 * first relevant line as the reason.
 */
#ifndef KMEMLAB_MODRUN_H
#define KMEMLAB_MODRUN_H

#include "vm.h"

#define MODRUN_LOG_CAP (256 << 10)

enum modrun_verdict {
	MODRUN_OK,		/* loaded (and unloaded, if asked) cleanly */
	MODRUN_INSMOD_FAILED,	/* init returned an error, or a bad parameter */
	MODRUN_RMMOD_FAILED,
	MODRUN_OOPS,		/* oops, BUG, general protection fault */
	MODRUN_SLAB,		/* a slub_debug report: a slab object overwritten, freed twice */
	MODRUN_PANIC,		/* the kernel panicked: the VM is gone */
	MODRUN_LOCKUP,		/* soft lockup reported by the watchdog */
	MODRUN_TIMEOUT,		/* no answer within the time limit */
	MODRUN_FLOOD,		/* the kernel log overflowed: lines were lost */
	MODRUN_CHANNEL,		/* garbage on the lab's channel: the VM was stopped */
	MODRUN_ERROR,		/* kmemlab could not do the run (reported) */
};

struct modrun {
	enum modrun_verdict verdict;
	char *reason;		/* one line: why, for the status line */
	struct strbuf log;	/* "[    1.234567] text" lines */
	struct strbuf text;	/* the same lines without time stamps */
	uint64_t lost;		/* records the kernel's ring buffer dropped */
	uint64_t omitted;	/* records over MODRUN_LOG_CAP */
	int warned;		/* a WARNING: line appeared */
	int inserted;		/* insmod succeeded */
	int loaded;		/* still loaded (unload not asked, or it failed) */
	int64_t load_ms;
};

/*
 * Push ko into the VM, insmod it with params (may be NULL), then rmmod
 * it by name when unload is set.  timeout_ms bounds each of insmod and
 * rmmod.  Returns 0 with res filled whatever the module did; -1 only when
 * kmemlab itself failed (reported).
 */
int modrun(struct vm *vm, const char *ko, const char *name, const char *params,
	   int timeout_ms, int unload, struct modrun *res);
/*
 * modrun() in two halves, for a caller that looks at the VM while the
 * module is loaded.  modrun_load() inserts it and collects the log so far
 * (res->text holds what init printed).  modrun_unload() removes it, when
 * res->loaded, and appends the log from just before rmmod: whatever the
 * caller did in between, such as loading another module, stays out of res.
 */
int modrun_load(struct vm *vm, const char *ko, const char *name, const char *params,
		int timeout_ms, struct modrun *res);
int modrun_unload(struct vm *vm, const char *name, int timeout_ms, struct modrun *res);
void modrun_release(struct modrun *res);

/* "oops", "panic", ... for messages and JSON. */
const char *modrun_verdict_name(enum modrun_verdict v);

/*
 * Turn raw /dev/kmsg records into "[ts] text" lines (log) and bare lines
 * (text), skipping the " KEY=value" dictionary lines.
 */
void kmsg_format(const char *raw, struct strbuf *log, struct strbuf *text);

/*
 * Find the first line of text (a kernel log or the console) that shows a
 * crash, and which kind: returns MODRUN_OK when there is none.  *line is
 * the allocated line.
 */
enum modrun_verdict crash_scan(const char *text, char **line, int *warned);

/*
 * The kernel log of the whole run so far, as "[ts] text" lines, into out:
 * from /dev/kmsg while the guest answers, else (after a panic or a hang)
 * the console's last lines.  For `dmesg` after a run.
 */
void vm_dmesg(struct vm *vm, struct strbuf *out);

#endif
