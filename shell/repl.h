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

#endif
