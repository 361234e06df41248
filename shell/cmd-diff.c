#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "run.h"

/* What a build or an editor leaves beside the sources. */
static const char *const not_sources[] = {
	"*.o", "*.ko", "*.mod", "*.mod.c", "*.cmd", "modules.order", "Module.symvers",
	"*.swp", "*~", ".tmp_versions", "*.before-reset",
};

static int diff_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const struct exercise *ex = ctx_exercise_arg(ctx, args);
	const char *cmd[64];
	char tmpl[] = "/tmp/kmemlab-diff-XXXXXX";
	char *dir = NULL, *a = NULL, *b = NULL;
	struct strbuf out = STRBUF_INIT;
	struct run_result rr;
	int n = 0, st, r = CMD_ERROR;

	if (!ex)
		return CMD_ERROR;
	dir = workspace_dir(ex);
	if (!is_dir(dir)) {
		error("you have no copy of '%s' yet: 'start %s' or 'edit %s' makes one", ex->id,
		      ex->lesson->id, ex->id);
		goto out;
	}
	/* Short names in the output: skeleton/FILE and yours/FILE. */
	if (!mkdtemp(tmpl)) {
		error("cannot create a directory in /tmp: %s", strerror(errno));
		goto out;
	}
	a = path_join(tmpl, "skeleton");
	b = path_join(tmpl, "yours");
	if (symlink(ex->skeleton, a) < 0 || symlink(dir, b) < 0) {
		error("cannot link into '%s': %s", tmpl, strerror(errno));
		goto out_tmp;
	}
	cmd[n++] = "diff";
	cmd[n++] = "-ruN";
	if (ctx->color)
		cmd[n++] = "--color=always";
	for (size_t i = 0; i < ARRAY_SIZE(not_sources); i++) {
		cmd[n++] = "-x";
		cmd[n++] = not_sources[i];
	}
	cmd[n++] = "skeleton/";
	cmd[n++] = "yours/";
	cmd[n] = NULL;
	st = run_capture(cmd, tmpl, NULL, &out, 4 << 20, 30000, &rr);
	if (st == 0) {
		printf("Your copy of '%s' is still the skeleton.\n", ex->id);
		r = CMD_OK;
	} else if (st == 1) {
		/* Leave out diff's own command lines: they only repeat the exclusions. */
		for (char *line = out.buf, *nl; *line; line = nl) {
			nl = strchr(line, '\n');
			nl = nl ? nl + 1 : line + strlen(line);
			const char *l = line;

			if (*l == '\033')	/* --color: the line starts with an escape sequence */
				l += strcspn(l, "m\n") + (l[strcspn(l, "m\n")] == 'm');
			if (strncmp(l, "diff -ruN ", 10))
				fwrite(line, 1, (size_t)(nl - line), stdout);
		}
		if (rr.truncated)
			printf("(the diff is cut at 4 MiB)\n");
		r = CMD_OK;
	} else if (st > 1) {
		error("diff failed comparing %s with %s:\n%s", ex->skeleton, dir, strbuf_str(&out));
	}
out_tmp:
	if (a)
		unlink(a);
	if (b)
		unlink(b);
	rmdir(tmpl);
out:
	strbuf_release(&out);
	free(a);
	free(b);
	free(dir);
	return r;
}

const struct cmd_entry cmd_diff = {
	.name = "diff",
	.alias = NULL,
	.usage = "[EXERCISE]",
	.summary = "show what you changed in an exercise's skeleton",
	.help = "Prints a unified diff from the exercise's skeleton to your copy (the\n"
		"current lesson's exercise by default), leaving out build products.\n\n"
		"Examples:\n  diff\n  diff ksize",
	.complete = COMPLETE_EXERCISE,
	.max_args = 1,
	.args_error = "name at most one exercise",
	.exec = diff_exec,
};
