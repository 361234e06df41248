/*
 * The command table: one struct cmd_entry per command, each in its own
 * cmd-NAME.c, listed once in cmd.c.  The table drives dispatch (with
 * unique prefixes), help, usage and tab completion.
 *
 * To add a command: write cmd-NAME.c exporting `const struct cmd_entry
 * cmd_NAME`, declare it below, add it to cmd_table in cmd.c, and add the
 * file to the Makefile, and add its block to the COMMANDS section of the
 * man page shell/kmemlab.1.  tests/unit/test_cmd.c checks every entry has
 * a usage, a help text, a completion rule and a block in the man page.
 *
 * Every command returns a cmd_retval and never calls exit(): the shell
 * loop or main() decides what happens next.
 */
#ifndef KMEMLAB_CMD_H
#define KMEMLAB_CMD_H

#include "check.h"
#include "course.h"
#include "store.h"

enum cmd_retval {
	CMD_OK = 0,	/* success (a check passed) */
	CMD_FAIL = 1,	/* the learner's work failed (a check, a lab run) */
	CMD_ERROR = 2,	/* usage or setup error (reported) */
	CMD_EXIT = 3,	/* leave the shell */
};

/* What a command's arguments complete to in the shell. */
enum cmd_complete {
	COMPLETE_NONE,
	COMPLETE_COMMAND,
	COMPLETE_LESSON,
	COMPLETE_EXERCISE,
	COMPLETE_FILE,
};

struct cmd_ctx {
	int interactive;	/* inside the tutor shell */
	int color;		/* stdout is a terminal and NO_COLOR is unset */
	const char *accel;	/* --accel, KMEMLAB_ACCEL, or NULL (TCG) */
	struct course course;
	int course_loaded;
	struct store *store;
};

struct cmd_entry {
	const char *name;
	const char *alias;	/* or NULL */
	const char *usage;	/* arguments, after the name */
	const char *summary;	/* one line for the command list */
	const char *help;	/* paragraphs for `help NAME`, with examples */
	enum cmd_complete complete;
	/* Subcommands ("run"; "init", "import"...), NULL-ended: the first argument completes to them. */
	const char *const *subcommands;
	int (*exec)(struct cmd_ctx *ctx, int argc, char **argv);
};

extern const struct cmd_entry cmd_answer, cmd_back, cmd_check, cmd_class, cmd_clear, cmd_course, cmd_diff, cmd_dmesg, cmd_doctor,
	cmd_edit, cmd_help, cmd_hint, cmd_lab, cmd_lessons, cmd_next, cmd_progress, cmd_quit,
	cmd_report, cmd_reset, cmd_show, cmd_solution, cmd_start, cmd_submit, cmd_vm, cmd_watch,
	cmd_whoami;
extern const struct cmd_entry *const cmd_table[];
extern const int cmd_count;

/*
 * Find a command by name, alias or unique prefix.  On failure *cause says
 * why ("unknown command 'x'", "'s' is ambiguous: show, start").
 */
const struct cmd_entry *cmd_find(const char *name, char **cause);
/* Run argv[0] with its arguments. */
int cmd_dispatch(struct cmd_ctx *ctx, int argc, char **argv);
/* Print "usage: kmemlab NAME USAGE" to f. */
void cmd_usage(const struct cmd_entry *c, FILE *f);
/* A usage error: print the message and the usage; returns CMD_ERROR. */
int cmd_usage_error(const struct cmd_entry *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The course and the store, loaded on first use; NULL after an error. */
struct course *ctx_course(struct cmd_ctx *ctx);
struct store *ctx_store(struct cmd_ctx *ctx);
void ctx_release(struct cmd_ctx *ctx);

/*
 * The index of the current lesson in the course (the store's "lesson"
 * state), -1 when none was started, -2 after an error (reported).
 */
int ctx_current_index(struct cmd_ctx *ctx);
/* The current lesson, or NULL (reported with a next step). */
const struct lesson *ctx_current_lesson(struct cmd_ctx *ctx);
/* The exercise of the current lesson, or NULL (reported with a next step). */
const struct exercise *ctx_current_exercise(struct cmd_ctx *ctx);
/*
 * The exercise named by argv[1], or the current one when there is no
 * argument; NULL after reporting (too many arguments, no such exercise).
 */
const struct exercise *ctx_exercise_arg(struct cmd_ctx *ctx, const struct cmd_entry *c, int argc,
				       char **argv);
/* The learner's workspace directory for ex, allocated. */
char *workspace_dir(const struct exercise *ex);

/*
 * Keep the kernel log of a check or lab run (what) for `dmesg`, and after
 * it the trace events the grader read (trace: NULL or empty for none); a
 * failure to write it is only a warning.
 */
void save_last_dmesg(const char *what, const struct strbuf *log, const struct strbuf *trace);

/* Ask a yes/no question on the terminal; 1 only for an explicit yes. */
int ask_yes(const char *question);

/* Parse "--name VALUE" / "--name=VALUE" style options, see cmd.c. */
struct opt {
	const char *name;	/* "json", "source" */
	int takes_value;
	int seen;
	const char *value;	/* last value */
	const char **values;	/* all values, for repeatable options */
	int nvalues;
};
/*
 * Pull options out of argv (anywhere), leaving positional arguments in
 * argv[1..*argc-1].  Returns 0, or CMD_ERROR after reporting a bad option.
 */
int opts_parse(const struct cmd_entry *c, int *argc, char **argv, struct opt *opts, int nopts);
void opts_release(struct opt *opts, int nopts);
/*
 * A --timeout style option: whole seconds from 1 to 3600 into *ms (left
 * alone when the option was not given).  Returns 0, or CMD_ERROR after
 * reporting a bad value.
 */
int opt_seconds(const struct cmd_entry *c, const struct opt *o, int *ms);
/*
 * --append ARGS (the lab kernel's command line) and --mem MB into vo; a VM
 * with either boots afresh (no saved state).  0, or CMD_ERROR after
 * reporting a bad value.
 */
struct vm_options;
int opt_vm(const struct cmd_entry *c, const struct opt *append, const struct opt *mem,
	   struct vm_options *vo);
struct lab;
/*
 * A root busybox shell on the console of lab (started with console_tty,
 * ready), on this terminal, until the user leaves it.  CMD_OK, CMD_FAIL
 * when the VM stopped, CMD_ERROR.
 */
int vm_console_shell(struct lab *lab);

#endif
