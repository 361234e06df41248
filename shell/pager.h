/*
 * Long text through a pager, the way git and man do it.
 *
 * pager_print() writes text to stdout.  When stdout is a terminal and the
 * text is taller than it, the text goes through $PAGER instead (run with
 * sh -c, so it may carry options); with PAGER unset that is "less -R",
 * and LESS defaults to FRX as in git: quit when the text fits, pass
 * colours through, and leave the text on the screen afterwards.  PAGER
 * set to "" or "cat" means no pager.  A pager that cannot be started or
 * is not found leaves a warning and the text printed directly.
 *
 * While the pager runs kmemlab ignores SIGINT and SIGQUIT (they are the
 * pager's to handle), and the terminal's modes are put back as they were
 * when it ends, whatever the pager did, so the shell's line editor finds
 * the terminal as it left it.
 */
#ifndef KMEMLAB_PAGER_H
#define KMEMLAB_PAGER_H

#include <stddef.h>

/* Returns 0, or -1 when stdout could not be written (reported). */
int pager_print(const char *text, size_t len);

/*
 * Screen rows text takes on a terminal cols columns wide: each line at
 * least one, long lines as many as the terminal wraps them into.
 */
int pager_rows(const char *text, size_t len, int cols);

#endif
