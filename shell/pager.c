#include "pager.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "render.h"
#include "run.h"

int pager_rows(const char *text, size_t len, int cols)
{
	const char *p = text, *end = text + len;
	int rows = 0;

	if (cols < 1)
		cols = 80;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;
		int w = render_text_width(p, (size_t)(stop - p));

		rows += w ? (w + cols - 1) / cols : 1;
		p = nl ? nl + 1 : end;
	}
	return rows;
}

/* The pager to use, or NULL for none. */
static const char *pager_command(void)
{
	const char *p = getenv("PAGER");

	if (!p)
		return "less -R";
	p += strspn(p, " \t");
	if (!*p || !strcmp(p, "cat"))
		return NULL;
	return p;
}

static int env_number(const char *name)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return 0;
	n = strtol(v, &end, 10);
	return *end || n <= 0 || n > 100000 ? 0 : (int)n;
}

/* Does text need more rows than the terminal on stdout has? */
static int taller_than_screen(const char *text, size_t len)
{
	struct winsize ws = { 0 };
	int rows, cols;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
		memset(&ws, 0, sizeof(ws));
	rows = ws.ws_row ? ws.ws_row : env_number("LINES");
	cols = ws.ws_col ? ws.ws_col : env_number("COLUMNS");
	if (!rows)
		rows = 24;
	/* One row stays for the prompt that follows. */
	return pager_rows(text, len, cols) > rows - 1;
}

static int print_direct(const char *text, size_t len)
{
	if (fwrite(text, 1, len, stdout) != len || fflush(stdout) == EOF)
		return error("cannot write to standard output: %s", strerror(errno));
	return 0;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int run_pager(const char *cmd, const char *text, size_t len)
{
	const char *argv[] = { "sh", "-c", cmd, NULL };
	const char *env[3] = { NULL };
	struct child_process cp = CHILD_PROCESS_INIT;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit, old_pipe;
	struct termios saved;
	int have_modes = tcgetattr(STDOUT_FILENO, &saved) == 0, n = 0, status;

	if (!getenv("LESS"))
		env[n++] = "LESS=FRX";
	if (!getenv("LV"))
		env[n++] = "LV=-c";
	cp.argv = argv;
	cp.env = env;
	cp.pipe_stdin = 1;
	cp.own_group = -1;	/* the pager reads the terminal: stay in its foreground group */
	if (child_start(&cp) < 0)
		return -1;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	sigaction(SIGPIPE, &ign, &old_pipe);
	/* A pager quit before the end closes the pipe: not an error. */
	write_all(cp.pipe_stdin, text, len);
	close(cp.pipe_stdin);
	status = child_wait(&cp);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	if (have_modes)
		tcsetattr(STDOUT_FILENO, TCSADRAIN, &saved);
	/* sh's own "not found" and "cannot execute": nothing was shown. */
	if (status == 127 || status == 126)
		return -1;
	return 0;
}

int pager_print(const char *text, size_t len)
{
	const char *cmd = pager_command();

	if (!cmd || !isatty(STDOUT_FILENO) || !taller_than_screen(text, len))
		return print_direct(text, len);
	fflush(stdout);
	if (run_pager(cmd, text, len) < 0) {
		warning("cannot run the pager '%s': printing the text directly "
			"(PAGER names another, PAGER=cat none)", cmd);
		return print_direct(text, len);
	}
	return 0;
}
