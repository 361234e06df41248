#include "cmd.h"

#include "class.h"

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
	return cmd_run(ctx, c, argc, argv);
}

const struct cmd_option *cmd_option_find(const struct cmd_entry *c, const char *name)
{
	for (const struct cmd_option *o = c->options; o && o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

/* "a, b or c": the subcommands of c a user may name. */
static char *subcommand_list(const struct cmd_entry *c)
{
	struct strbuf sb = STRBUF_INIT;
	int n = 0, shown = 0;

	for (int i = 0; c->subcommands[i]; i++)
		n += !c->subcommands[i]->hidden;
	for (int i = 0; c->subcommands[i]; i++) {
		if (c->subcommands[i]->hidden)
			continue;
		if (shown++)
			strbuf_addstr(&sb, shown == n ? " or " : ", ");
		strbuf_addstr(&sb, c->subcommands[i]->name);
	}
	return strbuf_detach(&sb, NULL);
}

int cmd_subcommand_at(const struct cmd_entry *c, int argc, const char *const *argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int takes_value = 0;

		if (!strcmp(a, "--"))
			return i + 1 < argc ? i + 1 : 0;
		if (a[0] != '-' || !a[1])
			return i;
		if (a[1] != '-' || strchr(a, '='))
			continue;
		for (int j = 0; c->subcommands[j]; j++) {
			const struct cmd_option *o = cmd_option_find(c->subcommands[j], a + 2);

			takes_value |= o && o->takes_value;
		}
		i += takes_value;
	}
	return 0;
}

int cmd_run(struct cmd_ctx *ctx, const struct cmd_entry *c, int argc, char **argv)
{
	struct cmd_args args = CMD_ARGS_INIT;
	char **rest = NULL;
	int r;

	if (c->subcommands) {
		const struct cmd_entry *sub = NULL;
		int at = cmd_subcommand_at(c, argc, (const char *const *)argv);
		char *names = subcommand_list(c);

		for (int i = 0; at && c->subcommands[i]; i++)
			if (!strcmp(c->subcommands[i]->name, argv[at]))
				sub = c->subcommands[i];
		if (!sub) {
			r = at ? cmd_usage_error(c, "unknown subcommand '%s': %s", argv[at], names)
			       : cmd_usage_error(c, "name a subcommand: %s", names);
			free(names);
			return r;
		}
		free(names);
		/* The line without the subcommand's name. */
		rest = xcalloc((size_t)argc, sizeof(*rest));
		for (int i = 0, j = 0; i < argc; i++)
			if (i != at)
				rest[j++] = argv[i];
		c = sub;
		argv = rest;
		argc--;
	}
	r = args_parse(c, argc - 1, argv + 1, &args);
	if (!r)
		r = c->exec(ctx, &args);
	args_release(&args);
	free(rest);
	return r;
}

char *cmd_usage_line(const struct cmd_entry *c)
{
	struct strbuf sb = STRBUF_INIT;
	int n = 0;

	if (c->parent)
		strbuf_addf(&sb, "%s ", c->parent->name);
	strbuf_addstr(&sb, c->name);
	for (int i = 0; c->subcommands && c->subcommands[i]; i++) {
		const struct cmd_entry *sub = c->subcommands[i];

		if (!sub->hidden)
			strbuf_addf(&sb, "%s%s%s%s", n++ ? " | " : " ", sub->name,
				    *sub->usage ? " " : "", sub->usage);
	}
	if (!c->subcommands && *c->usage)
		strbuf_addf(&sb, " %s", c->usage);
	return strbuf_detach(&sb, NULL);
}

void cmd_usage(const struct cmd_entry *c, FILE *f)
{
	char *line = cmd_usage_line(c);

	fprintf(f, "usage: kmemlab %s\n", line);
	free(line);
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
		char *db;

		if (course_load(paths.course, &ctx->course) < 0)
			return NULL;
		ctx->course_loaded = 1;
		/* Each course's work is kept apart: its own database and workspace. */
		db = xstrdup(paths.db);
		paths_use_course(ctx->course.id);
		if (ctx->store && strcmp(db, paths.db)) {
			store_close(ctx->store);
			ctx->store = NULL;
		}
		free(db);
	}
	return &ctx->course;
}

/*
 * The class's own course, loaded from the folder class init recorded:
 * imports and regrades grade by it, whatever --course says.
 */
struct course *ctx_class_course(struct cmd_ctx *ctx, struct store *st)
{
	char *id = NULL, *dir = NULL;
	struct course *c;

