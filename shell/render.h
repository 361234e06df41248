/*
 * Lesson text for the terminal: Markdown parsed by md4c and laid out for a
 * given width, with ANSI styles or as plain text.
 *
 * What each element becomes:
 *
 *   # heading        bold, magenta, with a line of '=' under it
 *   ## heading       bold, yellow, with a line of '-' under it
 *   ### and deeper   bold
 *   *em* **strong**  italic, bold (plain: the text alone)
 *   `code`           cyan (plain: kept in backquotes)
 *   code blocks      indented four columns, cyan, never wrapped
 *   lists            bullets or numbers with a hanging indent, nested
 *   > quote          a bar (plain: "> ") before every line
 *   [text](url)      the text, then " (url)" when the url is not the text
 *   tables           columns aligned, cells wrapped when the table is wide
 *
 * Paragraphs are wrapped to the width; a word longer than a line is cut.
 * Without color the output holds no escape sequence at all, and control
 * characters in the source are shown in caret form (^[), so a lesson can
 * never drive the terminal.  No input is an error: text md4c does not
 * understand comes out as it is.
 */
#ifndef KMEMLAB_RENDER_H
#define KMEMLAB_RENDER_H

#include <stddef.h>

#include "util.h"

/* The narrowest and widest text render_width() gives. */
#define RENDER_MIN_WIDTH 40
#define RENDER_MAX_WIDTH 100

/*
 * Columns to wrap text to: $COLUMNS when it is a number, else the width of
 * the terminal on fd, else 80; then kept within RENDER_MIN_WIDTH and
 * RENDER_MAX_WIDTH (long lines are hard to read, and a very narrow
 * terminal still gets readable paragraphs).
 */
int render_width(int fd);

/*
 * Append md (len bytes of Markdown, GitHub dialect: tables, strikethrough,
 * task lists) rendered for a terminal width columns wide to out, every
 * line ending in '\n'.  color: ANSI styles; 0: plain text.
 */
void render_markdown(const char *md, size_t len, int width, int color, struct strbuf *out);

/*
 * How many columns text takes on a terminal: UTF-8 characters, not bytes,
 * and escape sequences (ESC [ ... letter) take none.
 */
int render_text_width(const char *s, size_t len);

#endif
