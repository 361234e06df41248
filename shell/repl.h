/*
 * The tutor shell: read a line, split it into words, run the command.
 * On a terminal it uses libedit (history, ~/.editrc, tab completion from
 * the command table); otherwise it reads plain lines without a prompt, so
 * `kmemlab < script` works.
 */
#ifndef KMEMLAB_REPL_H
#define KMEMLAB_REPL_H

#include "cmd.h"

/* Returns the status of the last command (for scripts), 0 after quit. */
int repl_run(struct cmd_ctx *ctx);
/*
 * What word argv[cur] of a command line completes to (cur == argc: a new
 * word), read from the command table: command names, subcommands, option
 * names, an option's values or what its value completes to, then what the
 * command's arguments complete to.  A NULL-ended array, each word and the
 * array allocated; NULL when there is nothing.
 */
char **repl_completions(struct cmd_ctx *ctx, int argc, const char *const *argv, int cur);

#endif
