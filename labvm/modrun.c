#include "modrun.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"
#include "run.h"

const char *modrun_verdict_name(enum modrun_verdict v)
{
	static const char *const names[] = {
		[MODRUN_OK] = "ok",
		[MODRUN_INSMOD_FAILED] = "insmod failed",
		[MODRUN_RMMOD_FAILED] = "rmmod failed",
		[MODRUN_OOPS] = "oops",
		[MODRUN_SLAB] = "slab corruption",
		[MODRUN_PANIC] = "panic",
		[MODRUN_LOCKUP] = "soft lockup",
		[MODRUN_TIMEOUT] = "timed out",
		[MODRUN_FLOOD] = "log flooded",
		[MODRUN_CHANNEL] = "channel corrupted",
		[MODRUN_ERROR] = "error",
	};

	return names[v];
}

void kmsg_format(const char *raw, struct strbuf *log, struct strbuf *text)
{
	for (const char *p = raw; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		const char *semi = memchr(p, ';', n);
		unsigned long long usec = 0;

		if (p[0] != ' ' && semi) {
			sscanf(p, "%*u,%*u,%llu", &usec);
			if (log)
				strbuf_addf(log, "[%5llu.%06llu] %.*s\n", usec / 1000000,
					    usec % 1000000, (int)(p + n - semi - 1), semi + 1);
			if (text)
				strbuf_addf(text, "%.*s\n", (int)(p + n - semi - 1), semi + 1);
		}
		p += n + (nl ? 1 : 0);
	}
}

enum modrun_verdict crash_scan(const char *text, char **line, int *warned)
{
	static const struct {
		const char *needle;
		enum modrun_verdict v;
	} marks[] = {
		{ "Kernel panic - not syncing", MODRUN_PANIC },
		{ "BUG: soft lockup", MODRUN_LOCKUP },
		{ "BUG: ", MODRUN_OOPS },
		{ "Oops: ", MODRUN_OOPS },
		{ "general protection fault", MODRUN_OOPS },
		{ "kernel BUG at", MODRUN_OOPS },
		{ "Unable to handle kernel", MODRUN_OOPS },
	};
	enum modrun_verdict found = MODRUN_OK;
	const char *best = NULL;
	size_t best_len = 0;

	*line = NULL;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (warned && memmem(p, n, "WARNING: ", 9))
			*warned = 1;
		/*
		 * slub_debug's report: "BUG kmalloc-64 (Tainted: G O): Right
		 * Redzone overwritten", a cache's name where an oops has a colon.
		 */
		{
			/* The console's lines have time stamps: "[    2.244709] BUG ..." */
			const char *b = p;
			size_t bn = n;

			if (bn && *b == '[' && memchr(b, ']', bn)) {
				const char *e = memchr(b, ']', bn) + 1;

				bn -= (size_t)(e - b);
				b = e;
				while (bn && *b == ' ')
					b++, bn--;
			}
			if (found == MODRUN_OK && bn > 4 && !memcmp(b, "BUG ", 4) && b[4] != ' ' &&
			    memmem(b, bn, " (", 2) && memmem(b, bn, "): ", 3)) {
				found = MODRUN_SLAB;
				best = b;
				best_len = bn;
			}
		}
		for (size_t i = 0; i < ARRAY_SIZE(marks); i++) {
			const char *hit = memmem(p, n, marks[i].needle, strlen(marks[i].needle));

			/* A panic outranks whatever came before it. */
			if (hit && (found == MODRUN_OK ||
				    (marks[i].v == MODRUN_PANIC && found != MODRUN_PANIC))) {
				found = marks[i].v;
				best = hit;
				best_len = n - (size_t)(hit - p);
				break;
			}
		}
		p += n + (nl ? 1 : 0);
	}
	if (best) {
		*line = xstrndup(best, best_len);
		rtrim(*line);
	}
	return found;
}

static void set_reason(struct modrun *res, enum modrun_verdict v, char *reason)
{
	res->verdict = v;
	free(res->reason);
	res->reason = reason;
}

/*
 * Append the log from mark; returns 0 when it could not be read (a dead
 * or hung VM), and the caller falls back on the console.
 */
static int collect_log(struct vm *vm, uint64_t mark, struct modrun *res)
{
	struct vm_klog kl;
	int got = 0;

	if (vm->dead || vm->hung || vm->chan < 0)
		return 0;
	if (vm_klog(vm, mark, MODRUN_LOG_CAP, &kl) == VM_OK) {
		kmsg_format(strbuf_str(&kl.text), &res->log, &res->text);
		res->lost += kl.lost;
		res->omitted += kl.omitted;
		got = 1;
	}
	vm_klog_release(&kl);
	return got;
}

