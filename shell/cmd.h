/*
 * The command table: one struct cmd_entry per command, each in its own
 * cmd-NAME.c, listed once in cmd.c.  The table is the command grammar:
 * its options (which take a value, which may be repeated, the values
 * allowed, what a value completes to), how many arguments it takes, its
 * subcommands.  Dispatch (with unique prefixes) parses a command line
 * against it once; help, usage, tab completion and the unit test that
 * walks the table read the same entries.
 *
 * To add a command: write cmd-NAME.c exporting `const struct cmd_entry
 * cmd_NAME` (its options, argument counts and exec function), declare it
 * below, add it to cmd_table in cmd.c, and add the file to the Makefile,
 * and add its block to the COMMANDS section of the man page
 * shell/kmemlab.1.  tests/unit/test_cmd.c checks every entry has a usage,
 * a help text and a block in the man page, and that every option is in
 * both.  A command with subcommands ("class import") lists them as
 * entries of their own in .subcommands, each with .parent set back.
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

/*
 * One option of a command, given as --NAME, --NAME VALUE or --NAME=VALUE,
 * anywhere on the line ("--" ends the options).  An option given twice
 * keeps its last value; args_values() has every value of a repeatable one.
 */
struct cmd_option {
	const char *name;		/* "json", "source" */
	int takes_value;
	int repeatable;			/* shown as [--NAME VALUE]... in the usage */
	enum cmd_complete complete;	/* what its value completes to */
	const char *const *values;	/* NULL, or the only values it takes, NULL-ended */
};

struct cmd_args;

/* No upper bound on a command's arguments. */
#define CMD_ARGS_ANY (-1)

struct cmd_entry {
	const char *name;
	const char *alias;	/* or NULL */
	/* Arguments, after the name; NULL with subcommands: their usages make it. */
	const char *usage;
	const char *summary;	/* one line for the command list */
	const char *help;	/* paragraphs for `help NAME`, with examples */
	enum cmd_complete complete;	/* what its arguments complete to */
	const struct cmd_option *options;	/* ended by one with no name; or NULL */
	/* How many arguments (not options) it takes: max_args CMD_ARGS_ANY for no bound. */
	int min_args, max_args;
	/* What a wrong number of arguments is told ("name one lesson"), or NULL. */
	const char *args_error;
	/* Subcommands, NULL-ended: the first argument names one, which then runs. */
	const struct cmd_entry *const *subcommands;
	const struct cmd_entry *parent;	/* of a subcommand */
	int hidden;		/* a subcommand kmemlab runs itself: not listed or completed */
	int (*exec)(struct cmd_ctx *ctx, const struct cmd_args *args);
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
/*
 * Run c (argv[0] is its name, not looked at): find the subcommand, parse
 * the line against the entry, check it and call exec.
 */
int cmd_run(struct cmd_ctx *ctx, const struct cmd_entry *c, int argc, char **argv);
/*
 * "NAME USAGE", allocated: "class import [--class DIR] BUNDLE..." for a
 * subcommand, "lab run PATH... | prepare" for a command with subcommands.
 */
char *cmd_usage_line(const struct cmd_entry *c);
/* Print "usage: kmemlab " and the usage line to f. */
void cmd_usage(const struct cmd_entry *c, FILE *f);
/* A usage error: print the message and the usage; returns CMD_ERROR. */
int cmd_usage_error(const struct cmd_entry *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The option of c named name, or NULL. */
const struct cmd_option *cmd_option_find(const struct cmd_entry *c, const char *name);
/*
 * Where the name of a subcommand of c is in argv[1..argc-1]: the first
 * argument, options before it skipped (with their values, when a
 * subcommand's option of that name takes one); 0 when there is none.
 */
int cmd_subcommand_at(const struct cmd_entry *c, int argc, const char *const *argv);

/*
 * A command line parsed against its entry: the arguments in order, and
 * the options by name.  Looking up a name the entry does not have is a
 * bug in kmemlab, and aborts.
 */
struct cmd_args {
	const struct cmd_entry *entry;
	int argc;		/* the arguments, options taken out */
	char **argv;		/* argv[0] is the first argument; NULL-ended */
	struct cmd_arg {	/* one per option of the entry, in its order */
		int seen;
		const char *value;	/* the last value */
		const char **values;	/* every value */
		int nvalues;
	} *opts;
};
#define CMD_ARGS_INIT { NULL, 0, NULL, NULL }

/*
 * Parse argv[0..argc-1] (the words after the command's name) against c:
 * options by its table, a value outside an option's values refused, the
 * number of arguments checked.  0, or CMD_ERROR after reporting it with
 * the usage.  args points into argv: keep argv while args is used.
 */
int args_parse(const struct cmd_entry *c, int argc, char **argv, struct cmd_args *args);
void args_release(struct cmd_args *args);
/* Was option name given? */
int args_has(const struct cmd_args *args, const char *name);
/* Option name's value (the last one given), or NULL. */
const char *args_get(const struct cmd_args *args, const char *name);
/* Every value of option name, in order; *n of them. */
const char *const *args_values(const struct cmd_args *args, const char *name, int *n);

/* The course and the store, loaded on first use; NULL after an error. */
struct course *ctx_course(struct cmd_ctx *ctx);
struct store *ctx_store(struct cmd_ctx *ctx);
/*
 * The course of the class whose database is st, loaded from the folder
 * 'class init' recorded (whatever --course says); NULL after an error.
 */
struct course *ctx_class_course(struct cmd_ctx *ctx, struct store *st);
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
 * The exercise named by the first argument, or the current one when there
 * is none; NULL after reporting (no such exercise, none current).
 */
const struct exercise *ctx_exercise_arg(struct cmd_ctx *ctx, const struct cmd_args *args);
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

/*
 * A --timeout style option, name: whole seconds from 1 to 3600 into *ms
 * (left alone when the option was not given).  Returns 0, or CMD_ERROR
 * after reporting a bad value.
 */
int args_seconds(const struct cmd_args *args, const char *name, int *ms);
/*
 * A whole number from lo to hi of option name into *v (left alone when it
 * was not given).  0, or CMD_ERROR after reporting a bad value.
 */
int args_number(const struct cmd_args *args, const char *name, long lo, long hi, int *v);
/*
 * --append ARGS (the lab kernel's command line) and --mem MB into vo; a VM
 * with either boots afresh (no saved state).  0, or CMD_ERROR after
 * reporting a bad value.
 */
struct vm_options;
int args_vm(const struct cmd_args *args, struct vm_options *vo);
struct lab;
/*
 * A root busybox shell on the console of lab (started with console_tty,
 * ready), on this terminal, until the user leaves it.  CMD_OK, CMD_FAIL
 * when the VM stopped, CMD_ERROR.
 */
int vm_console_shell(struct lab *lab);

#endif
