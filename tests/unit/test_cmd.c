/*
 * The command table (shell/cmd.h): every entry is complete (git t0450
 * style) and its options are in its usage and man page, lookup by name,
 * alias and unique prefix, parsing a line against an entry, and tab
 * completion read from the table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "repl.h"
#include "unit.h"

/* ---- the table ---- */

/* Each command, then each of its subcommands: fn(entry). */
static void walk(void (*fn)(const struct cmd_entry *c))
{
	for (int i = 0; i < cmd_count; i++) {
		fn(cmd_table[i]);
		for (int j = 0; cmd_table[i]->subcommands && cmd_table[i]->subcommands[j]; j++)
			fn(cmd_table[i]->subcommands[j]);
	}
}

/* "class import" for a subcommand, in static storage. */
static const char *full_name(const struct cmd_entry *c)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s%s%s", c->parent ? c->parent->name : "",
		 c->parent ? " " : "", c->name);
	return buf;
}

static int is_name_char(char ch)
{
	return islower((unsigned char)ch) || isdigit((unsigned char)ch) || ch == '-';
}

/* Where "--name" is in text as a whole option name, or NULL. */
static const char *find_option(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = strstr(text, "--"); p; p = strstr(p + 1, "--"))
		if (!strncmp(p + 2, name, n) && !is_name_char(p[2 + n]) &&
		    (p == text || p[-1] != '-'))
			return p;
	return NULL;
}

static void check_entry(const struct cmd_entry *c)
{
	const char *n = c->name;

	assert_non_null(n);
	if (!*n)
		fail_msg("a command has an empty name");
	for (const char *p = n; *p; p++)
		if (!islower((unsigned char)*p) && *p != '-')
			fail_msg("'%s': a name is lowercase letters", n);
	n = full_name(c);
	/* A command with subcommands has its usage made of theirs. */
	if (!c->usage != !!c->subcommands)
		fail_msg("'%s' %s", n, c->subcommands ? "has a usage besides its subcommands'"
						      : "has no usage");
	if (!c->usage)
		goto subcommands;
	/* An empty usage says the command takes no argument at all. */
	if (!*c->usage && c->complete != COMPLETE_NONE)
		fail_msg("'%s' completes arguments but its usage shows none", n);
	if (!*c->usage && (c->options || c->max_args))
		fail_msg("'%s' takes options or arguments but its usage shows none", n);
	if (*c->usage && strchr(" \t\n", c->usage[0]))
		fail_msg("'%s': usage starts with a blank", n);
subcommands:
	if (!c->summary || !*c->summary)
		fail_msg("'%s' has no summary", n);
	if (strchr(c->summary, '\n'))
		fail_msg("'%s': the summary is more than one line", n);
	if (!c->parent && (!c->help || !*c->help))
		fail_msg("'%s' has no help", n);
	if (!c->parent && strcmp(n, "quit") && !strstr(c->help, "Example"))
		fail_msg("'%s': the help has no example", n);
	if (c->complete < COMPLETE_NONE || c->complete > COMPLETE_FILE)
		fail_msg("'%s': completion kind %d is not one of enum cmd_complete", n,
			 (int)c->complete);
	/* Dispatch runs a subcommand: the command itself has nothing to run. */
	if (!c->subcommands == !c->exec)
		fail_msg("'%s' needs an exec function or subcommands, not both", n);
	if (c->alias && !*c->alias)
		fail_msg("'%s' has an empty alias", n);
	if (c->parent && c->alias)
		fail_msg("'%s': a subcommand has no alias", n);
	if (c->hidden && !c->parent)
		fail_msg("'%s': only a subcommand may be hidden", n);
	if (c->min_args < 0 || (c->max_args != CMD_ARGS_ANY && c->max_args < c->min_args))
		fail_msg("'%s' takes from %d to %d arguments", n, c->min_args, c->max_args);
	if (!c->max_args && c->complete != COMPLETE_NONE)
		fail_msg("'%s' takes no argument but says what its arguments complete to", n);
	if (c->subcommands && (c->options || c->max_args || c->min_args))
		fail_msg("'%s': options and arguments belong to its subcommands", n);
	for (int j = 0; c->subcommands && c->subcommands[j]; j++) {
		const struct cmd_entry *sub = c->subcommands[j];

		if (sub->parent != c)
			fail_msg("subcommand '%s' of '%s' has another parent", sub->name, n);
		if (sub->subcommands)
			fail_msg("'%s %s': subcommands go one level deep", n, sub->name);
		for (int k = 0; k < j; k++)
			if (!strcmp(c->subcommands[k]->name, sub->name))
				fail_msg("'%s' has two subcommands '%s'", n, sub->name);
	}
}

