/*
 * The command table (shell/cmd.h): every entry is complete (git t0450
 * style), lookup by name, alias and unique prefix, and option parsing.
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
#include "unit.h"

/* ---- the table ---- */

static void test_table_entries_complete(void **state)
{
	(void)state;
	assert_true(cmd_count >= 8);
	for (int i = 0; i < cmd_count; i++) {
		const struct cmd_entry *c = cmd_table[i];
		const char *n;

		assert_non_null(c);
		n = c->name;
		assert_non_null(n);
		if (!*n)
			fail_msg("command %d has an empty name", i);
		for (const char *p = n; *p; p++)
			if (!islower((unsigned char)*p) && *p != '-')
				fail_msg("'%s': a name is lowercase letters", n);
		if (!c->usage)
			fail_msg("'%s' has no usage", n);
		/* An empty usage says the command takes no argument at all. */
		if (!*c->usage && c->complete != COMPLETE_NONE)
			fail_msg("'%s' completes arguments but its usage shows none", n);
		if (*c->usage && strchr(" \t\n", c->usage[0]))
			fail_msg("'%s': usage starts with a blank", n);
		if (!c->summary || !*c->summary)
			fail_msg("'%s' has no summary", n);
		if (strchr(c->summary, '\n'))
			fail_msg("'%s': the summary is more than one line", n);
		if (!c->help || !*c->help)
			fail_msg("'%s' has no help", n);
		if (strcmp(n, "quit") && !strstr(c->help, "Example"))
			fail_msg("'%s': the help has no example", n);
		if (c->complete < COMPLETE_NONE || c->complete > COMPLETE_FILE)
			fail_msg("'%s': completion kind %d is not one of enum cmd_complete", n,
				 (int)c->complete);
		if (!c->exec)
			fail_msg("'%s' has no exec function", n);
		if (c->alias && !*c->alias)
			fail_msg("'%s' has an empty alias", n);
	}
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
 * .SS "NAME USAGE" with the usage as in the table (roff's \- read as -).
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
		char *want = xasprintf("\n.SS \"%s%s%s\"\n", c->name, *c->usage ? " " : "", c->usage);

		if (!strstr(strbuf_str(&plain), want))
			fail_msg("%s has no block for '%s': expected the line %s", path, c->name,
				 want + 1);
		free(want);
	}
	strbuf_release(&plain);
	strbuf_release(&page);
	free(path);
	free(top);
}

