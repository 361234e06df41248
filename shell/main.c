/*
 * kmemlab: with no command, the tutor shell; with one, that command run
 * once (kmemlab check ksize --json).  Global options come first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "paths.h"
#include "repl.h"

#ifndef KMEMLAB_VERSION
#define KMEMLAB_VERSION "unknown"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kmemlab [--home DIR] [--db FILE] [--course DIR] [--accel tcg|kvm|auto]\n"
		"               [COMMAND [ARGS]]\n"
		"       kmemlab --help | --version\n\n"
		"With no COMMAND, opens the tutor shell (or, when standard input is not\n"
		"a terminal, runs the commands it reads from there).\n\n"
		"Options (before the command):\n"
		"  --home DIR       keep all of a learner's state under DIR (KMEMLAB_HOME)\n"
		"  --db FILE        the SQLite database to use (KMEMLAB_DB)\n"
		"  --course DIR     teach the course pack in DIR (KMEMLAB_COURSE; default the\n"
		"                   course kmemlab ships)\n"
		"  --accel tcg|kvm|auto  how QEMU runs the lab VM (KMEMLAB_ACCEL; default auto:\n"
		"                   KVM where it was seen to work on this host, else TCG)\n"
		"  -h, --help       this text\n"
		"  --version        the version\n\n"
		"Commands (a unique prefix is enough):\n");
	for (int i = 0; i < cmd_count; i++) {
		const struct cmd_entry *c = cmd_table[i];

		fprintf(f, "  %-10s %s", c->name, c->summary);
		if (c->alias)
			fprintf(f, " (alias: %s)", c->alias);
		fputc('\n', f);
	}
	fprintf(f, "\nExit status: 0 success (a check passed), 1 the learner's work failed,\n"
		   "2 a usage or setup error.  'kmemlab help COMMAND' explains one command;\n"
		   "man kmemlab describes all of them, the environment and the files.\n");
}

int main(int argc, char **argv)
{
	struct cmd_ctx ctx = { 0 };
	const char *home = NULL, *db = NULL, *course = NULL;
	const char *nc = getenv("NO_COLOR");
	int i, r;

	ctx.accel = getenv("KMEMLAB_ACCEL");
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		const char **target = NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--version")) {
			printf("kmemlab %s\n", KMEMLAB_VERSION);
			return 0;
		}
		if (!strcmp(a, "--home"))
			target = &home;
		else if (!strcmp(a, "--db"))
			target = &db;
		else if (!strcmp(a, "--accel"))
			target = &ctx.accel;
		else if (!strcmp(a, "--course"))
			target = &course;
		if (!target) {
			fprintf(stderr, "kmemlab: error: unknown option '%s'\n", a);
			usage(stderr);
			return CMD_ERROR;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "kmemlab: error: option '%s' needs a value\n", a);
			return CMD_ERROR;
		}
		*target = argv[++i];
	}
	if (ctx.accel && *ctx.accel && strcmp(ctx.accel, "tcg") && strcmp(ctx.accel, "kvm") &&
	    strcmp(ctx.accel, "auto")) {
		fprintf(stderr, "kmemlab: error: unknown accelerator '%s': use tcg, kvm or auto\n",
			ctx.accel);
		return CMD_ERROR;
	}
	paths_init(home, db);
	if (course) {
		free(paths.course);
		paths.course = path_make_absolute(course);
	}
	ctx.color = isatty(1) && !(nc && *nc);
	if (i == argc) {
		r = repl_run(&ctx);
	} else {
		r = cmd_dispatch(&ctx, argc - i, argv + i);
		if (r == CMD_EXIT)
			r = 0;
	}
	ctx_release(&ctx);
	return r;
}