static void test_table_entries_complete(void **state)
{
	(void)state;
	assert_true(cmd_count >= 8);
	for (int i = 0; i < cmd_count; i++)
		assert_non_null(cmd_table[i]);
	walk(check_entry);
}

/*
 * Every option of an entry is in its usage: a repeatable one as
 * [--NAME VALUE]..., one with values as --NAME A|B|C.
 */
static void check_options(const struct cmd_entry *c)
{
	const char *n = full_name(c);

	for (const struct cmd_option *o = c->options; o && o->name; o++) {
		const char *at;

		for (const char *p = o->name; *p; p++)
			if (!is_name_char(*p))
				fail_msg("'%s': option '%s' is not lowercase letters, digits and '-'", n,
					 o->name);
		for (const struct cmd_option *q = c->options; q < o; q++)
			if (!strcmp(q->name, o->name))
				fail_msg("'%s' has two options '--%s'", n, o->name);
		if (!o->takes_value && (o->repeatable || o->values || o->complete != COMPLETE_NONE))
			fail_msg("'%s': '--%s' takes no value, so it has none to repeat, allow or "
				 "complete", n, o->name);
		if (o->values && !o->values[0])
			fail_msg("'%s': '--%s' allows no value at all", n, o->name);
		at = find_option(c->usage, o->name);
		if (!at)
			fail_msg("'%s': the usage '%s' does not show '--%s'", n, c->usage, o->name);
		if (o->repeatable) {
			const char *lb = at;
			int depth = 0;

			while (lb > c->usage && *lb != '[')
				lb--;
			for (at = lb; *at; at++) {
				depth += (*at == '[') - (*at == ']');
				if (!depth)
					break;
			}
			if (*lb != '[' || strncmp(at, "]...", 4))
				fail_msg("'%s': the usage does not show '--%s' as repeatable "
					 "([--%s ...]...)", n, o->name, o->name);
		}
		if (o->values) {
			struct strbuf want = STRBUF_INIT;

			strbuf_addf(&want, "--%s ", o->name);
			for (int k = 0; o->values[k]; k++)
				strbuf_addf(&want, "%s%s", k ? "|" : "", o->values[k]);
			if (!strstr(c->usage, want.buf))
				fail_msg("'%s': the usage does not show '%s'", n, want.buf);
			strbuf_release(&want);
		}
	}
}

static void test_options_in_usage(void **state)
{
	(void)state;
	walk(check_options);
}

static void test_table_names_unique(void **state)
{
	(void)state;
	for (int i = 0; i < cmd_count; i++) {
		const struct cmd_entry *a = cmd_table[i];

		for (int j = 0; j < cmd_count; j++) {
			const struct cmd_entry *b = cmd_table[j];

			if (i == j)
				continue;
			if (a == b)
				fail_msg("'%s' is listed twice", a->name);
			if (!strcmp(a->name, b->name))
				fail_msg("two commands are named '%s'", a->name);
			if (a->alias && !strcmp(a->alias, b->name))
				fail_msg("alias '%s' of '%s' is the name of another command",
					 a->alias, a->name);
			if (a->alias && b->alias && !strcmp(a->alias, b->alias))
				fail_msg("'%s' and '%s' share alias '%s'", a->name, b->name,
					 a->alias);
		}
	}
}

static void test_every_command_listed(void **state)
{
	const struct cmd_entry *const declared[] = {
		&cmd_check, &cmd_help, &cmd_lab, &cmd_lessons,
		&cmd_progress, &cmd_quit, &cmd_show, &cmd_start,
	};

	(void)state;
	for (size_t d = 0; d < ARRAY_SIZE(declared); d++) {
		int found = 0;

		for (int i = 0; i < cmd_count; i++)
			found += cmd_table[i] == declared[d];
		if (found != 1)
			fail_msg("'%s' is in cmd_table %d times", declared[d]->name, found);
	}
}