static void classify_dead(struct vm *vm, struct modrun *res, size_t mark, int have_log,
			  int timed_out, int timeout_ms)
{
	char *line = NULL;
	char *console = vm_console_since(vm, mark);
	enum modrun_verdict v = crash_scan(console, &line, &res->warned);

	/* The log could not be read: the console is all we have. */
	if (!have_log) {
		strbuf_addstr(&res->log, console);
		strbuf_addstr(&res->text, console);
	}
	if (vm->corrupt) {
		set_reason(res, MODRUN_CHANNEL,
			   xasprintf("the lab's channel to its agent was overwritten while the "
				     "module ran (%s): the lab VM was stopped", vm->corrupt));
	} else if (v == MODRUN_PANIC || (vm->dead && v != MODRUN_OK)) {
		set_reason(res, v == MODRUN_OK ? MODRUN_PANIC : v,
			   xasprintf("%s", line));
	} else if (v == MODRUN_LOCKUP) {
		set_reason(res, v, xasprintf("%s", line));
	} else if (timed_out) {
		set_reason(res, MODRUN_TIMEOUT,
			   line ? xasprintf("timed out after %d s (%s)", timeout_ms / 1000, line)
				: xasprintf("timed out after %d s: the module did not return "
					    "from init or exit", timeout_ms / 1000));
	} else {
		set_reason(res, MODRUN_PANIC,
			   xasprintf("the lab VM stopped (QEMU exit status %d)",
				     vm->qemu_status));
	}
	free(line);
	free(console);
}

/* The next kernel log record: where this step's lines will start. */
static int log_mark(struct vm *vm, uint64_t *mark)
{
	struct vm_klog kl;
	int r = vm_klog(vm, 0, 0, &kl);

	*mark = kl.next_seq;
	vm_klog_release(&kl);
	if (r != VM_OK)
		return error("cannot read the lab VM's kernel log");
	return 0;
}

/* Everything collected so far decides: a crash line, or a flooded log. */
static void scan_log(struct modrun *res)
{
	char *line = NULL;
	enum modrun_verdict v = crash_scan(strbuf_str(&res->text), &line, &res->warned);

	if (v != MODRUN_OK)
		set_reason(res, v, xstrdup(line));
	else if (res->lost)
		set_reason(res, MODRUN_FLOOD,
			   xasprintf("the module flooded the kernel log: the kernel "
				     "dropped %llu lines", (unsigned long long)res->lost));
	free(line);
}

/*
 * The module as the VM gets it: without debug information, which the
 * kernel does not load anyway (an oops names functions from the symbol
 * table, which stays) and which makes a .ko ten to twenty times larger to
 * send and to parse.  Kept in the cache, named by the .ko's identity; the
 * .ko itself when it cannot be stripped.
 */
static char *lean_ko(const char *ko)
{
	struct strbuf key = STRBUF_INIT;
	struct run_result rr;
	struct stat st;
	char hash[65], *dir, *lean, *tmp;

	if (stat(ko, &st) < 0)
		return xstrdup(ko);
	strbuf_addf(&key, "%s %lld %lld %lld", ko, (long long)st.st_size,
		    (long long)st.st_mtim.tv_sec, (long long)st.st_mtim.tv_nsec);
	sha256_hex(key.buf, key.len, hash);
	strbuf_release(&key);
	dir = path_join(paths.cache, "vmko");
	lean = xasprintf("%s/%.24s.ko", dir, hash);
	if (is_file(lean) || mkdir_p(dir, 0755) < 0) {
		free(dir);
		if (is_file(lean))
			return lean;
		free(lean);
		return xstrdup(ko);
	}
	tmp = xasprintf("%s.tmp.%d", lean, (int)getpid());
	{
		const char *const argv[] = { "objcopy", "--strip-debug", ko, tmp, NULL };
		struct strbuf out = STRBUF_INIT;

		if (run_capture(argv, NULL, NULL, &out, 4096, 30000, &rr) != 0 ||
		    rename(tmp, lean) < 0) {
			unlink(tmp);
			free(lean);
			lean = xstrdup(ko);
		}
		strbuf_release(&out);
	}
	free(tmp);
	free(dir);
	return lean;
}

