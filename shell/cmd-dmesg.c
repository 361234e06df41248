#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "paths.h"

static int dmesg_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct strbuf sb = STRBUF_INIT;

	(void)ctx;
	(void)args;
	if (read_file(paths.last_dmesg, &sb, 8 << 20) < 0) {
		if (errno == ENOENT)
			error("no kernel log yet: 'check' and 'lab run' keep the last run's log");
		else
			error("cannot read '%s': %s", paths.last_dmesg, strerror(errno));
		strbuf_release(&sb);
		return CMD_ERROR;
	}
	fputs(strbuf_str(&sb), stdout);
	strbuf_release(&sb);
	return CMD_OK;
}

const struct cmd_entry cmd_dmesg = {
	.name = "dmesg",
	.alias = NULL,
	.usage = "",
	.summary = "show the kernel log of the last check or lab run",
	.help = "Prints the lab kernel's whole log from the last 'check' or 'lab run',\n"
		"from boot to the end of the run, with timestamps: your module's\n"
		"messages, the grader's probe and anything the kernel said about them.\n"
		"After a crash it is the console's last lines; after a check whose\n"
		"build failed, the whole compiler and linker output.  Where the grader\n"
		"graded trace events (devres_log), they follow the log.\n\n"
		"Examples:\n  dmesg\n  kmemlab dmesg | grep -i warn",
	.complete = COMPLETE_NONE,
	.exec = dmesg_exec,
};
