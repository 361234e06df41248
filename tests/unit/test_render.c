/*
 * Lesson Markdown for the terminal (shell/render.h): what each element
 * becomes, that text fits the width, that plain output holds no escape
 * byte, and that odd input neither crashes nor loses words.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pager.h"
#include "render.h"
#include "unit.h"

static char *render(const char *md, int width, int color)
{
	struct strbuf out = STRBUF_INIT;

	render_markdown(md, strlen(md), width, color, &out);
	return out.buf ? strbuf_detach(&out, NULL) : xstrdup("");
}

/* Is there a line in text that is exactly want? */
static int has_line(const char *text, const char *want)
{
	size_t n = strlen(want);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, want, n) && (p[n] == '\n' || !p[n]))
			return 1;
	return 0;
}

/* A code block line: blanks or quote bars, four spaces, the code colour. */
static int is_code_line(const char *p, size_t len)
{
	const char *c = memmem(p, len, "    \033[36m", 9);

	if (!c)
		return 0;
	for (const char *q = p; q < c; q++)
		if (isalnum((unsigned char)*q))
			return 0;
	return 1;
}

/*
 * Every line fits in width columns.  Code block lines are not wrapped, so
 * they are let through: skip_code 1 for coloured output (where they are
 * known by their colour), 2 for plain output (any line that starts with
 * four spaces).
 */
static void assert_fits(const char *text, int width, int skip_code)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		int w = render_text_width(p, len);
		int code = (skip_code == 1 && is_code_line(p, len)) ||
			   (skip_code == 2 && !strncmp(p, "    ", 4));

		if (w > width && !code)
			fail_msg("line of %d columns in a width of %d: '%.*s'", w, width, (int)len, p);
		p = nl ? nl + 1 : p + len;
	}
}

static void test_headings(void **state)
{
	char *c, *p;

	(void)state;
	c = render("# One\n\n## Two\n\n### Three\n", 60, 1);
	assert_non_null(strstr(c, "\033[1m\033[35mOne"));
	assert_non_null(strstr(c, "\033[1m\033[33mTwo"));
	assert_non_null(strstr(c, "\033[1mThree"));
	p = render("# One\n\n## Two\n\n### Three\n", 60, 0);
	assert_string_equal(p, "One\n===\n\nTwo\n---\n\nThree\n");
	free(c);
	free(p);
	/* A long heading wraps, and its rule is as long as its widest line. */
	p = render("# a heading long enough that it has to wrap at forty columns\n", 40, 0);
	assert_true(has_line(p, "a heading long enough that it has to"));
	assert_true(has_line(p, "wrap at forty columns"));
	assert_true(has_line(p, "===================================="));
	free(p);
}

static void test_emphasis_and_code_spans(void **state)
{
	char *c, *p;

	(void)state;
	c = render("plain *it* **bo** `co` ~~del~~\n", 60, 1);
	assert_non_null(strstr(c, "\033[3mit\033[0m"));
	assert_non_null(strstr(c, "\033[1mbo\033[0m"));
	assert_non_null(strstr(c, "\033[36mco\033[0m"));
	assert_non_null(strstr(c, "\033[9mdel\033[0m"));
	p = render("plain *it* **bo** `co` ~~del~~\n", 60, 0);
	assert_string_equal(p, "plain it bo `co` ~~del~~\n");
	free(c);
	free(p);
}

static void test_lists(void **state)
{
	char *p;

	(void)state;
	p = render("Intro.\n\n- a\n- b\n  - c\n  - d\n- e\n\n1. x\n2. y\n\nAfter.\n", 60, 0);
	assert_string_equal(p, "Intro.\n\n- a\n- b\n  - c\n  - d\n- e\n\n1. x\n2. y\n\nAfter.\n");
	free(p);
	/* A hanging indent: wrapped lines start under the item's text. */
	p = render("- one two three four five six seven eight nine ten eleven twelve\n"
		   "  1. alpha beta gamma delta epsilon zeta eta theta iota kappa\n", 40, 0);
	assert_true(has_line(p, "- one two three four five six seven"));
	assert_true(has_line(p, "  eight nine ten eleven twelve"));
	assert_true(has_line(p, "  1. alpha beta gamma delta epsilon zeta"));
	assert_true(has_line(p, "     eta theta iota kappa"));
	assert_fits(p, 40, 0);
	free(p);
	/* A loose list keeps its blank lines; numbering starts where it says. */
	p = render("3. first\n\n4. second\n", 60, 0);
	assert_string_equal(p, "3. first\n\n4. second\n");
	free(p);
	p = render("- a\n- b\n", 60, 1);
	assert_string_equal(p, "\xe2\x80\xa2 a\n\xe2\x80\xa2 b\n");
	free(p);
}

