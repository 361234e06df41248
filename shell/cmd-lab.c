#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd.h"
#include "modrun.h"
#include "session.h"

/* One module to load: where it was built and with which parameters. */
struct lab_mod {
	char *ko;
	char *name;
	const char *from;	/* the PATH it came from */
	struct strbuf params;
	struct modrun mr;
	int ran;		/* modrun_load() was called */
	size_t shown;		/* bytes of mr.log already printed */
};

struct lab_plan {
	struct lab_mod *mods;
	size_t n;
	struct kbuild_result *progs;
	size_t nprogs;
	int64_t build_ms;
	int cached;		/* every build came from the cache */
};

static void plan_release(struct lab_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->mods[i].ko);
		free(p->mods[i].name);
		strbuf_release(&p->mods[i].params);
		modrun_release(&p->mods[i].mr);
	}
	free(p->mods);
	for (size_t i = 0; i < p->nprogs; i++)
		kbuild_result_release(&p->progs[i]);
	free(p->progs);
	memset(p, 0, sizeof(*p));
}

static void plan_add(struct lab_plan *p, const char *ko, const char *name, const char *from)
{
	struct lab_mod *m;

	p->mods = xrealloc(p->mods, (p->n + 1) * sizeof(*p->mods));
	m = &p->mods[p->n++];
	memset(m, 0, sizeof(*m));
	m->ko = xstrdup(ko);
	m->name = xstrdup(name);
	m->from = from;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* What a PATH's Kbuild (else Makefile) declares in obj-m: kbuild_declared(). */
struct obj_m {
	char **names;
	size_t n;
};

static int declares(const struct obj_m *d, const char *name)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->names[i], name))
			return 1;
	return 0;
}

/*
 * A folder that declares several modules and was given no --module: list
 * them, before building anything, with the command that picks one.
 */
static int list_modules(const char *path, char **names, size_t n)
{
	printf("lab: '%s' builds %zu modules (obj-m), and lab run loads the ones you name:\n",
	       path, n);
	for (size_t i = 0; i < n; i++)
		printf("  %s\n", names[i]);
	printf("Pick one, or several in the order to load them:\n"
	       "  kmemlab lab run %s --module %s\n", path, names[0]);
	if (n > 1)
		printf("  kmemlab lab run %s --module %s --module %s\n", path, names[0], names[1]);
	return CMD_ERROR;
}

/* Show a failed build's log and say which PATH it was. */
static int build_failed(const char *path, const struct strbuf *log)
{
	fputs(strbuf_str(log), stdout);
	printf("lab: %s: build failed\n", path);
	if (strstr(strbuf_str(log), "ERROR: modpost: \"") && strstr(log->buf, "undefined!"))
		printf("lab: a symbol it uses is undefined: name the module that exports it "
		       "first (lab run LIBRARY %s), or its folder's --module first\n", path);
	return CMD_FAIL;
}

/*
 * Build every PATH in order, each module's exports offered to the ones
 * after it.  CMD_OK with plan filled, CMD_FAIL (a build failed, shown) or
 * CMD_ERROR (reported).
 */