	if (class_course(st, &id, &dir) < 0)
		return NULL;
	if (dir && strcmp(dir, paths.course)) {
		free(paths.course);
		paths.course = dir;
		dir = NULL;
		if (ctx->course_loaded) {
			course_release(&ctx->course);
			ctx->course_loaded = 0;
		}
	}
	free(dir);
	c = ctx_course(ctx);
	if (c && id && strcmp(id, c->id)) {
		error("this class teaches course '%s', but its folder '%s' now holds course '%s': "
		      "put the class's course back there", id, paths.course, c->id);
		c = NULL;
	}
	free(id);
	return c;
}

/*
 * A course's database made now takes the identity the learner chose
 * ('whoami --id') in the shipped course's, if they chose one: a learner
 * is one person in every course.
 */
static void carry_identity(struct store *st)
{
	char *main_db = path_join(paths.base, "kmemlab.db"), *cause = NULL;
	char *login = NULL, *name = NULL;
	struct store *from = strcmp(main_db, paths.db) && is_file(main_db)
				     ? store_open_readonly(main_db, &cause) : NULL;
	int set = 0;

	if (from && store_identity(from, &login, &name, &set) == 0 && set)
		store_set_identity(st, login, name);
	store_close(from);
	free(login);
	free(name);
	free(cause);
	free(main_db);
}