/*
 * The man page (shell/kmemlab.1) has a block for every command: a line
 * .SS "NAME USAGE" with the usage line kmemlab prints (roff's \- read as
 * -), and the text up to the next block names every option of the
 * command and of its subcommands.
 */
static void test_man_page_has_every_command(void **state)
{
	char *top = unit_top(), *path = path_join(top, "shell/kmemlab.1");
	struct strbuf page = STRBUF_INIT, plain = STRBUF_INIT;

	(void)state;
	if (read_file(path, &page, 0) < 0)
		fail_msg("cannot read '%s'", path);
	for (const char *p = strbuf_str(&page); *p; p++) {
		if (p[0] == '\\' && p[1] == '-')
			p++;
		strbuf_addch(&plain, *p);
	}
	for (int i = 0; i < cmd_count; i++) {
		const struct cmd_entry *c = cmd_table[i];
		char *line = cmd_usage_line(c), *want = xasprintf("\n.SS \"%s\"\n", line);
		const char *block = strstr(strbuf_str(&plain), want), *next;
		char *text;

		if (!block)
			fail_msg("%s has no block for '%s': expected the line %s", path, c->name,
				 want + 1);
		next = strstr(block + strlen(want), "\n.SS ");
		if (!next)
			next = strstr(block, "\n.\\\" ---- end of the commands");
		assert_non_null(next);
		text = xstrndup(block, (size_t)(next - block));
		for (int j = -1; j < 0 || (c->subcommands && c->subcommands[j]); j++) {
			const struct cmd_entry *e = j < 0 ? c : c->subcommands[j];

			for (const struct cmd_option *o = e->options; o && o->name; o++)
				if (!find_option(text, o->name))
					fail_msg("%s: the block of '%s' does not name '--%s'", path,
						 full_name(e), o->name);
		}
		free(text);
		free(want);
		free(line);
	}
	strbuf_release(&plain);
	strbuf_release(&page);
	free(path);
	free(top);
}

static void test_usage_line(void **state)
{
	char buf[512], *line;
	FILE *f;
	size_t n;

	(void)state;
	f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	cmd_usage(&cmd_start, f);
	cmd_usage(&cmd_quit, f);
	cmd_usage(cmd_class.subcommands[0], f);
	n = (size_t)ftell(f);
	assert_int_equal(fclose(f), 0);
	buf[n < sizeof(buf) ? n : sizeof(buf) - 1] = '\0';
	assert_string_equal(buf, "usage: kmemlab start LESSON\n"
				 "usage: kmemlab quit\n"
				 "usage: kmemlab class init DIR\n");
	/* A command with subcommands: theirs, the hidden one left out. */
	line = cmd_usage_line(&cmd_lab);
	assert_true(!strncmp(line, "lab run PATH|EXERCISE... [--module NAME]...", 43));
	assert_true(path_has_suffix(line, " [--timeout SECONDS] | prepare"));
	free(line);
	line = cmd_usage_line(&cmd_class);
	assert_true(!strncmp(line, "class init DIR | import [--class DIR] BUNDLE... | regrade ", 58));
	assert_null(strstr(line, "slurm-task"));
	free(line);
}

/* ---- cmd_find ---- */

static void expect_found(const char *name, const struct cmd_entry *want)
{
	char *cause = (char *)"unset";
	const struct cmd_entry *c = cmd_find(name, &cause);

	if (c != want)
		fail_msg("cmd_find('%s') gave '%s', not '%s'", name, c ? c->name : "(none)",
			 want->name);
	assert_null(cause);
}

static void test_find_exact_alias_prefix(void **state)
{
	(void)state;
	for (int i = 0; i < cmd_count; i++) {
		expect_found(cmd_table[i]->name, cmd_table[i]);
		if (cmd_table[i]->alias)
			expect_found(cmd_table[i]->alias, cmd_table[i]);
	}
	expect_found("?", &cmd_help);
	expect_found("ls", &cmd_lessons);
	expect_found("exit", &cmd_quit);
	expect_found("prog", &cmd_progress);
	expect_found("p", &cmd_progress);
	expect_found("sh", &cmd_show);
	expect_found("sta", &cmd_start);
	expect_found("la", &cmd_lab);
	expect_found("le", &cmd_lessons);
	expect_found("q", &cmd_quit);
	expect_found("c", &cmd_check);
	expect_found("cla", &cmd_class);
	expect_found("cle", &cmd_clear);
	expect_found("su", &cmd_submit);
	expect_found("who", &cmd_whoami);
	expect_found("wa", &cmd_watch);
	expect_found("n", &cmd_next);
	expect_found("dm", &cmd_dmesg);
	expect_found("so", &cmd_solution);
}

