#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cmd.h"
#include "lab.h"
#include "session.h"

#define SHELL_LIMIT_MS (24 * 3600 * 1000)

/*
 * Build the learner's modules (the exercises they have a copy of) and put
 * each that builds into the guest's /lab.  A module that does not build is
 * named and skipped.
 */
static int put_modules(struct cmd_ctx *ctx, struct lab *lab, int quiet)
{
	struct course *c = ctx_course(ctx);
	struct kbuild_result *built = NULL;
	size_t nbuilt = 0;
	int ret = 0;

	for (int i = 0; c && i < c->nlessons; i++)
		for (int j = 0; j < c->lessons[i].nexercises; j++) {
			const struct exercise *ex = &c->lessons[i].exercises[j];
			struct kbuild_result b = { 0 };
			char *dir = workspace_dir(ex);

			if (ex->kind == EXERCISE_MODULE && is_dir(dir)) {
				int r = kbuild_module(&lab->kernel, dir, &b);

				if (r == 0 && b.ok) {
					built = xrealloc(built, (nbuilt + 1) * sizeof(*built));
					built[nbuilt++] = b;
				} else {
					if (r == 1)
						fprintf(quiet ? stderr : stdout,
							"  (your '%s' does not build: 'check %s' "
							"says why)\n", ex->id, ex->id);
					kbuild_result_release(&b);
				}
			}
			free(dir);
		}
	/* Built while the VM came up; now it must answer. */
	if (lab_ready(lab) < 0)
		ret = -1;
	for (size_t i = 0; i < nbuilt; i++) {
		char *guest = xasprintf("/lab/%s.ko", built[i].name);

		if (!ret && vm_put_file(&lab->vm, guest, built[i].ko, 0644) == VM_OK && !quiet)
			printf("  %s\n", guest);
		free(guest);
		kbuild_result_release(&built[i]);
	}
	free(built);
	return ret;
}

int vm_console_shell(struct lab *lab)
{
	struct winsize ws = { 0 };
	struct vm_exec ex;
	char *script;
	int st, r = CMD_ERROR;

	/* A serial line has no size of its own: give it the terminal's. */
	if (ioctl(1, TIOCGWINSZ, &ws) < 0 || !ws.ws_row || !ws.ws_col)
		ws = (struct winsize){ .ws_row = 24, .ws_col = 80 };
	script = xasprintf("mkdir -p /lab; cd /lab; export PS1='lab-vm:\\w# ' HOME=/lab; "
			   "stty rows %d cols %d </dev/ttyS0; "
			   /*
			    * In a subshell it is no group leader, so setsid need not
			    * fork (and, unlike '&', Ctrl-C is not ignored).
			    */
			   "(exec setsid -c sh -i </dev/ttyS0 >/dev/ttyS0 2>&1); true",
			   ws.ws_row, ws.ws_col);
	st = vm_exec(&lab->vm, (const char *const[]){ "/bin/sh", "-c", script, NULL },
		     SHELL_LIMIT_MS, 1 << 16, &ex);
	free(script);
	if (st == VM_OK) {
		vm_exec_release(&ex);
		r = CMD_OK;
	} else if (st == VM_DEAD) {
		error("the lab VM stopped (a panic?): start a new one with 'vm'");
		r = CMD_FAIL;
	}
	return r;
}

/* A busybox shell on the guest's console, which is this terminal. */
static int vm_interactive(struct cmd_ctx *ctx, struct vm_options vo)
{
	struct lab lab = { 0 };
	struct termios saved;
	int have_tty = tcgetattr(0, &saved) == 0, r = CMD_ERROR;

	if (!have_tty || !isatty(1)) {
		error("'vm' without a command needs a terminal: give the command to run "
		      "(vm COMMAND...)");
		return CMD_ERROR;
	}
	vo.console_tty = 1;
	printf("Building your modules and booting the lab VM...\n");
	fflush(stdout);
	if (lab_open(&lab, &vo) < 0 || lab_start(&lab) < 0)
		goto out;
	if (put_modules(ctx, &lab, 0) < 0)
		goto out;
	printf("A root shell in the lab VM (kernel %s).  Your modules are in /lab:\n"
	       "'insmod /lab/NAME.ko', 'dmesg', 'cat /proc/slabinfo'.  'exit' or Ctrl-D\n"
	       "returns to kmemlab; Ctrl-C goes to the lab VM.\n",
	       lab.vm.release ? lab.vm.release : lab.kernel.release);
	fflush(stdout);
	r = vm_console_shell(&lab);
	lab_close(&lab);
	printf("\nBack in kmemlab.\n");
out:
	lab_close(&lab);
	/* QEMU had the terminal raw, and a failed boot killed it: put it back. */
	tcsetattr(0, TCSAFLUSH, &saved);
	interrupted = 0;
	return r;
}

