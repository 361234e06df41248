#include "repl.h"

#include <dirent.h>
#include <histedit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"
#include "tutor.h"

/* Split line into words (quotes and backslashes as in sh) with libedit's tokenizer. */
static int split(Tokenizer *tok, const char *line, int *argc, char ***argv)
{
	const char **av;
	int ac;

	tok_reset(tok);
	if (tok_str(tok, line, &ac, &av) != 0) {
		error("unbalanced quote in '%s'", line);
		return -1;
	}
	*argc = ac;
	*argv = xcalloc((size_t)ac + 1, sizeof(char *));
	for (int i = 0; i < ac; i++)
		(*argv)[i] = xstrdup(av[i]);
	return 0;
}

static void free_argv(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

static int run_line(struct cmd_ctx *ctx, Tokenizer *tok, const char *line)
{
	int argc, r;
	char **argv;

	if (split(tok, line, &argc, &argv) < 0)
		return CMD_ERROR;
	if (argc == 0 || argv[0][0] == '#') {
		free_argv(argc, argv);
		return -1;
	}
	r = cmd_dispatch(ctx, argc, argv);
	if (interrupted && r != CMD_EXIT)
		fprintf(stderr, "\ninterrupted: '%s' stopped\n", argv[0]);
	free_argv(argc, argv);
	fflush(stdout);
	return r;
}

/* ---- completion ---- */

struct candidates {
	char **v;
	int n;
	const char *lead;	/* put before each word: "--format=" */
};

static void cand_add(struct candidates *c, const char *word, const char *prefix)
{
	char *full = xasprintf("%s%s", c->lead ? c->lead : "", word);

	if (strncmp(full, prefix, strlen(prefix))) {
		free(full);
		return;
	}
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->v[i], full)) {
			free(full);
			return;
		}
	c->v = xrealloc(c->v, (size_t)(c->n + 2) * sizeof(char *));
	c->v[c->n++] = full;
	c->v[c->n] = NULL;
}

/* The files word completes to (after c->lead, when it has one). */
static void complete_files(struct candidates *c, const char *word)
{
	const char *prefix = word + (c->lead ? strlen(c->lead) : 0);
	const char *slash = strrchr(prefix, '/');
	char *dir = slash ? xstrndup(prefix, (size_t)(slash - prefix + 1)) : xstrdup("");
	DIR *d = opendir(*dir ? dir : ".");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *full;

		if (e->d_name[0] == '.' && (!slash ? prefix[0] != '.' : slash[1] != '.'))
			continue;
		full = xasprintf("%s%s%s", dir, e->d_name, e->d_type == DT_DIR ? "/" : "");
		cand_add(c, full, word);
		free(full);
	}
	if (d)
		closedir(d);
	free(dir);
}

/* Add what word completes to, by kind (and values, when the option has them). */
static void complete_kind(struct cmd_ctx *ctx, struct candidates *c, enum cmd_complete kind,
			  const char *const *values, const char *word)
{
	struct course *course = NULL;

	if (values) {
		for (int i = 0; values[i]; i++)
			cand_add(c, values[i], word);
		return;
	}
	if (kind == COMPLETE_LESSON || kind == COMPLETE_EXERCISE)
		course = ctx_course(ctx);
	switch (kind) {
	case COMPLETE_NONE:
		break;
	case COMPLETE_COMMAND:
		for (int i = 0; i < cmd_count; i++)
			cand_add(c, cmd_table[i]->name, word);
		break;
	case COMPLETE_LESSON:
		for (int i = 0; course && i < course->nlessons; i++)
			cand_add(c, course->lessons[i].id, word);
		break;
	case COMPLETE_EXERCISE:
		for (int i = 0; course && i < course->nlessons; i++)
			for (int j = 0; j < course->lessons[i].nexercises; j++)
				cand_add(c, course->lessons[i].exercises[j].id, word);
		break;
	case COMPLETE_FILE:
		complete_files(c, word);
		break;
	}
}