static int build_all(struct lab *lab, char **paths, const struct obj_m *decl, int npaths,
		     const char *const *modules, int nmodules, struct lab_plan *plan)
{
	const char **symvers = NULL;
	size_t nsymvers = 0;
	int64_t t0 = now_ms();
	int r = CMD_OK;

	plan->cached = 1;
	for (int i = 0; i < npaths && r == CMD_OK; i++) {
		const char *path = paths[i];
		const char **pick = NULL;
		size_t npick = 0;

		for (int j = 0; j < nmodules; j++)
			if (declares(&decl[i], modules[j])) {
				pick = xrealloc(pick, (npick + 1) * sizeof(*pick));
				pick[npick++] = modules[j];
			}
		/*
		 * A tree (what it reaches with ../ copied along), one module of
		 * many, or one of several folders (each offers its exports to the
		 * next): kbuild_tree().  Else a flat folder, with its build cache
		 * and fast rebuild.
		 */
		if (is_dir(path) &&
		    (npaths > 1 || npick || decl[i].n > 1 || kbuild_reach(path) > 0)) {
			struct kbuild_tree t = {
				.dir = path, .modules = pick, .nmodules = npick,
				.symvers = symvers, .nsymvers = nsymvers,
			};
			struct kbuild_tree_result tr;
			int br = kbuild_tree(&lab->kernel, &t, &tr);

			if (br == 0) {
				for (size_t k = 0; k < tr.nmods; k++)
					plan_add(plan, tr.mods[k].ko, tr.mods[k].name, path);
				plan->cached &= tr.cached;
				printf("lab: %s built in %s%s%s%s\n", path, tr.build_dir,
				       strcmp(tr.root, path) ? " (a copy of " : "",
				       strcmp(tr.root, path) ? tr.root : "",
				       strcmp(tr.root, path) ? ": your tree is not written)" : "");
				symvers = xrealloc(symvers, (nsymvers + 1) * sizeof(*symvers));
				symvers[nsymvers++] = xstrdup(tr.symvers);
			}
			r = br < 0 ? CMD_ERROR : br == 1 ? build_failed(path, &tr.log) : CMD_OK;
			kbuild_tree_result_release(&tr);
		} else {
			struct kbuild_result b;
			int br = kbuild_module(&lab->kernel, path, &b);

			if (br == 0) {
				plan_add(plan, b.ko, b.name, path);
				plan->cached &= b.cached;
			}
			r = br < 0 ? CMD_ERROR : br == 1 ? build_failed(path, &b.log) : CMD_OK;
			kbuild_result_release(&b);
		}
		free(pick);
	}
	for (size_t i = 0; i < nsymvers; i++)
		free((char *)symvers[i]);
	free(symvers);
	plan->build_ms = now_ms() - t0;
	return r;
}

/*
 * --param NAME=VALUE goes to the only module, MODULE.NAME=VALUE to the
 * one named (the kernel's own spelling on its command line).
 */
static int assign_params(const struct cmd_args *args, struct lab_plan *plan)
{
	int nparams;
	const char *const *params = args_values(args, "param", &nparams);

	for (int i = 0; i < nparams; i++) {
		const char *p = params[i], *eq = strchr(p, '='), *dot;
		struct lab_mod *to = NULL;

		dot = memchr(p, '.', (size_t)(eq - p));
		if (dot) {
			for (size_t j = 0; j < plan->n; j++)
				if (strlen(plan->mods[j].name) == (size_t)(dot - p) &&
				    !strncmp(plan->mods[j].name, p, (size_t)(dot - p)))
					to = &plan->mods[j];
			if (!to)
				return cmd_usage_error(args->entry, "--param '%s': no module '%.*s' in "
						       "this run", p, (int)(dot - p), p);
			p = dot + 1;
		} else if (plan->n == 1) {
			to = &plan->mods[0];
		} else {
			return cmd_usage_error(args->entry, "--param '%s': this run loads %zu modules: "
					       "say which with MODULE.NAME=VALUE", p, plan->n);
		}
		strbuf_addf(&to->params, "%s%s", to->params.len ? " " : "", p);
	}
	return 0;
}

static void show_new_log(struct lab_mod *m)
{
	const struct strbuf *log = &m->mr.log;

	if (log->len > m->shown) {
		fwrite(log->buf + m->shown, 1, log->len - m->shown, stdout);
		m->shown = log->len;
	}
}

/* --exec: each command in order, with its output and exit status; how many failed. */
static int run_execs(struct lab *lab, const char *const *execs, int nexecs, int timeout_ms)
{
	int bad = 0;

	for (int i = 0; i < nexecs && !lab->vm.dead; i++) {
		struct vm_exec ex;
		int st = vm_sh(&lab->vm, execs[i], timeout_ms, 1 << 20, &ex);

		printf("lab: $ %s\n", execs[i]);
		if (st != VM_OK) {
			printf("lab: the lab VM stopped answering while running it\n");
			return bad + 1;
		}
		fputs(strbuf_str(&ex.out), stdout);
		fputs(strbuf_str(&ex.err), stdout);
		if (ex.truncated)
			printf("lab: (its output is cut at 1 MiB)\n");
		if (ex.timed_out)
			printf("lab: it did not finish within %d s\n", timeout_ms / 1000);
		else if (ex.signal)
			printf("lab: it was killed by signal %d\n", ex.signal);
		else
			printf("lab: exit status %d\n", ex.status);
		bad += ex.timed_out || ex.signal || ex.status;
		vm_exec_release(&ex);
	}
	return bad;
}

