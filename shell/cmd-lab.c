#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "modrun.h"
#include "session.h"

static int lab_run(struct cmd_ctx *ctx, const char *path, struct opt *opts)
{
	struct lab lab;
	struct kbuild_result b;
	struct vm_options vo = { .accel = ctx->accel };
	struct strbuf params = STRBUF_INIT;
	struct modrun mr;
	int timeout_ms = 30000, r = CMD_ERROR, restored;
	int64_t t0 = now_ms(), t_boot, t_run;

	for (int i = 0; i < opts[0].nvalues; i++) {
		const char *p = opts[0].values[i];

		if (!strchr(p, '=') || p[0] == '=' || strpbrk(p, " \t\n")) {
			strbuf_release(&params);
			return cmd_usage_error(&cmd_lab, "--param wants NAME=VALUE without spaces, "
					       "not '%s'", p);
		}
		strbuf_addf(&params, "%s%s", i ? " " : "", p);
	}
	if (opt_seconds(&cmd_lab, &opts[1], &timeout_ms)) {
		strbuf_release(&params);
		return CMD_ERROR;
	}
	/* The lab VM comes up while the module builds. */
	if (lab_open(&lab, &vo) < 0)
		goto out_params;
	if (lab_start(&lab) < 0)
		goto out_lab;
	{
		int br = kbuild_module(&lab.kernel, path, &b);

		if (br < 0) {
			kbuild_result_release(&b);
			goto out_lab;
		}
		if (br == 1) {
			fputs(strbuf_str(&b.log), stdout);
			printf("lab: %s: build failed\n", path);
			kbuild_result_release(&b);
			r = CMD_FAIL;
			goto out_lab;
		}
	}
	t_boot = now_ms();
	if (lab_ready(&lab) < 0)
		goto out_build;
	t_run = now_ms();
	if (modrun(&lab.vm, b.ko, b.name, params.len ? params.buf : NULL, timeout_ms, 1,
		   &mr) < 0)
		goto out_build;
	{
		struct strbuf all = STRBUF_INIT;
		char *what = xasprintf("lab run %s", path);

		vm_dmesg(&lab.vm, &all);
		save_last_dmesg(what, &all, NULL);
		free(what);
		strbuf_release(&all);
	}
	restored = lab.restored;
	lab_close(&lab);
	fputs(strbuf_str(&mr.log), stdout);
	if (mr.omitted)
		printf("lab: output cut at %d bytes: %llu more kernel log lines not shown\n",
		       MODRUN_LOG_CAP, (unsigned long long)mr.omitted);
	{
		/* A WARNING is the kernel objecting: not a clean run. */
		const char *w = mr.verdict == MODRUN_OK && mr.warned
					? strstr(strbuf_str(&mr.text), "WARNING: ") : NULL;
		char *reason = w ? xasprintf("loaded and unloaded, but the kernel logged %.*s",
					     (int)strcspn(w, "\n"), w)
				 : xstrdup(mr.reason);

		printf("lab: %s: %s (build %.1f s%s, then the lab VM %s %.1f s, load and "
		       "capture %.1f s)\n", b.name, reason, (double)(t_boot - t0) / 1000,
		       b.cached ? " cached" : b.fast ? " fast" : "", restored ? "restored" : "booted",
		       (double)(t_run - t_boot) / 1000, (double)(now_ms() - t_run) / 1000);
		free(reason);
		r = mr.verdict == MODRUN_OK && !w ? CMD_OK : CMD_FAIL;
	}
	modrun_release(&mr);
out_build:
	kbuild_result_release(&b);
out_lab:
	lab_close(&lab);
out_params:
	strbuf_release(&params);
	return r;
}

static int lab_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct opt opts[] = {
		{ .name = "param", .takes_value = 1 },
		{ .name = "timeout", .takes_value = 1 },
	};
	int r = opts_parse(&cmd_lab, &argc, argv, opts, 2);

	if (r == 0) {
		if (argc == 2 && !strcmp(argv[1], "prepare")) {
			struct vm_options vo = { .accel = ctx->accel };

			r = opts[0].seen || opts[1].seen
				    ? cmd_usage_error(&cmd_lab, "'lab prepare' takes no options")
				    : lab_prepare(&vo) < 0 ? CMD_ERROR : CMD_OK;
		} else if (argc < 2 || strcmp(argv[1], "run") != 0)
			r = cmd_usage_error(&cmd_lab, argc < 2 ? "say what to do: 'lab run PATH'"
							      : "unknown lab action: use 'run' or "
								"'prepare'");
		else if (argc != 3)
			r = cmd_usage_error(&cmd_lab, "name one module: a source directory, a "
					    ".c file or a .ko");
		else {
			/* An exercise's id, where no such file is: your copy of it. */
			const char *path = argv[2];
			char *ws = NULL;

			if (access(path, F_OK) < 0 && !strchr(path, '/')) {
				struct course *c = ctx_course(ctx);
				const struct exercise *ex = c ? course_exercise(c, path) : NULL;

				if (ex && ex->kind == EXERCISE_MODULE && is_dir((ws = workspace_dir(ex))))
					path = ws;
			}
			r = lab_run(ctx, path, opts);
			free(ws);
		}
	}
	opts_release(opts, 2);
	return r;
}

const struct cmd_entry cmd_lab = {
	.name = "lab",
	.alias = NULL,
	.usage = "run PATH|EXERCISE [--param NAME=VALUE]... [--timeout SECONDS] | prepare",
	.summary = "load any module into the lab VM and show what it printed",
	.help = "Builds PATH against the lab kernel if needed (a directory with a\n"
		"Kbuild file or an obj-m Makefile, a single .c file, or a built .ko),\n"
		"boots the lab VM, loads the module with the parameters, unloads it, and\n"
		"prints its kernel log lines and a status line.  A panic, an oops, a soft\n"
		"lockup, a hang (--timeout, default 30 s for each of load and unload) or\n"
		"a flood of log lines ends the run with a verdict saying so.  An\n"
		"exercise's id (where no such file is) means your copy of it.\n\n"
		"Exit status: 0 loaded and unloaded cleanly, 1 the module failed, 2 usage\n"
		"or setup error.\n\n"
		"'lab prepare' builds ahead, into the cache, what checks would otherwise\n"
		"build on first use: the initramfs, the grader's probe and its guest\n"
		"programs ('make' runs it with KMEMLAB_CACHE=build/prebuilt).\n\n"
		"Examples:\n  lab run hello.c\n  lab run ./mymod --param count=3 --timeout 10\n"
		"  lab run slabcache --param size=60 --param count=150",
	.complete = COMPLETE_FILE,
	.subcommands = (const char *const[]){ "run", "prepare", NULL },
	.exec = lab_exec,
};
