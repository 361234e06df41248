#include "tutor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int tutor_show_lesson(struct cmd_ctx *ctx, const struct lesson *l)
{
	struct strbuf sb = STRBUF_INIT;

	(void)ctx;
	if (read_file(l->text_path, &sb, 4 << 20) < 0)
		return error("cannot read lesson text '%s': %s", l->text_path, strerror(errno));
	printf("Lesson %d: %s\n\n%s", l->number, l->title, strbuf_str(&sb));
	if (sb.len && sb.buf[sb.len - 1] != '\n')
		putchar('\n');
	for (int i = 0; i < l->nexercises; i++) {
		const struct exercise *ex = &l->exercises[i];
		char *dir = workspace_dir(ex);

		printf("\nExercise '%s': %s\n  your file: %s/%s\n  then type: check%s%s\n", ex->id,
		       ex->title, dir, ex->file, ctx->interactive ? "" : " ",
		       ctx->interactive ? "" : ex->id);
		free(dir);
	}
	strbuf_release(&sb);
	return 0;
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

int tutor_current_index(struct cmd_ctx *ctx)
{
	struct course *c = ctx_course(ctx);
	struct store *st = c ? ctx_store(ctx) : NULL;
	char *cur = NULL;
	int at = -1;

	if (!st || store_get_state(st, "lesson", &cur) < 0)
		return -2;
	for (int i = 0; cur && i < c->nlessons; i++)
		if (!strcmp(c->lessons[i].id, cur))
			at = i;
	free(cur);
	return at;
}