/* The module's verdict line, ending in times; 1 when it was not a clean run. */
static int verdict_line(const struct lab_mod *m, const char *times)
{
	/* A WARNING is the kernel objecting: not a clean run. */
	const char *w = m->mr.verdict == MODRUN_OK && m->mr.warned
				? strstr(strbuf_str(&m->mr.text), "WARNING: ") : NULL;

	if (!m->ran) {
		printf("lab: %s: not loaded: a module before it failed\n", m->name);
		return 1;
	}
	if (m->mr.omitted)
		printf("lab: %s: output cut at %d bytes: %llu more kernel log lines not shown\n",
		       m->name, MODRUN_LOG_CAP, (unsigned long long)m->mr.omitted);
	if (w)
		printf("lab: %s: loaded and unloaded, but the kernel logged %.*s %s\n", m->name,
		       (int)strcspn(w, "\n"), w, times);
	else
		printf("lab: %s: %s %s\n", m->name, m->mr.reason, times);
	return m->mr.verdict != MODRUN_OK || w;
}

static int lab_run_folders(struct cmd_ctx *ctx, const struct cmd_args *args, char **paths,
			   const struct obj_m *decl, int npaths)
{
	struct lab lab;
	struct lab_plan plan = { 0 };
	struct vm_options vo = { .accel = ctx->accel };
	struct termios saved;
	int timeout_ms = 30000, r = CMD_ERROR, bad = 0, have_tty = 0, all_in = 1;
	int failed_execs = 0, nparams, nprogs, nmodules, nexecs;
	const char *const *params = args_values(args, "param", &nparams);
	const char *const *progs = args_values(args, "prog", &nprogs);
	const char *const *modules = args_values(args, "module", &nmodules);
	const char *const *execs = args_values(args, "exec", &nexecs);
	size_t loaded = 0;
	int64_t t_boot, t_run;

	if (args_seconds(args, "timeout", &timeout_ms) || args_vm(args, &vo))
		return CMD_ERROR;
	for (int i = 0; i < nparams; i++) {
		const char *v = params[i];

		if (!strchr(v, '=') || v[0] == '=' || strpbrk(v, " \t\n"))
			return cmd_usage_error(args->entry, "--param wants NAME=VALUE without spaces, "
					       "not '%s'", v);
	}
	for (int i = 0; i < nprogs; i++)
		if (!path_has_suffix(progs[i], ".c") || !is_file(progs[i]))
			return cmd_usage_error(args->entry, "--prog wants a C file to build for the "
					       "guest, not '%s'", progs[i]);
	for (int j = 0; j < nmodules; j++) {
		int found = 0;

		for (int i = 0; i < npaths && !found; i++)
			found = declares(&decl[i], modules[j]);
		if (!found)
			return cmd_usage_error(args->entry, "--module '%s': no folder given declares "
					       "it in its obj-m ('lab run FOLDER' lists what one "
					       "declares)", modules[j]);
	}
	/* Folders of many modules: say which before building anything. */
	for (int i = 0; i < npaths; i++) {
		int picked = 0;

		for (int j = 0; j < nmodules; j++)
			picked |= declares(&decl[i], modules[j]);
		if (decl[i].n > 1 && !picked)
			return list_modules(paths[i], decl[i].names, decl[i].n);
	}
	if (args_has(args, "shell")) {
		have_tty = tcgetattr(0, &saved) == 0;
		if (!have_tty || !isatty(1))
			return cmd_usage_error(args->entry, "--shell needs a terminal");
		vo.console_tty = 1;
	}
	/* The lab VM comes up while the modules build. */
	if (lab_open(&lab, &vo) < 0)
		return CMD_ERROR;
	if (lab_start(&lab) < 0)
		goto out;
	r = build_all(&lab, paths, decl, npaths, modules, nmodules, &plan);
	if (r != CMD_OK)
		goto out;
	r = CMD_ERROR;
	if (assign_params(args, &plan))
		goto out;
	for (int i = 0; i < nprogs; i++) {
		char *base = path_basename(progs[i]);
		struct kbuild_result *pr;
		int br;

		base[strlen(base) - 2] = '\0';
		plan.progs = xrealloc(plan.progs, (plan.nprogs + 1) * sizeof(*plan.progs));
		pr = &plan.progs[plan.nprogs++];
		br = build_program(progs[i], base, pr);
		free(base);
		if (br != 0) {
			if (br == 1)
				r = build_failed(progs[i], &pr->log);
			goto out;
		}
	}
	t_boot = now_ms();
	if (lab_ready(&lab) < 0)
		goto out;
	for (size_t i = 0; i < plan.nprogs; i++) {
		char *guest = xasprintf("/lab/%s", plan.progs[i].name);

		if (vm_put_file(&lab.vm, guest, plan.progs[i].ko, 0755) != VM_OK) {
			free(guest);
			goto out;
		}
		printf("lab: %s is in the guest as %s\n", progs[i], guest);
		free(guest);
	}
	t_run = now_ms();
	/* Load in order; stop at the first that does not load cleanly. */
	while (loaded < plan.n && all_in) {
		struct lab_mod *m = &plan.mods[loaded++];

		if (modrun_load(&lab.vm, m->ko, m->name, m->params.len ? m->params.buf : NULL,
				timeout_ms, &m->mr) < 0)
			goto out;
		m->ran = 1;
		show_new_log(m);
		all_in = m->mr.loaded && m->mr.verdict == MODRUN_OK;
	}
	if (all_in) {
		failed_execs = run_execs(&lab, execs, nexecs, timeout_ms);
		if (args_has(args, "shell")) {
			printf("lab: a root shell in the lab VM with %s loaded; 'exit' unloads "
			       "and gives the verdict.\n", plan.n == 1 ? plan.mods[0].name
								     : "the modules");
			fflush(stdout);
			if (vm_console_shell(&lab) != CMD_OK)
				bad = 1;
			tcsetattr(0, TCSAFLUSH, &saved);
			printf("\n");
		}
	}
	/* Unload in reverse. */
	for (size_t i = loaded; i-- > 0;) {
		struct lab_mod *m = &plan.mods[i];

		if (m->mr.loaded && modrun_unload(&lab.vm, m->name, timeout_ms, &m->mr) < 0)
			goto out;
		show_new_log(m);
	}
	{
		struct strbuf all = STRBUF_INIT;
		char *what = xasprintf("lab run %s%s", paths[0], npaths > 1 ? " ..." : "");

		vm_dmesg(&lab.vm, &all);
		save_last_dmesg(what, &all, NULL);
		free(what);
		strbuf_release(&all);
	}
	{
		char *times = xasprintf("(build %.1f s%s, then the lab VM %s %.1f s, load and "
					"capture %.1f s)", (double)plan.build_ms / 1000,
					plan.cached ? " cached" : "",
					lab.restored ? "restored" : "booted",
					(double)(t_run - t_boot) / 1000,
					(double)(now_ms() - t_run) / 1000);

		for (size_t i = 0; i < plan.n; i++)
			bad |= verdict_line(&plan.mods[i], times);
		free(times);
	}
	if (failed_execs)
		printf("lab: %d of %d --exec commands failed (their exit status is above)\n",
		       failed_execs, nexecs);
	bad |= failed_execs;
	r = bad ? CMD_FAIL : CMD_OK;
out:
	if (have_tty)
		tcsetattr(0, TCSAFLUSH, &saved);
	lab_close(&lab);
	plan_release(&plan);
	return r;
}