static void test_code_block_not_wrapped(void **state)
{
	char long_line[200], *md, *p, *c, *want;

	(void)state;
	for (int i = 0; i < 150; i++)
		long_line[i] = (char)('a' + i % 26);
	long_line[150] = '\0';
	md = xasprintf("Text.\n\n```\n%s\nx\t= 1;\n```\n\n    indented %s\n", long_line, long_line);
	p = render(md, 40, 0);
	want = xasprintf("    %s", long_line);
	assert_true(has_line(p, want));
	assert_true(has_line(p, "    x       = 1;"));	/* the tab expanded */
	free(want);
	want = xasprintf("    indented %s", long_line);
	assert_true(has_line(p, want));
	free(want);
	c = render(md, 40, 1);
	want = xasprintf("    \033[36m%s\033[0m", long_line);
	assert_true(has_line(c, want));
	free(want);
	free(md);
	free(p);
	free(c);
}

static void test_quotes_links_and_tables(void **state)
{
	char *p;

	(void)state;
	p = render("> quoted **text**\n>\n> > inner\n", 60, 0);
	assert_string_equal(p, "> quoted text\n>\n> > inner\n");
	free(p);
	p = render("See [the docs](https://kernel.org/doc) or <https://lwn.net>.\n", 80, 0);
	assert_string_equal(p, "See the docs (https://kernel.org/doc) or https://lwn.net.\n");
	free(p);
	p = render("| name | size |\n|------|-----:|\n| a | 1 |\n| bbbb | 100 |\n", 60, 0);
	assert_string_equal(p, "name  size\n----  ----\na        1\nbbbb   100\n");
	free(p);
	/* A table wider than the text wraps its cells. */
	p = render("| first column | second column with a lot of words in every cell |\n"
		   "|---|---|\n"
		   "| short | the quick brown fox jumps over the lazy dog again and again |\n",
		   40, 0);
	assert_non_null(strstr(p, "the quick"));
	assert_non_null(strstr(p, "again"));
	assert_fits(p, 40, 0);
	free(p);
}

/* Every line of every lesson fits, in colour and plain, at several widths. */
static void test_lessons_fit_and_plain_has_no_escape(void **state)
{
	char *top = unit_top(), *dir = path_join(top, "lessons");
	DIR *d = opendir(dir);
	struct dirent *e;
	int seen = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		char *path = xasprintf("%s/%s/lesson.md", dir, e->d_name);
		struct strbuf md = STRBUF_INIT;

		if (e->d_name[0] != '.' && read_file(path, &md, 0) == 0) {
			int widths[] = { RENDER_MIN_WIDTH, 57, 80, RENDER_MAX_WIDTH };

			for (size_t i = 0; i < ARRAY_SIZE(widths); i++) {
				char *c = render(strbuf_str(&md), widths[i], 1);
				char *p = render(strbuf_str(&md), widths[i], 0);

				assert_fits(c, widths[i], 1);
				assert_fits(p, widths[i], 2);
				if (strchr(p, '\033'))
					fail_msg("'%s' has an escape byte in plain mode", path);
				assert_non_null(strstr(c, "\033[1m"));
				free(c);
				free(p);
			}
			seen++;
		}
		strbuf_release(&md);
		free(path);
	}
	closedir(d);
	assert_true(seen >= 1);
	free(dir);
	free(top);
}

/*
 * Words (runs of 3+ letters and digits) of md, each somewhere in got; a
 * word cut at the end of a line counts as kept.
 */
static void assert_words_kept(const char *md, const char *got_lines)
{
	const char *p = md;
	char *got = xstrdup(got_lines), *o = got;

	for (const char *q = got_lines; *q; q++)
		if (!isspace((unsigned char)*q))
			*o++ = *q;
	*o = '\0';

	while (*p) {
		size_t n = 0;

		while (p[n] && isalnum((unsigned char)p[n]))
			n++;
		if (n >= 3) {
			char *w = xstrndup(p, n);

			if (!strstr(got, w))
				fail_msg("'%s' of %s was lost: %s", w, md, got);
			free(w);
		}
		p += n ? n : 1;
	}
	free(got);
}