/* Option name (given as --name) of e, or of any of its subcommands when none is known yet. */
static const struct cmd_option *option_of(const struct cmd_entry *e, int sub_known,
					  const char *name)
{
	const struct cmd_option *o = NULL;

	if (!e->subcommands || sub_known)
		return cmd_option_find(e, name);
	for (int i = 0; !o && e->subcommands[i]; i++)
		o = cmd_option_find(e->subcommands[i], name);
	return o;
}

char **repl_completions(struct cmd_ctx *ctx, int argc, const char *const *argv, int cur)
{
	struct candidates c = { 0 };
	const char *word = cur < argc ? argv[cur] : "";
	const struct cmd_entry *e;
	const struct cmd_option *o;
	char *cause = NULL;
	int sub_known = 0;

	if (cur == 0) {
		complete_kind(ctx, &c, COMPLETE_COMMAND, NULL, word);
		return c.v;
	}
	e = cmd_find(argv[0], &cause);
	free(cause);
	if (!e)
		return NULL;
	if (e->subcommands) {
		const struct cmd_entry *sub = NULL;
		int at = cmd_subcommand_at(e, cur, argv);

		for (int i = 0; at && e->subcommands[i]; i++)
			if (!strcmp(e->subcommands[i]->name, argv[at]))
				sub = e->subcommands[i];
		if (at && !sub)
			return NULL;	/* no such subcommand */
		if (sub)
			e = sub;
		sub_known = at != 0;
	}
	/* The value of the option before: --source PATH. */
	if (cur >= 2 && !strncmp(argv[cur - 1], "--", 2) && !strchr(argv[cur - 1], '=') &&
	    (o = option_of(e, sub_known, argv[cur - 1] + 2)) && o->takes_value) {
		complete_kind(ctx, &c, o->complete, o->values, word);
		return c.v;
	}
	if (!strncmp(word, "--", 2) && strchr(word, '=')) {
		/* --format=h: the value after the '='. */
		char *name = xstrndup(word + 2, (size_t)(strchr(word, '=') - word - 2));

		o = option_of(e, sub_known, name);
		if (o && o->takes_value) {
			c.lead = xasprintf("--%s=", name);
			complete_kind(ctx, &c, o->complete, o->values, word);
			free((char *)c.lead);
		}
		free(name);
		return c.v;
	}
	if (word[0] == '-') {
		for (o = sub_known || !e->subcommands ? e->options : NULL; o && o->name; o++) {
			char *opt = xasprintf("--%s", o->name);

			cand_add(&c, opt, word);
			free(opt);
		}
		return c.v;
	}
	if (e->subcommands && !sub_known) {
		for (int i = 0; e->subcommands[i]; i++)
			if (!e->subcommands[i]->hidden)
				cand_add(&c, e->subcommands[i]->name, word);
		return c.v;
	}
	complete_kind(ctx, &c, e->complete, NULL, word);
	return c.v;
}

static unsigned char complete(EditLine *el, int ch)
{
	struct cmd_ctx *ctx;
	const LineInfo *li = el_line(el);
	Tokenizer *tok = tok_init(NULL);
	const char **av;
	int ac, cur, off, n = 0, ret = CC_ERROR;
	char **v = NULL;
	const char *word;
	size_t common;

	(void)ch;
	el_get(el, EL_CLIENTDATA, &ctx);
	if (tok_line(tok, li, &ac, &av, &cur, &off) < 0)
		goto out;
	word = cur < ac ? av[cur] : "";
	if (cur < ac && off < (int)strlen(word))
		goto out;	/* only complete at the end of a word */
	v = repl_completions(ctx, ac, av, cur);
	while (v && v[n])
		n++;
	if (n == 0)
		goto out;
	/* Insert what all candidates share; list them when that is not all. */
	common = strlen(v[0]);
	for (int i = 1; i < n; i++) {
		size_t k = 0;

		while (k < common && v[i][k] == v[0][k])
			k++;
		common = k;
	}
	if (common > strlen(word)) {
		char *ins = xstrndup(v[0] + strlen(word), common - strlen(word));

		el_insertstr(el, ins);
		free(ins);
	}
	if (n == 1) {
		size_t len = strlen(v[0]);

		if (len && v[0][len - 1] != '/')
			el_insertstr(el, " ");
		ret = CC_REFRESH;
	} else {
		putchar('\n');
		for (int i = 0; i < n; i++)
			printf("%s%s", v[i], i + 1 < n ? "  " : "\n");
		ret = CC_REDISPLAY;
	}
out:
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
	tok_end(tok);
	return (unsigned char)ret;
}

