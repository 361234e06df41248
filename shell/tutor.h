/* Helpers shared by the lesson commands (start, show, lessons). */
#ifndef KMEMLAB_TUTOR_H
#define KMEMLAB_TUTOR_H

#include "cmd.h"

/* Print the lesson's text and what to do next. */
int tutor_show_lesson(struct cmd_ctx *ctx, const struct lesson *l);
/*
 * Make l the current lesson, copy its skeletons into the workspace (never
 * over a copy already there) and show it.
 */
int tutor_begin_lesson(struct cmd_ctx *ctx, const struct lesson *l);
/* Copy the skeleton into the workspace unless a copy is already there. */
int tutor_prepare_workspace(const struct exercise *ex, char **path, int *created);
/* "passed", "in progress" or "new" for a lesson, from the store. */
const char *tutor_lesson_status(struct cmd_ctx *ctx, const struct lesson *l);

#endif