static void test_find_ambiguous(void **state)
{
	char *cause = NULL;

	(void)state;
	assert_null(cmd_find("s", &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, "ambiguous"));
	assert_non_null(strstr(cause, "'s'"));
	assert_non_null(strstr(cause, "show"));
	assert_non_null(strstr(cause, "start"));
	assert_null(strstr(cause, "lessons"));
	free(cause);

	cause = NULL;
	assert_null(cmd_find("l", &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, "lab"));
	assert_non_null(strstr(cause, "lessons"));
	free(cause);
}

static void test_find_unknown(void **state)
{
	static const char *const unknown[] = { "frobnicate", "starts", "helpme", "xyz" };
	char *cause;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(unknown); i++) {
		cause = NULL;
		if (cmd_find(unknown[i], &cause))
			fail_msg("cmd_find('%s') found a command", unknown[i]);
		assert_non_null(cause);
		assert_non_null(strstr(cause, "unknown"));
		assert_non_null(strstr(cause, unknown[i]));
		free(cause);
	}
}

/* ---- args_parse ---- */

static const struct cmd_entry *subcommand(const struct cmd_entry *c, const char *name)
{
	for (int i = 0; c->subcommands[i]; i++)
		if (!strcmp(c->subcommands[i]->name, name))
			return c->subcommands[i];
	fail_msg("'%s' has no subcommand '%s'", c->name, name);
	return NULL;
}

/*
 * What args_parse says on stderr, into err (cut to size): it reports a
 * bad line itself, with the usage.
 */
static int parse_quiet(const struct cmd_entry *c, int argc, char **argv, struct cmd_args *a,
		       char *err, size_t size)
{
	FILE *tmp = tmpfile();
	int saved = dup(2), r;
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), 2);
	r = args_parse(c, argc, argv, a);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(err, 1, size - 1, tmp);
	err[n] = '\0';
	fclose(tmp);
	return r;
}

static void test_args_anywhere(void **state)
{
	char *argv[] = { "--json", "ksize", "--source", "/tmp/ksize_ex.c", "--timeout=20", NULL };
	struct cmd_args a = CMD_ARGS_INIT;

	(void)state;
	assert_int_equal(args_parse(&cmd_check, 5, argv, &a), 0);
	assert_ptr_equal(a.entry, &cmd_check);
	assert_int_equal(a.argc, 1);
	assert_string_equal(a.argv[0], "ksize");
	assert_null(a.argv[1]);
	assert_true(args_has(&a, "json"));
	assert_null(args_get(&a, "json"));
	assert_true(args_has(&a, "source"));
	assert_string_equal(args_get(&a, "source"), "/tmp/ksize_ex.c");
	assert_string_equal(args_get(&a, "timeout"), "20");
	assert_false(args_has(&a, "experiment"));
	assert_null(args_get(&a, "experiment"));
	args_release(&a);
	assert_null(a.argv);
}

static void test_args_none(void **state)
{
	struct cmd_args a = CMD_ARGS_INIT;
	int n = -1;

	(void)state;
	assert_int_equal(args_parse(&cmd_lessons, 0, NULL, &a), 0);
	assert_int_equal(a.argc, 0);
	assert_null(a.argv[0]);
	assert_false(args_has(&a, "json"));
	args_release(&a);
	assert_int_equal(args_parse(subcommand(&cmd_lab, "run"), 1, (char *[]){ "x", NULL }, &a),
			 0);
	assert_null(args_values(&a, "param", &n));
	assert_int_equal(n, 0);
	args_release(&a);
}

