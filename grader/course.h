/*
 * The course: lessons/NN-name/lesson.json files, loaded and validated.
 *
 * A lesson.json names the lesson (id, number, title), its Markdown text,
 * and its exercises: id, title, the grader check that grades it, the
 * module name, the learner's file, the skeleton and solution directories
 * (relative to the data directory) and progressive hints.  A malformed
 * file is reported with its path and what is wrong, and the course does
 * not load.
 */
#ifndef KMEMLAB_COURSE_H
#define KMEMLAB_COURSE_H

enum exercise_kind {
	EXERCISE_MODULE,	/* a kernel module, built with kbuild */
	EXERCISE_PROGRAM,	/* a user program, built with gcc -static */
};

struct exercise {
	char *id;
	char *title;
	char *check;
	enum exercise_kind kind;
	char *module;		/* the module's (or the program's) name */
	char *file;
	char *boot_cmdline;	/* extra kernel command line, or NULL */
	int boot_mem_mb;	/* guest memory, or 0 for the default */
	int boot_fresh;		/* needs a new boot (a new KASLR offset), not a restored VM */
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
	struct lesson *lessons;
	int nlessons;
};

/* Load every lesson under DATA/lessons.  Reports the first problem. */
int course_load(const char *data_dir, struct course *c);
void course_release(struct course *c);

const struct lesson *course_lesson(const struct course *c, const char *id_or_number);
const struct exercise *course_exercise(const struct course *c, const char *id);

/*
 * Validate one lesson.json (for tests and for instructors writing
 * lessons): 0 when it is well formed, else -1 with *cause allocated.
 */
int course_check_file(const char *data_dir, const char *path, struct lesson *out,
		      char **cause);

#endif
