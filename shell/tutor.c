#include "tutor.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pager.h"
#include "render.h"

int tutor_prepare_workspace(const struct exercise *ex, char **path, int *created)
{
	char *dir = workspace_dir(ex);
	char *file = path_join(dir, ex->file);

	*created = 0;
	*path = file;
	if (is_file(file)) {
		free(dir);
		return 0;
	}
	if (copy_tree(ex->skeleton, dir) < 0) {
		free(dir);
		return -1;
	}
	*created = 1;
	free(dir);
	return 0;
}

/* Does the Markdown begin with a heading of its own? */
static int starts_with_heading(const char *md)
{
	md += strspn(md, " \t\r\n");
	return *md == '#';
}

/* Add s to md as literal text: every ASCII punctuation mark escaped. */
static void md_add_literal(struct strbuf *md, const char *s)
{
	for (; *s; s++) {
		if (ispunct((unsigned char)*s))
			strbuf_addch(md, '\\');
		strbuf_addch(md, *s);
	}
}

/*
 * The lesson as Markdown: its text (under a heading made from its title
 * when it has none) and, for each exercise, where the file is and what to
 * type, the paths in a code block so that they are never cut.
 */
int tutor_show_lesson(struct cmd_ctx *ctx, const struct lesson *l)
{
	struct strbuf text = STRBUF_INIT, md = STRBUF_INIT, out = STRBUF_INIT;
	int r;

	if (read_file(l->text_path, &text, 4 << 20) < 0) {
		error("cannot read lesson text '%s': %s", l->text_path, strerror(errno));
		strbuf_release(&text);
		return -1;
	}
	if (!starts_with_heading(strbuf_str(&text))) {
		strbuf_addf(&md, "# Lesson %d: ", l->number);
		md_add_literal(&md, l->title);
		strbuf_addstr(&md, "\n\n");
	}
	strbuf_add(&md, strbuf_str(&text), text.len);
	for (int i = 0; i < l->nexercises; i++) {
		const struct exercise *ex = &l->exercises[i];
		char *dir = workspace_dir(ex);

		strbuf_addstr(&md, "\n\n**Exercise '");
		md_add_literal(&md, ex->id);
		strbuf_addstr(&md, "'**: ");
		md_add_literal(&md, ex->title);
		strbuf_addf(&md, "\n\n    your file: %s/%s\n", dir, ex->file);
		if (ctx->interactive)
			strbuf_addstr(&md, "    then type: answer   (the questions above, one by one)\n"
					   "               edit     (your file, in $VISUAL or $EDITOR)\n"
					   "               check    (or watch: check on every save)\n"
					   "               hint     (when stuck; each hint says more)\n");
		else
			strbuf_addf(&md, "    then type: kmemlab check %s\n", ex->id);
		free(dir);
	}
	render_markdown(strbuf_str(&md), md.len, render_width(STDOUT_FILENO), ctx->color, &out);
	r = pager_print(strbuf_str(&out), out.len);
	strbuf_release(&out);
	strbuf_release(&md);
	strbuf_release(&text);
	return r;
}

const char *tutor_lesson_status(struct cmd_ctx *ctx, const struct lesson *l)
{
	struct store *st = ctx_store(ctx);
	struct store_progress *rows;
	int n, attempted = 0, passed = 0;

	if (!st || store_progress(st, &rows, &n) < 0)
		return "?";
	for (int i = 0; i < l->nexercises; i++)
		for (int j = 0; j < n; j++)
			if (!strcmp(rows[j].exercise, l->exercises[i].id)) {
				attempted++;
				passed += rows[j].passed;
			}
	store_progress_free(rows, n);
	if (l->nexercises && passed == l->nexercises)
		return "passed";
	return attempted ? "in progress" : "new";
}

int tutor_begin_lesson(struct cmd_ctx *ctx, const struct lesson *l)
{
	struct store *st = ctx_store(ctx);

	if (!st || store_set_state(st, "lesson", l->id) < 0)
		return -1;
	for (int i = 0; i < l->nexercises; i++) {
		char *path;
		int created;

		if (tutor_prepare_workspace(&l->exercises[i], &path, &created) < 0)
			return -1;
		if (created)
			printf("Copied the skeleton of '%s' to %s\n\n", l->exercises[i].id, path);
		free(path);
	}
	return tutor_show_lesson(ctx, l);
}

