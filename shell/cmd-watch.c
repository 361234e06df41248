#include <errno.h>
#include <poll.h>
#include <termios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cmd.h"
#include "tutor.h"

/* A save worth a new check: not an editor's swap or backup file. */
static int is_source_event(const struct inotify_event *e)
{
	size_t n;

	if (!e->len || e->name[0] == '.' || (e->mask & IN_ISDIR))
		return 0;
	n = strlen(e->name);
	if (e->name[n - 1] == '~' || path_has_suffix(e->name, ".swp") ||
	    path_has_suffix(e->name, ".swx") || path_has_suffix(e->name, ".o") ||
	    path_has_suffix(e->name, ".ko") || !strcmp(e->name, "4913"))
		return 0;
	return 1;
}

/* Drain the inotify queue; 1 if a source file changed. */
static int drain(int fd)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	int changed = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;

			changed |= is_source_event(e);
			p += sizeof(*e) + e->len;
		}
	return changed;
}

static int run_check(struct cmd_ctx *ctx, const struct exercise *ex)
{
	char *argv[] = { "check", (char *)ex->id, NULL };

	return cmd_run(ctx, &cmd_check, 2, argv);
}

static int watch_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const struct exercise *ex = ctx_exercise_arg(ctx, args);
	char *dir = NULL, *path = NULL;
	int fd = -1, created, r = CMD_ERROR, last, have_tty = 0;
	struct termios saved;
	char checked[65] = "";

	if (!ex)
		return CMD_ERROR;
	if (!isatty(0)) {
		error("watch waits for your saves and for q on a terminal: run it in the tutor "
		      "shell, or use 'check' from a script");
		return CMD_ERROR;
	}
	if (tutor_prepare_workspace(ex, &path, &created) < 0)
		return CMD_ERROR;
	dir = workspace_dir(ex);
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	/* Watch the directory: editors often save by writing a new file and renaming it. */
	if (fd < 0 || inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE |
						    IN_DELETE) < 0) {
		error("cannot watch '%s' for changes: %s", dir, strerror(errno));
		goto out;
	}
	if (!ctx->interactive)
		interrupt_catch(1);
	interrupted = 0;
	/* Keys one at a time (q leaves at once), without echo; put back on leaving. */
	if (tcgetattr(0, &saved) == 0) {
		struct termios raw = saved;

		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		have_tty = tcsetattr(0, TCSANOW, &raw) == 0;
	}
	source_hash(dir, checked);
	last = run_check(ctx, ex);
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
				       { .fd = 0, .events = POLLIN } };
		int check = 0;

		if (interrupted)
			break;
		printf("\nwatching %s: save it to check again; Enter checks now, q leaves\n", path);
		fflush(stdout);
		while (!check && !interrupted) {
			/* Bounded, so a Ctrl-C that lands just before poll() is still seen soon. */
			if (poll(p, 2, 250) < 0) {
				if (errno == EINTR)
					continue;
				error("poll: %s", strerror(errno));
				goto out;
			}
			if (p[0].revents & POLLIN) {
				char now[65];

				/* Let the editor finish its writes (all of them) before building. */
				check = drain(fd);
				while (poll(p, 1, 300) > 0 && (p[0].revents & POLLIN))
					check |= drain(fd);
				/* A save that changed nothing (or the same save seen twice) checks nothing. */
				if (check && source_hash(dir, now) == 0 && !strcmp(now, checked))
					check = 0;
			}
			if (p[1].revents & (POLLIN | POLLHUP)) {
				char c = 0;

				if (read(0, &c, 1) <= 0 || c == 'q' || c == 'Q' || c == 4) {
					r = last;
					goto out;
				}
				check = c == '\n' || c == '\r';
			}
		}
		if (interrupted)
			break;
		source_hash(dir, checked);
		last = run_check(ctx, ex);
		drain(fd);	/* what the check itself touched */
	}
	printf("\nleft watch\n");
	r = last;
out:
	if (have_tty)
		tcsetattr(0, TCSANOW, &saved);
	interrupted = 0;
	if (!ctx->interactive)
		interrupt_catch(0);
	if (fd >= 0)
		close(fd);
	free(dir);
	free(path);
	return r;
}

const struct cmd_entry cmd_watch = {
	.name = "watch",
	.alias = NULL,
	.usage = "[EXERCISE]",
	.summary = "check your exercise again every time you save it",
	.help = "Checks the exercise (the current lesson's by default), then waits and\n"
		"checks it again each time a file in your copy is saved.  Enter checks\n"
		"at once; q or Ctrl-C leaves watch and returns to the\n"
		"prompt.  Ctrl-C during a check stops that check (nothing is saved) and\n"
		"watch goes on waiting.  Keep your editor in another terminal, or use\n"
		"'edit' before.\n\n"
		"Examples:\n  watch\n  watch ksize",
	.complete = COMPLETE_EXERCISE,
	.max_args = 1,
	.args_error = "name at most one exercise",
	.exec = watch_exec,
};
