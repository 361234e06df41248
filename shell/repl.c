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

static const char *const report_formats[] = { "table", "csv", "html", "json", NULL };

struct candidates {
	char **v;
	int n;
};

static void cand_add(struct candidates *c, const char *word, const char *prefix)
{
	if (strncmp(word, prefix, strlen(prefix)))
		return;
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->v[i], word))
			return;
	c->v = xrealloc(c->v, (size_t)(c->n + 1) * sizeof(char *));
	c->v[c->n++] = xstrdup(word);
}

static void complete_files(struct candidates *c, const char *prefix)
{
	const char *slash = strrchr(prefix, '/');
	char *dir = slash ? xstrndup(prefix, (size_t)(slash - prefix + 1)) : xstrdup("");
	DIR *d = opendir(*dir ? dir : ".");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *full;

		if (e->d_name[0] == '.' && (!slash ? prefix[0] != '.' : slash[1] != '.'))
			continue;
		full = xasprintf("%s%s%s", dir, e->d_name, e->d_type == DT_DIR ? "/" : "");
		cand_add(c, full, prefix);
		free(full);
	}
	if (d)
		closedir(d);
	free(dir);
}

static unsigned char complete(EditLine *el, int ch)
{
	struct cmd_ctx *ctx;
	const LineInfo *li = el_line(el);
	Tokenizer *tok = tok_init(NULL);
	const char **av;
	int ac, cur, off, ret = CC_ERROR;
	struct candidates c = { 0 };
	const char *word;
	size_t common;

	(void)ch;
	el_get(el, EL_CLIENTDATA, &ctx);
	if (tok_line(tok, li, &ac, &av, &cur, &off) < 0)
		goto out;
	word = cur < ac ? av[cur] : "";
	if (cur < ac && off < (int)strlen(word))
		goto out;	/* only complete at the end of a word */
	if (cur == 0) {
		for (int i = 0; i < cmd_count; i++)
			cand_add(&c, cmd_table[i]->name, word);
	} else {
		char *cause = NULL;
		const struct cmd_entry *e = cmd_find(av[0], &cause);
		struct course *course = e ? ctx_course(ctx) : NULL;

		free(cause);
		if (e && cur >= 2 && (!strcmp(av[cur - 1], "--source") ||
				      !strcmp(av[cur - 1], "--out") || !strcmp(av[cur - 1], "--class"))) {
			complete_files(&c, word);	/* an option that takes a path */
		} else if (e && cur >= 2 && !strcmp(av[cur - 1], "--format")) {
			for (int i = 0; report_formats[i]; i++)
				cand_add(&c, report_formats[i], word);
		} else if (e && cur == 1 && e->subcommands) {
			for (int i = 0; e->subcommands[i]; i++)
				cand_add(&c, e->subcommands[i], word);
		} else if (e && e->complete == COMPLETE_COMMAND) {
			for (int i = 0; i < cmd_count; i++)
				cand_add(&c, cmd_table[i]->name, word);
		} else if (e && e->complete == COMPLETE_LESSON && course) {
			for (int i = 0; i < course->nlessons; i++)
				cand_add(&c, course->lessons[i].id, word);
		} else if (e && e->complete == COMPLETE_EXERCISE && course) {
			for (int i = 0; i < course->nlessons; i++)
				for (int j = 0; j < course->lessons[i].nexercises; j++)
					cand_add(&c, course->lessons[i].exercises[j].id, word);
		} else if (e && e->complete == COMPLETE_FILE) {
			complete_files(&c, word);
		}
	}
	if (c.n == 0)
		goto out;
	/* Insert what all candidates share; list them when that is not all. */
	common = strlen(c.v[0]);
	for (int i = 1; i < c.n; i++) {
		size_t k = 0;

		while (k < common && c.v[i][k] == c.v[0][k])
			k++;
		common = k;
	}
	if (common > strlen(word)) {
		char *ins = xstrndup(c.v[0] + strlen(word), common - strlen(word));

		el_insertstr(el, ins);
		free(ins);
	}
	if (c.n == 1) {
		size_t n = strlen(c.v[0]);

		if (n && c.v[0][n - 1] != '/')
			el_insertstr(el, " ");
		ret = CC_REFRESH;
	} else {
		putchar('\n');
		for (int i = 0; i < c.n; i++)
			printf("%s%s", c.v[i], i + 1 < c.n ? "  " : "\n");
		ret = CC_REDISPLAY;
	}
out:
	for (int i = 0; i < c.n; i++)
		free(c.v[i]);
	free(c.v);
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