static void test_args_repeatable(void **state)
{
	char *argv[] = { "--param", "count=3", "./mymod", "--param=name=a=b", "--param", "--json",
			 NULL };
	const struct cmd_entry *run = subcommand(&cmd_lab, "run");
	struct cmd_args a = CMD_ARGS_INIT;
	const char *const *v;
	int n;

	(void)state;
	assert_int_equal(args_parse(run, 6, argv, &a), 0);
	assert_int_equal(a.argc, 1);
	assert_string_equal(a.argv[0], "./mymod");
	v = args_values(&a, "param", &n);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "count=3");
	/* Only the first '=' separates the name from the value. */
	assert_string_equal(v[1], "name=a=b");
	/* A value is taken as it is, even when it looks like an option. */
	assert_string_equal(v[2], "--json");
	assert_string_equal(args_get(&a, "param"), "--json");
	assert_false(args_has(&a, "shell"));
	args_release(&a);
}

static void test_args_double_dash(void **state)
{
	char *argv[] = { "--", "--json", "-x", "--", "file", NULL };
	struct cmd_args a = CMD_ARGS_INIT;

	(void)state;
	assert_int_equal(args_parse(subcommand(&cmd_lab, "run"), 5, argv, &a), 0);
	assert_int_equal(a.argc, 4);
	assert_string_equal(a.argv[0], "--json");
	assert_string_equal(a.argv[1], "-x");
	assert_string_equal(a.argv[2], "--");
	assert_string_equal(a.argv[3], "file");
	assert_null(a.argv[4]);
	args_release(&a);
}