/* lab run PATH...: each folder's obj-m read once, for every step that asks. */
static int lab_run(struct cmd_ctx *ctx, const struct cmd_args *args, char **paths, int npaths)
{
	struct obj_m *decl = xcalloc((size_t)npaths, sizeof(*decl));
	int r;

	for (int i = 0; i < npaths; i++)
		if (is_dir(paths[i]))
			kbuild_declared(paths[i], &decl[i].names, &decl[i].n);
	r = lab_run_folders(ctx, args, paths, decl, npaths);
	for (int i = 0; i < npaths; i++)
		free_names(decl[i].names, decl[i].n);
	free(decl);
	return r;
}

static int lab_run_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	/* An exercise's id, where no such file is: your copy of it. */
	char **paths = xcalloc((size_t)args->argc, sizeof(*paths));
	int r;

	for (int i = 0; i < args->argc; i++) {
		const char *path = args->argv[i];
		char *ws = NULL;

		if (access(path, F_OK) < 0 && !strchr(path, '/')) {
			struct course *c = ctx_course(ctx);
			const struct exercise *ex = c ? course_exercise(c, path) : NULL;

			if (ex && ex->kind == EXERCISE_MODULE && is_dir((ws = workspace_dir(ex))))
				path = ws;
		}
		paths[i] = xstrdup(path);
		free(ws);
	}
	r = lab_run(ctx, args, paths, args->argc);
	free_names(paths, (size_t)args->argc);
	return r;
}

