#include "cmd.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_help, &cmd_lessons, &cmd_start, &cmd_next, &cmd_back, &cmd_show, &cmd_answer,
	&cmd_edit, &cmd_check, &cmd_watch, &cmd_hint, &cmd_diff, &cmd_reset, &cmd_solution,
	&cmd_progress, &cmd_whoami, &cmd_submit, &cmd_report, &cmd_lab, &cmd_vm, &cmd_dmesg,
	&cmd_doctor, &cmd_class, &cmd_course, &cmd_clear, &cmd_quit,
};
const int cmd_count = (int)ARRAY_SIZE(cmd_table);

const struct cmd_entry *cmd_find(const char *name, char **cause)
{
	const struct cmd_entry *found = NULL;
	struct strbuf amb = STRBUF_INIT;
	int matches = 0;

	*cause = NULL;
	for (int i = 0; i < cmd_count; i++) {
		const struct cmd_entry *c = cmd_table[i];

		if (!strcmp(c->name, name) || (c->alias && !strcmp(c->alias, name))) {
			strbuf_release(&amb);
			return c;
		}
	}
	for (int i = 0; i < cmd_count; i++) {
		const struct cmd_entry *c = cmd_table[i];

		if (!strncmp(c->name, name, strlen(name))) {
			found = c;
			strbuf_addf(&amb, "%s%s", matches++ ? ", " : "", c->name);
		}
	}
	if (matches == 1) {
		strbuf_release(&amb);
		return found;
	}
	if (matches > 1)
		*cause = xasprintf("'%s' is ambiguous: it could be %s", name, amb.buf);
	else
		*cause = xasprintf("unknown command '%s': type 'help' for the list", name);
	strbuf_release(&amb);
	return NULL;
}

int cmd_dispatch(struct cmd_ctx *ctx, int argc, char **argv)
{
	char *cause;
	const struct cmd_entry *c = cmd_find(argv[0], &cause);

	if (!c) {
		error("%s", cause);
		free(cause);
		return CMD_ERROR;
	}
	return c->exec(ctx, argc, argv);
}

void cmd_usage(const struct cmd_entry *c, FILE *f)
{
	fprintf(f, "usage: kmemlab %s%s%s\n", c->name, *c->usage ? " " : "", c->usage);
}