int modrun_load(struct vm *vm, const char *ko, const char *name, const char *params,
		int timeout_ms, struct modrun *res)
{
	struct vm_modop op;
	char *guest = xasprintf("/lab/%s.ko", name);
	uint64_t mark;
	size_t cmark = vm->console_total;
	int64_t start;
	int r, ret = -1;

	memset(res, 0, sizeof(*res));
	res->verdict = MODRUN_ERROR;
	if (log_mark(vm, &mark) < 0)
		goto out;
	{
		char *lean = lean_ko(ko);
		int pr = vm_put_file(vm, guest, lean, 0644);

		free(lean);
		if (pr != VM_OK)
			goto out;
	}

	start = now_ms();
	r = vm_insmod(vm, guest, params, timeout_ms, &op);
	res->load_ms = now_ms() - start;
	if (r == VM_ERROR)
		goto out;
	ret = 0;
	if (r == VM_DEAD || r == VM_TIMEOUT || op.timed_out) {
		classify_dead(vm, res, cmark, collect_log(vm, mark, res),
			      r == VM_TIMEOUT || op.timed_out, timeout_ms);
		goto out;
	}
	if (op.err) {
		set_reason(res, MODRUN_INSMOD_FAILED,
			   xasprintf("insmod '%s' failed: %s", name, strerror(op.err)));
	} else if (op.signal) {
		set_reason(res, MODRUN_OOPS,
			   xasprintf("insmod was killed by signal %d", op.signal));
	} else {
		res->loaded = res->inserted = 1;
		set_reason(res, MODRUN_OK, xstrdup("loaded"));
	}
	collect_log(vm, mark, res);
	scan_log(res);
out:
	free(guest);
	return ret;
}

int modrun_unload(struct vm *vm, const char *name, int timeout_ms, struct modrun *res)
{
	struct vm_modop op;
	uint64_t mark;
	size_t cmark = vm->console_total;
	int r;

	if (!res->loaded)
		return 0;
	if (vm->dead) {
		classify_dead(vm, res, cmark, 0, 0, timeout_ms);
		return 0;
	}
	if (log_mark(vm, &mark) < 0)
		return -1;
	r = vm_rmmod(vm, name, timeout_ms, &op);
	if (r == VM_DEAD || r == VM_TIMEOUT || (r == VM_OK && op.timed_out)) {
		classify_dead(vm, res, cmark, collect_log(vm, mark, res), r != VM_DEAD,
			      timeout_ms);
		return 0;
	}
	if (r == VM_ERROR)
		return -1;
	if (op.err) {
		set_reason(res, MODRUN_RMMOD_FAILED,
			   xasprintf("rmmod '%s' failed: %s", name, strerror(op.err)));
	} else if (op.signal) {
		set_reason(res, MODRUN_OOPS, xasprintf("rmmod was killed by signal %d", op.signal));
	} else {
		res->loaded = 0;
		set_reason(res, MODRUN_OK, xstrdup("loaded and unloaded cleanly"));
	}
	collect_log(vm, mark, res);
	scan_log(res);
	return 0;
}

int modrun(struct vm *vm, const char *ko, const char *name, const char *params,
	   int timeout_ms, int unload, struct modrun *res)
{
	if (modrun_load(vm, ko, name, params, timeout_ms, res) < 0)
		return -1;
	return unload ? modrun_unload(vm, name, timeout_ms, res) : 0;
}

void modrun_release(struct modrun *res)
{
	free(res->reason);
	strbuf_release(&res->log);
	strbuf_release(&res->text);
	memset(res, 0, sizeof(*res));
}

void vm_dmesg(struct vm *vm, struct strbuf *out)
{
	struct vm_klog kl = { STRBUF_INIT, 0, 0, 0 };

	strbuf_reset(out);
	if (!vm->dead && !vm->hung && vm_klog(vm, 0, MODRUN_LOG_CAP, &kl) == VM_OK) {
		kmsg_format(strbuf_str(&kl.text), out, NULL);
		if (kl.omitted)
			strbuf_addf(out, "(%llu later records left out: the log is cut at %d KiB)\n",
				    (unsigned long long)kl.omitted, MODRUN_LOG_CAP >> 10);
	} else {
		char *tail = vm_console_tail(vm, 200);

		strbuf_addf(out, "(the lab VM had stopped answering: its console's last lines)\n%s",
			    tail);
		free(tail);
	}
	vm_klog_release(&kl);
}