static void test_odd_input(void **state)
{
	static const char *const odd[] = {
		"",
		"\n\n\n",
		"#",
		"######",
		"####### seven hashes",
		"**unclosed strong and *emphasis and `code",
		"[link text](",
		"[link text]( unclosed target",
		"![alt words](",
		"```\nfence never closed\nsecond line",
		"~~~\nother fence\n~~~",
		"| lone | pipe",
		"|---|",
		"| head |\n|---|\n",
		"<div>\nraw html kept\n</div>",
		"a <span>inline html</span> here",
		"> > > > > > > > > > > > > > > > > > > > > > > > > > > > deep quote words",
		"- a\n  - b\n    - c\n      - d\n        - e\n          - f\n            - g\n"
		"              - h\n                - deepest item words",
		"1) paren list\n2) second one",
		"- [x] task done\n- [ ] task open",
		"entity &bogus; and &#xZZ; and &#99999999; stay",
		"tabs\tinside\ttext and trailing spaces   \nnext",
		"line one  \nhard break two\\\nbackslash three",
		"***\n---\n___",
		"Setext heading\n===",
		"word\x01control\x7f chars and \x1b[31mescape",
		"broken utf8 \xc3 and \xff bytes",
		"utf8\xe2\x80\xa6" "ellipsis",
		"[ref link][nothere] words",
		"averyveryveryveryveryveryveryveryveryveryveryveryveryverylongword",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(odd); i++) {
		for (int color = 0; color < 2; color++) {
			char *out = render(odd[i], RENDER_MIN_WIDTH, color);

			assert_fits(out, RENDER_MIN_WIDTH, color ? 1 : 2);
			if (!color) {
				if (strchr(out, '\033'))
					fail_msg("escape byte from %s", odd[i]);
				assert_words_kept(odd[i], out);
			}
			/* Colour mode writes only the escapes it makes itself. */
			if (color && strstr(out, "\033[31m"))
				fail_msg("the source's escape sequence reached the terminal");
			free(out);
		}
	}
}

static void test_control_characters_shown_in_caret_form(void **state)
{
	char *p;

	(void)state;
	p = render("a\x1b[2Jb c\x07" "d\n", 60, 0);
	assert_string_equal(p, "a^[[2Jb c^Gd\n");
	free(p);
	/* A C1 control (CSI as U+009B) becomes U+FFFD. */
	p = render("x\xc2\x9b" "2Jy\n", 60, 0);
	assert_string_equal(p, "x\xef\xbf\xbd" "2Jy\n");
	free(p);
}

static void test_render_width(void **state)
{
	(void)state;
	setenv("COLUMNS", "60", 1);
	assert_int_equal(render_width(-1), 60);
	setenv("COLUMNS", "10", 1);
	assert_int_equal(render_width(-1), RENDER_MIN_WIDTH);
	setenv("COLUMNS", "500", 1);
	assert_int_equal(render_width(-1), RENDER_MAX_WIDTH);
	setenv("COLUMNS", "wide", 1);
	assert_int_equal(render_width(-1), 80);
	unsetenv("COLUMNS");
	assert_int_equal(render_width(-1), 80);
}

static void test_pager_rows(void **state)
{
	(void)state;
	assert_int_equal(pager_rows("", 0, 80), 0);
	assert_int_equal(pager_rows("a\n\nbbbbb\n", 9, 2), 1 + 1 + 3);
	/* Escape sequences take no room; UTF-8 characters take one column. */
	{
		const char *t = "\033[1mab\033[0m\n\xe2\x80\xa2" "c\n";

		assert_int_equal(pager_rows(t, strlen(t), 2), 2);
	}
	assert_int_equal(pager_rows("no newline at the end", 21, 10), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headings),
		cmocka_unit_test(test_emphasis_and_code_spans),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_code_block_not_wrapped),
		cmocka_unit_test(test_quotes_links_and_tables),
		cmocka_unit_test(test_lessons_fit_and_plain_has_no_escape),
		cmocka_unit_test(test_odd_input),
		cmocka_unit_test(test_control_characters_shown_in_caret_form),
		cmocka_unit_test(test_render_width),
		cmocka_unit_test(test_pager_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
