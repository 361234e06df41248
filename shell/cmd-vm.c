#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "vm.h"

static int vm_cmd_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct opt opts[] = { { .name = "timeout", .takes_value = 1 } };
	struct vm_options vo = { .accel = ctx->accel };
	struct strbuf script = STRBUF_INIT;
	struct lab_kernel k = { 0 };
	struct vm_exec ex;
	struct vm vm;
	int timeout_ms = 60000, r = opts_parse(&cmd_vm, &argc, argv, opts, 1);

	if (r)
		goto out;
	r = CMD_ERROR;
	if (opt_seconds(&cmd_vm, &opts[0], &timeout_ms))
		goto out;
	if (argc < 2) {
		r = cmd_usage_error(&cmd_vm, "give the command to run in the lab VM");
		goto out;
	}
	for (int i = 1; i < argc; i++)
		strbuf_addf(&script, "%s%s", i > 1 ? " " : "", argv[i]);
	if (vm_boot_lab(&vm, &k, &vo) < 0)
		goto out;
	switch (vm_sh(&vm, script.buf, timeout_ms, 1 << 20, &ex)) {
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
	vm_shutdown(&vm);
out:
	lab_kernel_release(&k);
	strbuf_release(&script);
	opts_release(opts, 1);
	return r;
}

const struct cmd_entry cmd_vm = {
	.name = "vm",
	.alias = NULL,
	.usage = "[--timeout SECONDS] COMMAND...",
	.summary = "run a shell command in a fresh lab VM and show its output",
	.help = "Boots the lab VM, runs COMMAND with busybox sh as root (/proc, /sys,\n"
		"tracefs, debugfs and the cgroup2 hierarchy are mounted), prints what it\n"
		"wrote and exits with its status (1 if it failed or timed out, default\n"
		"limit 60 s).  Quote the command when it holds shell syntax.\n\n"
		"Examples:\n  vm cat /proc/meminfo\n  vm 'ls /sys/kernel/slab | grep kmalloc'",
	.complete = COMPLETE_NONE,
	.exec = vm_cmd_exec,
};
