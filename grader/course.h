/*
 * The course: lessons/NN-name/lesson.json files, loaded and validated.
 *
 * A lesson.json names the lesson (id, number, title), its Markdown text,
 * and its exercises: id, title, the grader check that grades it, the
 * module name, the learner's file, the skeleton and solution directories
 * (relative to the data directory) and progressive hints.  A malformed
 * file is reported with its path and what is wrong, and the course does
 * not load.
 *
 * Every member of every object is checked against this schema ("str" is
 * a non-empty string without NUL characters; * marks a required field):
 *
 *   lesson    *id str (a-z 0-9 - _), *number int (1-999), *title str,
 *             *text str (a file beside lesson.json), exercises [exercise],
 *             questions [question]
 *   exercise  *id str (a-z 0-9 - _), *title str, kind "module" | "program"
 *             (default "module"), *check str (a grader check),
 *             module str (*for kind "module", else absent),
 *             program str (*for kind "program", else absent),
 *             *file str (a name without '/'), *skeleton str, *solution str
 *             (directories holding file), *hints [str] (one or more),
 *             points int (0-1000, default COURSE_POINTS: what the exercise
 *             is worth in reports),
 *             boot { cmdline str, mem_mb int (64-4096), fresh bool }
 *   question  *id str (a-z 0-9 - _), *kind "choice" | "number" | "text", *text str;
 *             choice: *choices [str] (two or more), *answer int (an index);
 *             number: answer number | answer_vm str (exactly one),
 *                     tolerance number (>= 0);
 *             text:   *accept [str] (one or more)
 *
 * Beside the lessons, lessons/course.json (optional) holds what the whole
 * course declares once:
 *
 *   course    credit "all-or-nothing" | "partial" (default "all-or-nothing")
 *
 * Unknown fields are errors, not warnings: the lessons ship with kmemlab
 * and the unit tests load them all, so a misspelt field ("hint" for
 * "hints") is caught at once instead of being silently ignored.  So is a
 * field of another kind (a "choices" in a number question).  A message
 * names the field by its path from the top of the file, counting array
 * items from 0 ('exercises[0].boot.cmdline'), and says what it must be;
 * course_load() adds the file's path.
 */
#ifndef KMEMLAB_COURSE_H
#define KMEMLAB_COURSE_H

#include <stddef.h>

/* An exercise's points when its lesson file does not say. */
#define COURSE_POINTS 10

/* How an exercise's points are earned (course.json's "credit"). */
enum course_credit {
	CREDIT_ALL_OR_NOTHING,	/* all of them for a pass, none otherwise */
	CREDIT_PARTIAL,		/* points x checks passed / checks */
};

enum exercise_kind {
	EXERCISE_MODULE,	/* a kernel module, built with kbuild */
	EXERCISE_PROGRAM,	/* a user program, built with gcc -static */
};

/* A solution with one mistake, and the check it must fail on. */
struct wrong_solution {
	char *dir;		/* absolute, or NULL with patch */
	char *patch;		/* absolute: a diff -u applied to the solution (patch -p1) */
	char *fails;
};

struct grading;

struct exercise {
	char *id;
	char *title;
	char *check;		/* a C checker's name, or "declared" with grading */
	struct grading *grading;	/* declared grading (grading.h), or NULL */
	struct wrong_solution *wrong;
	int nwrong;
	enum exercise_kind kind;
	char *module;		/* the module's (or the program's) name */
	char *file;
	char *boot_cmdline;	/* extra kernel command line, or NULL */
	int boot_mem_mb;	/* guest memory, or 0 for the default */
	int boot_fresh;		/* needs a new boot (a new KASLR offset), not a restored VM */
	int points;		/* what it is worth in reports */
	char *skeleton;	/* absolute */
	char *solution;	/* absolute */
	char **hints;
	int nhints;
	struct lesson *lesson;
};

enum question_kind {
	QUESTION_CHOICE,	/* choices[answer] is right */
	QUESTION_NUMBER,	/* answer, or the output of answer_vm in the lab VM */
	QUESTION_TEXT,		/* any of accept[] (case-insensitive) */
};

struct question {
	char *id;
	enum question_kind kind;
	char *text;
	char **choices;		/* choice: the options; text: the accepted answers */
	int nchoices;
	int answer;		/* choice: index of the right option */
	double number;		/* number: the answer, unless answer_vm is set */
	double tolerance;
	char *answer_vm;	/* number: a shell command whose output is the answer */
};

struct lesson {
	char *id;
	struct question *questions;
	int nquestions;
	int number;
	char *title;
	char *text_path;	/* absolute */
	char *dir;
	struct exercise *exercises;
	int nexercises;
};

struct course {
	char *id;		/* lessons/course.json's, or "kmemlab" */
	char *title;
	char *version;		/* "1" when not said */
	char *dir;		/* the pack's folder */
	struct lesson *lessons;
	int nlessons;
	enum course_credit credit;
	int points;		/* the sum of every exercise's */
};

/*
 * Load every lesson under DATA/lessons, and DATA/lessons/course.json if
 * there is one.  Reports the first problem.
 */
int course_load(const char *data_dir, struct course *c);
void course_release(struct course *c);
/*
 * What decides c's grading, hashed: the course file, every lesson file,
 * and the probes' sources and grading scripts they declare.  Submissions
 * carry it, so a class can tell a bundle graded by other rules.  Read
 * afresh at each call (the files, not the loaded course); empty for a
 * course not loaded from a folder.
 */
void course_hash(const struct course *c, char hash[65]);

/* "all-or-nothing" or "partial", as course.json says it. */
const char *course_credit_name(enum course_credit credit);

const struct lesson *course_lesson(const struct course *c, const char *id_or_number);
const struct exercise *course_exercise(const struct course *c, const char *id);

/*
 * Validate one lesson.json (for tests and for instructors writing
 * lessons): 0 when it is well formed, else -1 with *cause allocated.
 */
int course_check_file(const char *data_dir, const char *path, struct lesson *out,
		      char **cause);

/*
 * The same for the len bytes at json (not necessarily NUL-terminated), as
 * if read from path: its directory is where the lesson's text is looked
 * for.  For tests and fuzzing without a file of its own.
 */
int course_parse(const char *data_dir, const char *path, const char *json, size_t len,
		 struct lesson *out, char **cause);

#endif