/* Say where the learner is and what to type next. */
static void greet(struct cmd_ctx *ctx)
{
	int at = ctx_current_index(ctx);

	printf("kmemlab: a lab for Linux kernel memory management.\n");
	if (at >= 0) {
		const struct lesson *l = &ctx->course.lessons[at];

		printf("Welcome back: you are on lesson %d, %s (%s).\n'show' shows it again, "
		       "'check' grades your exercise, 'next' goes on, 'help' lists every "
		       "command.\n", l->number, l->title, tutor_lesson_status(ctx, l));
	} else if (at == -1) {
		printf("New here?  Type 'start 1' for the first lesson ('lessons' lists them "
		       "all), 'help' for every command.\nTab completes commands, lessons and "
		       "files; Ctrl-D or 'quit' leaves.\n");
	}
}

static char *prompt(EditLine *el)
{
	(void)el;
	return "kmemlab> ";
}

static int repl_tty(struct cmd_ctx *ctx, Tokenizer *tok)
{
	History *hist = history_init();
	HistEvent ev;
	EditLine *el;
	int last = 0, ctrl_c = 0;

	history(hist, &ev, H_SETSIZE, 1000);
	history(hist, &ev, H_SETUNIQUE, 1);
	history(hist, &ev, H_LOAD, paths.history);	/* none yet on a first run */
	el = el_init("kmemlab", stdin, stdout, stderr);
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_SIGNAL, 1);
	el_set(el, EL_PROMPT, prompt);
	el_set(el, EL_HIST, history, hist);
	el_set(el, EL_CLIENTDATA, ctx);
	el_set(el, EL_ADDFN, "kmemlab-complete", "complete a command, lesson, exercise or file",
	       complete);
	el_set(el, EL_BIND, "^I", "kmemlab-complete", NULL);
	el_source(el, NULL);

	greet(ctx);
	interrupt_catch(1);
	for (;;) {
		int n, r;
		const char *line;
		char *copy;

		interrupted = 0;
		line = el_gets(el, &n);
		if (!line && interrupted) {
			/* Ctrl-C at the prompt: a second one in a row leaves. */
			putchar('\n');
			if (ctrl_c++)
				break;
			printf("(Ctrl-C again, Ctrl-D or 'quit' leaves kmemlab)\n");
			continue;
		}
		if (!line) {
			putchar('\n');
			break;
		}
		ctrl_c = 0;
		copy = rtrim(xstrdup(line));
		if (*copy) {
			char *dir = xstrdup(paths.history), *slash = strrchr(dir, '/');

			history(hist, &ev, H_ENTER, copy);
			if (slash) {
				*slash = '\0';
				mkdir_p(dir, 0700);
			}
			history(hist, &ev, H_SAVE, paths.history);
			free(dir);
		}
		r = run_line(ctx, tok, copy);
		free(copy);
		if (r == CMD_EXIT)
			break;
		if (r >= 0)
			last = r;
	}
	interrupt_catch(0);
	el_end(el);
	history_end(hist);
	(void)last;
	return 0;
}

static int repl_plain(struct cmd_ctx *ctx, Tokenizer *tok)
{
	char *line = NULL;
	size_t cap = 0;
	int last = 0;

	while (getline(&line, &cap, stdin) > 0) {
		int r;

		rtrim(line);
		r = run_line(ctx, tok, line);
		if (r == CMD_EXIT)
			break;
		if (r >= 0)
			last = r;
	}
	free(line);
	return last;
}

int repl_run(struct cmd_ctx *ctx)
{
	Tokenizer *tok = tok_init(NULL);
	int r;

	ctx->interactive = isatty(0) && isatty(1);
	r = ctx->interactive ? repl_tty(ctx, tok) : repl_plain(ctx, tok);
	tok_end(tok);
	return r;
}