int cmd_usage_error(const struct cmd_entry *c, const char *fmt, ...)
{
	va_list ap;

	fputs("kmemlab: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cmd_usage(c, stderr);
	return CMD_ERROR;
}

struct course *ctx_course(struct cmd_ctx *ctx)
{
	if (!ctx->course_loaded) {
		if (course_load(paths.course, &ctx->course) < 0)
			return NULL;
		ctx->course_loaded = 1;
	}
	return &ctx->course;
}

struct store *ctx_store(struct cmd_ctx *ctx)
{
	if (!ctx->store)
		ctx->store = store_open(paths.db);
	return ctx->store;
}

void ctx_release(struct cmd_ctx *ctx)
{
	if (ctx->course_loaded)
		course_release(&ctx->course);
	ctx->course_loaded = 0;
	store_close(ctx->store);
	ctx->store = NULL;
}

int ctx_current_index(struct cmd_ctx *ctx)
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

const struct lesson *ctx_current_lesson(struct cmd_ctx *ctx)
{
	int at = ctx_current_index(ctx);

	if (at == -1)
		error("no lesson started: type 'start 1' (or 'lessons' to choose)");
	return at < 0 ? NULL : &ctx->course.lessons[at];
}

const struct exercise *ctx_exercise_arg(struct cmd_ctx *ctx, const struct cmd_entry *c, int argc,
				       char **argv)
{
	struct course *course;
	const struct exercise *ex;

	if (argc > 2) {
		cmd_usage_error(c, "name one exercise");
		return NULL;
	}
	if (argc < 2)
		return ctx_current_exercise(ctx);
	course = ctx_course(ctx);
	if (!course)
		return NULL;
	ex = course_exercise(course, argv[1]);
	if (!ex)
		error("no exercise '%s': 'lessons' lists them", argv[1]);
	return ex;
}

const struct exercise *ctx_current_exercise(struct cmd_ctx *ctx)
{
	const struct lesson *l = ctx_current_lesson(ctx);

	if (!l)
		return NULL;
	if (!l->nexercises) {
		error("lesson '%s' has no exercise", l->id);
		return NULL;
	}
	return &l->exercises[0];
}

char *workspace_dir(const struct exercise *ex)
{
	return path_join(paths.workspace, ex->id);
}

int opt_seconds(const struct cmd_entry *c, const struct opt *o, int *ms)
{
	char *end;
	long s;

	if (!o->seen)
		return 0;
	s = strtol(o->value, &end, 10);
	if (*end || s < 1 || s > 3600)
		return cmd_usage_error(c, "--%s wants seconds from 1 to 3600, not '%s'", o->name,
				       o->value);
	*ms = (int)s * 1000;
	return 0;
}

int opt_vm(const struct cmd_entry *c, const struct opt *append, const struct opt *mem,
	   struct vm_options *vo)
{
	if (append->seen) {
		if (!*append->value || strlen(append->value) > 1024 ||
		    strpbrk(append->value, "\n\r"))
			return cmd_usage_error(c, "--append wants kernel arguments on one line, at "
					       "most 1024 characters (for example "
					       "'slub_debug=FZPU')");
		vo->cmdline = append->value;
	}
	if (mem->seen) {
		char *end;
		long mb = strtol(mem->value, &end, 10);

		if (*end || mb < 128 || mb > 16384)
			return cmd_usage_error(c, "--mem wants the guest's memory in MB, from 128 "
					       "to 16384, not '%s'", mem->value);
		vo->mem_mb = (int)mb;
	}
	/* A VM of its own making: booted each time, never saved (70 MB a state). */
	if (append->seen || mem->seen)
		vo->fresh = 1;
	return 0;
}

int opts_parse(const struct cmd_entry *c, int *argc, char **argv, struct opt *opts, int nopts)
{
	int out = 1, only_args = 0;

	for (int i = 1; i < *argc; i++) {
		char *a = argv[i];
		const char *eq;
		size_t n;
		struct opt *o = NULL;

		if (only_args || a[0] != '-' || a[1] != '-' || !a[2]) {
			if (!only_args && !strcmp(a, "--")) {
				only_args = 1;
				continue;
			}
			if (!only_args && a[0] == '-' && a[1] && a[1] != '-')
				return cmd_usage_error(c, "unknown option '%s'", a);
			argv[out++] = a;
			continue;
		}
		eq = strchr(a + 2, '=');
		n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		for (int j = 0; j < nopts; j++)
			if (strlen(opts[j].name) == n && !strncmp(opts[j].name, a + 2, n))
				o = &opts[j];
		if (!o)
			return cmd_usage_error(c, "unknown option '--%.*s'", (int)n, a + 2);
		o->seen = 1;
		if (!o->takes_value) {
			if (eq)
				return cmd_usage_error(c, "option '--%s' takes no value", o->name);
			continue;
		}
		if (eq) {
			o->value = eq + 1;
		} else if (i + 1 < *argc) {
			o->value = argv[++i];
		} else {
			return cmd_usage_error(c, "option '--%s' needs a value", o->name);
		}
		o->values = xrealloc(o->values, (size_t)(o->nvalues + 1) * sizeof(char *));
		o->values[o->nvalues++] = o->value;
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}

void opts_release(struct opt *opts, int nopts)
{
	for (int i = 0; i < nopts; i++) {
		free(opts[i].values);
		opts[i].values = NULL;
		opts[i].nvalues = 0;
	}
}

void save_last_dmesg(const char *what, const struct strbuf *log, const struct strbuf *trace)
{
	struct strbuf sb = STRBUF_INIT;
	char *dir = path_dirname(paths.last_dmesg);

	strbuf_addf(&sb, "# the kernel log of: %s\n%s", what, strbuf_str(log));
	if (trace && trace->len)
		strbuf_addf(&sb, "%s\n# the trace events the grader read: %s",
			    sb.buf[sb.len - 1] == '\n' ? "" : "\n", strbuf_str(trace));
	if (mkdir_p(dir, 0700) < 0 || write_file_atomic(paths.last_dmesg, sb.buf, sb.len, 0600) < 0)
		warning("the kernel log was not kept for 'dmesg'");
	free(dir);
	strbuf_release(&sb);
}

int ask_yes(const char *question)
{
	char line[64];

	printf("%s [y/N] ", question);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}
