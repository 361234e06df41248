#include "tutor.h"

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

int tutor_show_lesson(struct cmd_ctx *ctx, const struct lesson *l)
{
	struct strbuf md = STRBUF_INIT, sb = STRBUF_INIT;
	int r;

	if (read_file(l->text_path, &md, 4 << 20) < 0) {
		error("cannot read lesson text '%s': %s", l->text_path, strerror(errno));
		strbuf_release(&md);
		return -1;
	}
	if (!starts_with_heading(strbuf_str(&md))) {
		struct strbuf head = STRBUF_INIT;

		strbuf_addf(&head, "# Lesson %d: %s\n\n", l->number, l->title);
		render_markdown(head.buf, head.len, render_width(STDOUT_FILENO), ctx->color, &sb);
		strbuf_release(&head);
	}
	render_markdown(strbuf_str(&md), md.len, render_width(STDOUT_FILENO), ctx->color, &sb);
	for (int i = 0; i < l->nexercises; i++) {
		const struct exercise *ex = &l->exercises[i];
		char *dir = workspace_dir(ex);

		strbuf_addf(&sb, "\nExercise '%s': %s\n  your file: %s/%s\n  then type: check%s%s\n",
			    ex->id, ex->title, dir, ex->file, ctx->interactive ? "" : " ",
			    ctx->interactive ? "" : ex->id);
		free(dir);
	}
	r = pager_print(strbuf_str(&sb), sb.len);
	strbuf_release(&sb);
	strbuf_release(&md);
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