static void test_usage_line(void **state)
{
	char buf[512];
	FILE *f;
	size_t n;

	(void)state;
	f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	cmd_usage(&cmd_start, f);
	cmd_usage(&cmd_quit, f);
	n = (size_t)ftell(f);
	assert_int_equal(fclose(f), 0);
	buf[n < sizeof(buf) ? n : sizeof(buf) - 1] = '\0';
	assert_string_equal(buf, "usage: kmemlab start LESSON\n"
				 "usage: kmemlab quit\n");
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

/* ---- opts_parse ---- */

enum { O_JSON, O_SOURCE, O_TIMEOUT, O_PARAM, NOPTS };

static void init_opts(struct opt *o)
{
	memset(o, 0, NOPTS * sizeof(*o));
	o[O_JSON].name = "json";
	o[O_SOURCE].name = "source";
	o[O_SOURCE].takes_value = 1;
	o[O_TIMEOUT].name = "timeout";
	o[O_TIMEOUT].takes_value = 1;
	o[O_PARAM].name = "param";
	o[O_PARAM].takes_value = 1;
}

static void test_opts_anywhere(void **state)
{
	char *argv[] = { "check", "--json", "ksize", "--source", "/tmp/ksize_ex.c",
			 "--timeout=20", "extra", NULL };
	int argc = 7;
	struct opt o[NOPTS];

	(void)state;
	init_opts(o);
	assert_int_equal(opts_parse(&cmd_check, &argc, argv, o, NOPTS), 0);
	assert_int_equal(argc, 3);
	assert_string_equal(argv[0], "check");
	assert_string_equal(argv[1], "ksize");
	assert_string_equal(argv[2], "extra");
	assert_null(argv[3]);
	assert_int_equal(o[O_JSON].seen, 1);
	assert_null(o[O_JSON].value);
	assert_int_equal(o[O_SOURCE].seen, 1);
	assert_string_equal(o[O_SOURCE].value, "/tmp/ksize_ex.c");
	assert_int_equal(o[O_TIMEOUT].seen, 1);
	assert_string_equal(o[O_TIMEOUT].value, "20");
	assert_int_equal(o[O_PARAM].seen, 0);
	assert_null(o[O_PARAM].value);
	assert_int_equal(o[O_PARAM].nvalues, 0);
	opts_release(o, NOPTS);
}

static void test_opts_none(void **state)
{
	char *argv[] = { "lessons", NULL };
	int argc = 1;
	struct opt o[NOPTS];

	(void)state;
	init_opts(o);
	assert_int_equal(opts_parse(&cmd_lessons, &argc, argv, o, NOPTS), 0);
	assert_int_equal(argc, 1);
	assert_null(argv[1]);
	for (int i = 0; i < NOPTS; i++)
		assert_int_equal(o[i].seen, 0);
	opts_release(o, NOPTS);
}

static void test_opts_repeatable(void **state)
{
	char *argv[] = { "lab", "run", "--param", "count=3", "./mymod", "--param=name=a=b",
			 "--param", "--json", NULL };
	int argc = 8;
	struct opt o[NOPTS];

	(void)state;
	init_opts(o);
	assert_int_equal(opts_parse(&cmd_lab, &argc, argv, o, NOPTS), 0);
	assert_int_equal(argc, 3);
	assert_string_equal(argv[1], "run");
	assert_string_equal(argv[2], "./mymod");
	assert_int_equal(o[O_PARAM].nvalues, 3);
	assert_non_null(o[O_PARAM].values);
	assert_string_equal(o[O_PARAM].values[0], "count=3");
	/* Only the first '=' separates the name from the value. */
	assert_string_equal(o[O_PARAM].values[1], "name=a=b");
	/* A value is taken as it is, even when it looks like an option. */
	assert_string_equal(o[O_PARAM].values[2], "--json");
	assert_string_equal(o[O_PARAM].value, "--json");
	assert_int_equal(o[O_JSON].seen, 0);
	opts_release(o, NOPTS);
	assert_null(o[O_PARAM].values);
	assert_int_equal(o[O_PARAM].nvalues, 0);
}

static void test_opts_double_dash(void **state)
{
	char *argv[] = { "lab", "run", "--", "--json", "-x", "--", "file", NULL };
	int argc = 7;
	struct opt o[NOPTS];

	(void)state;
	init_opts(o);
	assert_int_equal(opts_parse(&cmd_lab, &argc, argv, o, NOPTS), 0);
	assert_int_equal(argc, 6);
	assert_string_equal(argv[1], "run");
	assert_string_equal(argv[2], "--json");
	assert_string_equal(argv[3], "-x");
	assert_string_equal(argv[4], "--");
	assert_string_equal(argv[5], "file");
	assert_null(argv[6]);
	assert_int_equal(o[O_JSON].seen, 0);
	opts_release(o, NOPTS);
}

static void test_opts_errors(void **state)
{
	char *unknown[] = { "check", "ksize", "--bogus", NULL };
	char *unknown_eq[] = { "check", "--bogus=1", NULL };
	char *dash[] = { "check", "-j", NULL };
	char *missing[] = { "check", "ksize", "--source", NULL };
	char *flag_value[] = { "check", "--json=yes", NULL };
	struct {
		char **argv;
		int argc;
	} cases[] = {
		{ unknown, 3 }, { unknown_eq, 2 }, { dash, 2 },
		{ missing, 3 }, { flag_value, 2 },
	};
	struct opt o[NOPTS];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int argc = cases[i].argc;
		int r;

		init_opts(o);
		r = opts_parse(&cmd_check, &argc, cases[i].argv, o, NOPTS);
		if (r != CMD_ERROR)
			fail_msg("opts_parse on '%s' returned %d, not CMD_ERROR",
				 cases[i].argv[cases[i].argc - 1], r);
		opts_release(o, NOPTS);
	}
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
		cmocka_unit_test(test_opts_anywhere),
		cmocka_unit_test(test_opts_none),
		cmocka_unit_test(test_opts_repeatable),
		cmocka_unit_test(test_opts_double_dash),
		cmocka_unit_test(test_opts_errors),
	};

	return cmocka_run_group_tests(tests, 0, NULL);
}