static int vm_cmd_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct vm_options vo = { .accel = ctx->accel };
	struct strbuf script = STRBUF_INIT;
	struct lab lab = { 0 };
	struct vm_exec ex;
	int timeout_ms = 60000, r = CMD_ERROR;

	if (args_seconds(args, "timeout", &timeout_ms) || args_vm(args, &vo))
		goto out;
	if (!args->argc) {
		if (args_has(args, "timeout")) {
			r = cmd_usage_error(&cmd_vm, "--timeout needs a command to limit");
			goto out;
		}
		r = vm_interactive(ctx, vo);
		goto out;
	}
	for (int i = 0; i < args->argc; i++)
		strbuf_addf(&script, "%s%s", i ? " " : "", args->argv[i]);
	/* Your modules in /lab here too, so a command can load them. */
	if (lab_open(&lab, &vo) < 0 || lab_start(&lab) < 0 || put_modules(ctx, &lab, 1) < 0)
		goto out;
	switch (vm_sh(&lab.vm, script.buf, timeout_ms, 1 << 20, &ex)) {
	case VM_OK:
		fputs(strbuf_str(&ex.out), stdout);
		fputs(strbuf_str(&ex.err), stderr);
		if (ex.truncated)
			fprintf(stderr, "kmemlab: output cut at 1 MiB\n");
		if (ex.timed_out)
			error("'%s' did not finish within %d s", script.buf, timeout_ms / 1000);
		r = ex.timed_out || ex.signal || ex.status ? CMD_FAIL : CMD_OK;
		vm_exec_release(&ex);
		break;
	case VM_ERROR:
		break;
	default:
		error("the lab VM stopped answering while running '%s'", script.buf);
		r = CMD_FAIL;
	}
out:
	lab_close(&lab);
	strbuf_release(&script);
	return r;
}

const struct cmd_entry cmd_vm = {
	.name = "vm",
	.alias = NULL,
	.usage = "[--append ARGS] [--mem MB] [[--timeout SECONDS] COMMAND...]",
	.summary = "a shell in a fresh lab VM, or run one command there",
	.help = "Starts a fresh lab VM with the modules of your exercises built and put\n"
		"in /lab.  With no COMMAND, gives you a root busybox shell on its console;\n"
		"'exit' returns to kmemlab.  With COMMAND, runs it with busybox sh as root\n"
		"(/proc, /sys, tracefs, debugfs and the cgroup2 hierarchy are mounted),\n"
		"prints what it wrote and exits with its status (1 if it failed or timed\n"
		"out, default limit 60 s).  Quote the command when it holds shell syntax.\n"
		"--append adds arguments to the lab kernel's command line and --mem sets\n"
		"the guest's memory in MB (default 256); such a VM boots afresh.\n\n"
		"Examples:\n  vm\n  vm cat /proc/meminfo\n"
		"  vm 'insmod /lab/slabcache_ex.ko count=5; ls /sys/kernel/slab | grep slabcache'\n"
		"  vm --append slub_debug=FZPU --mem 512 cat /proc/cmdline",
	.complete = COMPLETE_NONE,
	.options = (const struct cmd_option[]){
		{ .name = "append", .takes_value = 1 },
		{ .name = "mem", .takes_value = 1 },
		{ .name = "timeout", .takes_value = 1 },
		{ 0 },
	},
	.max_args = CMD_ARGS_ANY,
	.exec = vm_cmd_exec,
};