static int lab_prepare_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct vm_options vo = { .accel = ctx->accel };

	(void)args;
	return lab_prepare(&vo) < 0 ? CMD_ERROR : CMD_OK;
}

static const struct cmd_entry lab_run_entry = {
	.name = "run",
	.usage = "PATH|EXERCISE... [--module NAME]... [--param [MODULE.]NAME=VALUE]... "
		 "[--exec COMMAND]... [--prog FILE.c]... [--shell] [--append ARGS] [--mem MB] "
		 "[--timeout SECONDS]",
	.summary = "load modules into the lab VM and show what they printed",
	.complete = COMPLETE_FILE,
	.options = (const struct cmd_option[]){
		{ .name = "module", .takes_value = 1, .repeatable = 1 },
		{ .name = "param", .takes_value = 1, .repeatable = 1 },
		{ .name = "exec", .takes_value = 1, .repeatable = 1 },
		{ .name = "prog", .takes_value = 1, .repeatable = 1, .complete = COMPLETE_FILE },
		{ .name = "shell" },
		{ .name = "append", .takes_value = 1 },
		{ .name = "mem", .takes_value = 1 },
		{ .name = "timeout", .takes_value = 1 },
		{ 0 },
	},
	.min_args = 1,
	.max_args = CMD_ARGS_ANY,
	.args_error = "name a module: a source directory, a .c file or a .ko (several load in "
		      "order)",
	.parent = &cmd_lab,
	.exec = lab_run_exec,
};

static const struct cmd_entry lab_prepare_entry = {
	.name = "prepare",
	.usage = "",
	.summary = "build ahead what checks would build on first use",
	.complete = COMPLETE_NONE,
	.parent = &cmd_lab,
	.exec = lab_prepare_exec,
};

const struct cmd_entry cmd_lab = {
	.name = "lab",
	.alias = NULL,
	.summary = "load any module into the lab VM and show what it printed",
	.help = "Builds each PATH against the lab kernel if needed (a directory with a\n"
		"Kbuild file or an obj-m Makefile, a single .c file, or a built .ko),\n"
		"boots the lab VM, loads the modules in order, unloads them in reverse,\n"
		"and prints their kernel log lines and one status line per module.  A\n"
		"panic, an oops or BUG (a slub_debug report too), a soft lockup, a hang\n"
		"(--timeout, default 30 s for each of load and unload) or a flood of log\n"
		"lines ends the run with a verdict saying so.  An exercise's id (where no\n"
		"such file is) means your copy of it.\n\n"
		"A folder is built as its own make would build it: what its sources reach\n"
		"with '../' is copied along (into the cache: your tree is not written).\n"
		"A folder whose obj-m declares several modules is listed, before anything\n"
		"is built, unless --module names the ones to build and load, in order.\n"
		"A later module may use an earlier one's exports.\n\n"
		"While the modules are loaded, each --exec COMMAND runs in the guest (busybox\n"
		"sh, in order, with its output and exit status), and --shell gives the `vm`\n"
		"shell on this terminal; leaving it unloads them.  --prog FILE.c builds a\n"
		"static program into /lab for them to run.  --param NAME=VALUE goes to the\n"
		"only module, MODULE.NAME=VALUE to one of several.  --append adds to the\n"
		"lab kernel's command line, --mem sets the guest's memory in MB (default\n"
		"256); such a VM boots afresh.\n\n"
		"Exit status: 0 every module loaded and unloaded cleanly (and every --exec\n"
		"succeeded), 1 something failed, 2 usage or setup error.\n\n"
		"'lab prepare' builds ahead, into the cache, what checks would otherwise\n"
		"build on first use: the initramfs, the grader's probe and its guest\n"
		"programs ('make' runs it with KMEMLAB_CACHE=build/prebuilt).\n\n"
		"Examples:\n  lab run hello.c\n  lab run ./mymod --param count=3 --timeout 10\n"
		"  lab run slabcache --param size=60 --param count=150\n"
		"  lab run ~/guide/examples --module procfs1 --exec 'cat /proc/helloworld'\n"
		"  lab run ./lib ./user\n"
		"  lab run ./overflow --append slub_debug=FZPU",
	.complete = COMPLETE_NONE,
	.subcommands = (const struct cmd_entry *const[]){
		&lab_run_entry, &lab_prepare_entry, NULL,
	},
};
