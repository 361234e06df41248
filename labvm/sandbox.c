#include "lab.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"
#include "run.h"

/*
 * Builds run in a sandbox (bubblewrap, Debian's bwrap): a learner's
 * sources must not read the machine's files into the module at build
 * time (`#include "/etc/..."`, `.incbin`).  Inside, the build sees /usr
 * (the toolchain and the lab kernel's headers) read-only, the kernel tree
 * if it lives elsewhere, the one directory it builds in, an empty /tmp,
 * and no network; nothing else of the host.  KMEMLAB_SANDBOX=off turns it
 * off; where bwrap is missing or cannot run, builds go on without it
 * (with one warning) unless kbuild_require_sandbox() was called, as the
 * class regrade does.
 */
static int sandbox_required;
static int sandbox_state = -1;	/* -1 not probed, 0 off, 1 on */

void kbuild_require_sandbox(void)
{
	sandbox_required = 1;
}

/* A growing, NULL-ended argv whose strings it owns. */
struct words {
	char **v;
	size_t n, alloc;
};

static void word(struct words *w, const char *s)
{
	if (w->n + 2 > w->alloc) {
		w->alloc = w->alloc ? 2 * w->alloc : 64;
		w->v = xrealloc(w->v, w->alloc * sizeof(*w->v));
	}
	w->v[w->n++] = xstrdup(s);
	w->v[w->n] = NULL;
}

static void words_release(struct words *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	memset(w, 0, sizeof(*w));
}

static void bind(struct words *w, const char *how, const char *path)
{
	word(w, how);
	word(w, path);
	word(w, path);
}

/*
 * argv run in the sandbox from dir: rw the one directory it may write,
 * ro (or NULL) one more it may read, kdir (or NULL) the kernel tree.
 */
static void sandboxed(struct words *w, const char *const *argv, const char *kdir,
		      const char *rw, const char *ro, const char *dir)
{
	static const char *const fixed[] = {
		"bwrap", "--unshare-all", "--die-with-parent", "--new-session",
		"--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev",
		"--tmpfs", "/tmp",
		"--ro-bind-try", "/etc/alternatives", "/etc/alternatives",
		"--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
	};
	static const char *const roots[] = { "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32" };

	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		word(w, fixed[i]);
	/* Merged /usr: these are links into it; elsewhere, directories of their own. */
	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		char target[256];
		ssize_t n = readlink(roots[i], target, sizeof(target) - 1);

		if (n > 0) {
			target[n] = '\0';
			word(w, "--symlink");
			word(w, target);
			word(w, roots[i]);
		} else if (is_dir(roots[i])) {
			bind(w, "--ro-bind", roots[i]);
		}
	}
	if (kdir)
		bind(w, "--ro-bind", kdir);
	if (ro)
		bind(w, "--ro-bind", ro);
	if (rw)
		bind(w, "--bind", rw);
	word(w, "--chdir");
	word(w, dir);
	word(w, "--");
	for (; *argv; argv++)
		word(w, *argv);
}

/* Can builds be sandboxed here?  Probed once: bwrap running `true`. */
static int sandbox_on(void)
{
	const char *env = getenv("KMEMLAB_SANDBOX");

	if (sandbox_state >= 0)
		return sandbox_state;
	if (env && (!strcmp(env, "off") || !strcmp(env, "0") || !strcmp(env, "no"))) {
		sandbox_state = 0;
	} else {
		const char *const argv[] = { "true", NULL };
		struct words w = { 0 };
		struct strbuf out = STRBUF_INIT;
		struct run_result rr;
		int st;

		sandboxed(&w, argv, NULL, NULL, NULL, "/");
		st = run_capture((const char *const *)w.v, NULL, NULL, &out, 4096, 30000, &rr);
		sandbox_state = st == 0;
		if (!sandbox_state && !sandbox_required)
			warning("builds run without a sandbox: bubblewrap %s (install the "
				"bubblewrap package, or set KMEMLAB_SANDBOX=off to say so)",
				st < 0 ? "cannot be started" : rtrim(strbuf_str(&out)[0]
								    ? out.buf : "failed"));
		words_release(&w);
		strbuf_release(&out);
	}
	return sandbox_state;
}

/*
 * run_capture() for a build step, in the sandbox when there is one: rw is
 * the one directory it may write, ro (or NULL) one more it may read.
 * Returns -1 after reporting why when a sandbox is required and missing.
 */
int run_build(const char *const *argv, const char *dir, const char *const *env,
		     const char *kdir, const char *rw, const char *ro, struct strbuf *out,
		     size_t cap, int timeout_ms, struct run_result *rr)
{
	struct words w = { 0 };
	int st;

	if (!sandbox_on()) {
		if (sandbox_required) {
			memset(rr, 0, sizeof(*rr));
			return error("learners' code is built only in a sandbox, and bubblewrap "
				     "does not run here: install the bubblewrap package (or run "
				     "'make deps' as root)");
		}
		return run_capture(argv, dir, env, out, cap, timeout_ms, rr);
	}
	sandboxed(&w, argv, kdir, rw, ro, dir ? dir : rw);
	st = run_capture((const char *const *)w.v, NULL, env, out, cap, timeout_ms, rr);
	words_release(&w);
	return st;
}