struct store *ctx_store(struct cmd_ctx *ctx)
{
	if (!ctx->store) {
		int fresh;

		/* Which course it is says which database. */
		if (!ctx_course(ctx))
			return NULL;
		fresh = !paths.db_given && !is_file(paths.db);
		ctx->store = store_open(paths.db);
		if (ctx->store && fresh)
			carry_identity(ctx->store);
	}
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

const struct exercise *ctx_exercise_arg(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct course *course;
	const struct exercise *ex;

	if (!args->argc)
		return ctx_current_exercise(ctx);
	course = ctx_course(ctx);
	if (!course)
		return NULL;
	ex = course_exercise(course, args->argv[0]);
	if (!ex)
		error("no exercise '%s': 'lessons' lists them", args->argv[0]);
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

int args_seconds(const struct cmd_args *args, const char *name, int *ms)
{
	const char *v = args_get(args, name);
	char *end;
	long s;

	if (!v)
		return 0;
	s = strtol(v, &end, 10);
	if (*end || s < 1 || s > 3600)
		return cmd_usage_error(args->entry, "--%s wants seconds from 1 to 3600, not '%s'",
				       name, v);
	*ms = (int)s * 1000;
	return 0;
}

int args_number(const struct cmd_args *args, const char *name, long lo, long hi, int *v)
{
	const char *s = args_get(args, name);
	char *end;
	long n;

	if (!s)
		return 0;
	n = strtol(s, &end, 10);
	if (*end || n < lo || n > hi)
		return cmd_usage_error(args->entry, "--%s wants a number from %ld to %ld, not '%s'",
				       name, lo, hi, s);
	*v = (int)n;
	return 0;
}

int args_vm(const struct cmd_args *args, struct vm_options *vo)
{
	const char *append = args_get(args, "append"), *mem = args_get(args, "mem");

	if (append) {
		if (!*append || strlen(append) > 1024 || strpbrk(append, "\n\r"))
			return cmd_usage_error(args->entry, "--append wants kernel arguments on one "
					       "line, at most 1024 characters (for example "
					       "'slub_debug=FZPU')");
		vo->cmdline = append;
	}
	if (mem) {
		char *end;
		long mb = strtol(mem, &end, 10);

		if (*end || mb < 128 || mb > 16384)
			return cmd_usage_error(args->entry, "--mem wants the guest's memory in MB, "
					       "from 128 to 16384, not '%s'", mem);
		vo->mem_mb = (int)mb;
	}
	/* A VM of its own making: booted each time, never saved (70 MB a state). */
	if (append || mem)
		vo->fresh = 1;
	return 0;
}

/*
 * An option this subcommand does not have: say which of its siblings
 * takes it ("it is for 'class regrade'").
 */
static int unknown_option(const struct cmd_entry *c, const char *name, size_t n)
{
	struct strbuf for_ = STRBUF_INIT;
	char *key = xstrndup(name, n);
	int found = 0, r;

	for (int i = 0; c->parent && c->parent->subcommands[i]; i++) {
		const struct cmd_entry *sib = c->parent->subcommands[i];

		if (sib != c && !sib->hidden && cmd_option_find(sib, key))
			strbuf_addf(&for_, "%s'%s %s'", found++ ? " and " : ": it is for ",
				    c->parent->name, sib->name);
	}
	r = cmd_usage_error(c, "unknown option '--%s'%s", key, strbuf_str(&for_));
	strbuf_release(&for_);
	free(key);
	return r;
}

/* A value outside o's values: name them. */
static int unknown_value(const struct cmd_entry *c, const struct cmd_option *o, const char *v)
{
	struct strbuf sb = STRBUF_INIT;
	int n = 0, r;

	while (o->values[n])
		n++;
	for (int i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ", o->values[i]);
	r = cmd_usage_error(c, "unknown %s '%s': use %s", o->name, v, sb.buf);
	strbuf_release(&sb);
	return r;
}

static int count_error(const struct cmd_entry *c, const struct cmd_args *args)
{
	if (c->args_error)
		return cmd_usage_error(c, "%s", c->args_error);
	if (args->argc < c->min_args)
		return cmd_usage_error(c, "too few arguments");
	if (c->max_args == 0)
		return cmd_usage_error(c, "unexpected argument '%s'", args->argv[0]);
	return cmd_usage_error(c, "too many arguments");
}

int args_parse(const struct cmd_entry *c, int argc, char **argv, struct cmd_args *args)
{
	int nopts = 0, only_args = 0;

	while (c->options && c->options[nopts].name)
		nopts++;
	args->entry = c;
	args->argc = 0;
	args->argv = xcalloc((size_t)argc + 1, sizeof(char *));
	args->opts = xcalloc((size_t)nopts + 1, sizeof(*args->opts));
	for (int i = 0; i < argc; i++) {
		char *a = argv[i];
		const char *eq, *v;
		const struct cmd_option *o = NULL;
		struct cmd_arg *got;
		size_t n;

		if (only_args || a[0] != '-' || a[1] != '-' || !a[2]) {
			if (!only_args && !strcmp(a, "--")) {
				only_args = 1;
				continue;
			}
			if (!only_args && a[0] == '-' && a[1] && a[1] != '-')
				return cmd_usage_error(c, "unknown option '%s'", a);
			args->argv[args->argc++] = a;
			continue;
		}
		eq = strchr(a + 2, '=');
		n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		for (int j = 0; j < nopts; j++)
			if (strlen(c->options[j].name) == n && !strncmp(c->options[j].name, a + 2, n))
				o = &c->options[j];
		if (!o)
			return unknown_option(c, a + 2, n);
		got = &args->opts[o - c->options];
		got->seen = 1;
		if (!o->takes_value) {
			if (eq)
				return cmd_usage_error(c, "option '--%s' takes no value", o->name);
			continue;
		}
		if (eq)
			v = eq + 1;
		else if (i + 1 < argc)
			v = argv[++i];
		else
			return cmd_usage_error(c, "option '--%s' needs a value", o->name);
		if (o->values) {
			int k = 0;

			while (o->values[k] && strcmp(o->values[k], v))
				k++;
			if (!o->values[k])
				return unknown_value(c, o, v);
		}
		got->value = v;
		got->values = xrealloc(got->values, (size_t)(got->nvalues + 1) * sizeof(char *));
		got->values[got->nvalues++] = v;
	}
	args->argv[args->argc] = NULL;
	if (args->argc < c->min_args || (c->max_args != CMD_ARGS_ANY && args->argc > c->max_args))
		return count_error(c, args);
	return 0;
}

void args_release(struct cmd_args *args)
{
	int nopts = 0;

	while (args->opts && args->entry->options && args->entry->options[nopts].name)
		free(args->opts[nopts++].values);
	free(args->opts);
	free(args->argv);
	*args = (struct cmd_args)CMD_ARGS_INIT;
}

static const struct cmd_arg *arg_of(const struct cmd_args *args, const char *name)
{
	const struct cmd_option *o = cmd_option_find(args->entry, name);

	if (!o)
		die_bug("'%s' has no option '--%s'", args->entry->name, name);
	return &args->opts[o - args->entry->options];
}

int args_has(const struct cmd_args *args, const char *name)
{
	return arg_of(args, name)->seen;
}

const char *args_get(const struct cmd_args *args, const char *name)
{
	return arg_of(args, name)->value;
}

const char *const *args_values(const struct cmd_args *args, const char *name, int *n)
{
	const struct cmd_arg *a = arg_of(args, name);

	*n = a->nvalues;
	return a->values;
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