static void test_args_errors(void **state)
{
	static const struct {
		const struct cmd_entry *c;
		const char *sub;
		char *argv[4];
		const char *said;
	} cases[] = {
		{ &cmd_check, NULL, { "ksize", "--bogus" }, "unknown option '--bogus'" },
		{ &cmd_check, NULL, { "--bogus=1" }, "unknown option '--bogus'" },
		{ &cmd_check, NULL, { "-j" }, "unknown option '-j'" },
		{ &cmd_check, NULL, { "ksize", "--source" }, "option '--source' needs a value" },
		{ &cmd_check, NULL, { "--json=yes" }, "option '--json' takes no value" },
		{ &cmd_check, NULL, { "a", "b" }, "name at most one exercise" },
		{ &cmd_start, NULL, { NULL }, "name one lesson" },
		{ &cmd_back, NULL, { "x" }, "unexpected argument 'x'" },
		{ &cmd_help, NULL, { "a", "b" }, "too many arguments" },
		/* A value outside an option's values is refused, with them. */
		{ &cmd_report, NULL, { "--format", "pdf" },
		  "unknown format 'pdf': use table, csv, html or json" },
		{ &cmd_report, NULL, { "--format=" }, "unknown format '': use table, csv" },
		{ &cmd_lab, "run", { NULL }, "name a module" },
		{ &cmd_lab, "prepare", { "--timeout", "3" },
		  "unknown option '--timeout': it is for 'lab run'" },
		{ &cmd_class, "import", { "--jobs", "2", "b.tar.gz" },
		  "unknown option '--jobs': it is for 'class regrade'" },
		{ &cmd_class, "init", { "--class", "d", "d" },
		  "unknown option '--class': it is for 'class import' and 'class regrade'" },
		{ &cmd_class, "init", { NULL }, "'class init' wants one directory" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct cmd_entry *c = cases[i].sub ? subcommand(cases[i].c, cases[i].sub)
							 : cases[i].c;
		struct cmd_args a = CMD_ARGS_INIT;
		char err[1024], *usage = xasprintf("usage: kmemlab %s", full_name(c));
		int argc = 0, r;

		while (argc < 4 && cases[i].argv[argc])
			argc++;
		r = parse_quiet(c, argc, (char **)cases[i].argv, &a, err, sizeof(err));
		if (r != CMD_ERROR)
			fail_msg("case %zu: args_parse returned %d, not CMD_ERROR", i, r);
		if (!strstr(err, cases[i].said) || !strstr(err, usage))
			fail_msg("case %zu: it said '%s', not '%s' and the usage", i, err,
				 cases[i].said);
		args_release(&a);
		free(usage);
	}
}

/* ---- dispatch: subcommands ---- */

static void test_subcommand_at(void **state)
{
	static const struct {
		const char *argv[6];
		int at;
	} cases[] = {
		{ { "class", "import", "b.tar.gz" }, 1 },
		/* Options may come first; their values are not the subcommand. */
		{ { "class", "--class", "dir", "import", "b" }, 3 },
		{ { "class", "--class=dir", "regrade" }, 2 },
		{ { "class", "--force", "regrade" }, 2 },
		{ { "class", "--", "init", "d" }, 2 },
		{ { "class", "--class", "dir" }, 0 },
		{ { "class" }, 0 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int argc = 0;

		while (argc < 6 && cases[i].argv[argc])
			argc++;
		if (cmd_subcommand_at(&cmd_class, argc, cases[i].argv) != cases[i].at)
			fail_msg("case %zu: the subcommand is not at %d", i, cases[i].at);
	}
}

/* ---- completion ---- */

/* The completions of the last word of line (a trailing blank: a new word), joined by ' '. */
static char *completions(const char *line)
{
	struct cmd_ctx ctx = { 0 };
	const char *argv[16];
	char *copy = xstrdup(line), *save = NULL, **v;
	struct strbuf sb = STRBUF_INIT;
	int argc = 0;

	for (char *w = strtok_r(copy, " ", &save); w && argc < 15; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	if (!*line || line[strlen(line) - 1] == ' ')
		argv[argc++] = "";
	argv[argc] = NULL;
	v = repl_completions(&ctx, argc, argv, argc - 1);
	for (int i = 0; v && v[i]; i++) {
		strbuf_addf(&sb, "%s%s", i ? " " : "", v[i]);
		free(v[i]);
	}
	free(v);
	free(copy);
	ctx_release(&ctx);
	return strbuf_detach(&sb, NULL);
}

static void expect_completions(const char *line, const char *want)
{
	char *got = completions(line);

	if (strcmp(got, want))
		fail_msg("'%s' completes to '%s', not '%s'", line, got, want);
	free(got);
}

static void test_completion_from_the_table(void **state)
{
	(void)state;
	expect_completions("sta", "start");
	expect_completions("help cl", "class clear");
	/* Subcommands, not the hidden one. */
	expect_completions("class ", "init import regrade");
	expect_completions("class im", "import");
	expect_completions("lab ", "run prepare");
	/* Option names, a subcommand's own. */
	expect_completions("check --", "--source --experiment --json --timeout");
	expect_completions("check --so", "--source");
	expect_completions("lab run --m", "--module --mem");
	expect_completions("class regrade --s", "--slurm --sbatch-arg");
	expect_completions("lab prepare --", "");
	/* An option's values, after it or after its '='. */
	expect_completions("report --format ", "table csv html json");
	expect_completions("report --format h", "html");
	expect_completions("report --format=c", "--format=csv");
	expect_completions("report --out x --format j", "json");
	/* A flag takes no value: what follows is an argument again. */
	expect_completions("lessons --json ", "");
	expect_completions("frobnicate ", "");
}

static void test_completion_of_files(void **state)
{
	char *top = unit_top(), *cwd = getcwd(NULL, 0);

	(void)state;
	assert_int_equal(chdir(top), 0);
	expect_completions("check --source shell/cmd-che", "shell/cmd-check.c");
	expect_completions("report --out=shell/cmd-rep", "--out=shell/cmd-report.c");
	/* A subcommand's option, before the subcommand. */
	expect_completions("class --class shell/mai", "shell/main.c");
	expect_completions("class import shell/cmd-cla", "shell/cmd-class.c");
	expect_completions("lab run --prog shell/cmd-v", "shell/cmd-vm.c");
	expect_completions("lab run shell/kmemlab.", "shell/kmemlab.1");
	assert_int_equal(chdir(cwd), 0);
	free(cwd);
	free(top);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_entries_complete),
		cmocka_unit_test(test_table_names_unique),
		cmocka_unit_test(test_every_command_listed),
		cmocka_unit_test(test_usage_line),
		cmocka_unit_test(test_man_page_has_every_command),
		cmocka_unit_test(test_find_exact_alias_prefix),
		cmocka_unit_test(test_find_ambiguous),
		cmocka_unit_test(test_find_unknown),
		cmocka_unit_test(test_options_in_usage),
		cmocka_unit_test(test_args_anywhere),
		cmocka_unit_test(test_args_none),
		cmocka_unit_test(test_args_repeatable),
		cmocka_unit_test(test_args_double_dash),
		cmocka_unit_test(test_args_errors),
		cmocka_unit_test(test_subcommand_at),
		cmocka_unit_test(test_completion_from_the_table),
		cmocka_unit_test(test_completion_of_files),
	};

	return cmocka_run_group_tests(tests, 0, NULL);
}
