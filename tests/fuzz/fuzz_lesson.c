/*
 * The lesson loader (grader/course.h) on arbitrary lesson.json text, read
 * as if it were lessons/01-ksize/lesson.json of this tree, so that the
 * text, skeleton and solution paths of real lessons resolve.  Properties:
 * a refused lesson has a cause and nothing allocated; an accepted one has
 * every required field, and can be looked up by its ids.
 *
 * Mutations are structure-aware (LLVMFuzzerCustomMutator, json-mutate.h):
 * two times in three an input that is JSON gets one of its values
 * replaced by null or a value of another type, a member left out, a member
 * added (a field of lesson.json, or an unknown one) or an array item
 * repeated; otherwise, or when it is not JSON, libFuzzer's own byte
 * mutations apply.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "course.h"
#include "json-mutate.h"
#include "util.h"

#ifndef FUZZ_DATADIR
#define FUZZ_DATADIR "."
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

static const char *data_dir;
static char *lesson_path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	data_dir = getenv("KMEMLAB_DATA") ? getenv("KMEMLAB_DATA") : FUZZ_DATADIR;
	lesson_path = path_join(data_dir, "lessons/01-ksize/lesson.json");
	if (!is_file(lesson_path)) {
		fprintf(stderr, "fuzz_lesson: no '%s': set KMEMLAB_DATA to the kmemlab tree\n",
			lesson_path);
		exit(2);
	}
	return 0;
}

static void check_exercise(const struct exercise *ex)
{
	if (!ex->id || !ex->title || !ex->check || !ex->module || !ex->file || !ex->skeleton ||
	    !ex->solution || ex->nhints < 1 || !ex->hints)
		abort();
	for (int i = 0; i < ex->nhints; i++)
		if (!ex->hints[i] || !*ex->hints[i])
			abort();
	if (ex->boot_mem_mb && (ex->boot_mem_mb < 64 || ex->boot_mem_mb > 4096))
		abort();
	if (ex->points < 0 || ex->points > 1000)
		abort();
}

static void check_question(const struct question *q)
{
	if (!q->id || !q->text)
		abort();
	switch (q->kind) {
	case QUESTION_CHOICE:
		if (q->nchoices < 2 || q->answer < 0 || q->answer >= q->nchoices)
			abort();
		break;
	case QUESTION_NUMBER:
		if (q->tolerance < 0 || q->nchoices)
			abort();
		break;
	case QUESTION_TEXT:
		if (q->nchoices < 1)
			abort();
		break;
	}
	for (int i = 0; i < q->nchoices; i++)
		if (!q->choices[i] || !*q->choices[i])
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lesson l;
	struct course c = { 0 };
	char *cause = NULL;

	if (course_parse(data_dir, lesson_path, (const char *)data, size, &l, &cause) < 0) {
		static const struct lesson zero;

		if (!cause || !*cause || memcmp(&l, &zero, sizeof(l)))
			abort();
		free(cause);
		return 0;
	}
	if (cause || !l.id || !l.title || !l.text_path || !l.dir || l.number < 1)
		abort();
	for (int i = 0; i < l.nexercises; i++)
		check_exercise(&l.exercises[i]);
	for (int i = 0; i < l.nquestions; i++)
		check_question(&l.questions[i]);
	/* A course of this one lesson, as course_load() makes it. */
	c.lessons = xmalloc(sizeof(l));
	c.lessons[0] = l;
	c.nlessons = 1;
	for (int i = 0; i < l.nexercises; i++) {
		c.lessons[0].exercises[i].lesson = &c.lessons[0];
		if (!course_exercise(&c, l.exercises[i].id))
			abort();
	}
	if (course_lesson(&c, l.id) != &c.lessons[0])
		abort();
	course_release(&c);
	return 0;
}

/* ---- structure-aware mutations (json-mutate.h) ---- */

/* Every member name lesson.json has anywhere, and one it never has. */
static const char *const names[] = {
	"id", "number", "title", "text", "exercises", "questions", "kind", "check",
	"module", "program", "file", "skeleton", "solution", "hints", "boot", "cmdline",
	"mem_mb", "fresh", "points", "choices", "answer", "answer_vm", "tolerance", "accept", "colour",
};

static const char *const strings[] = {
	"", "x", "module", "program", "choice", "number", "text", "ksize", "slabinfo",
	"a\u00e9b", "../../etc/passwd", "a/b.c", "modules/exercises/ksize/skeleton",
	"lesson.md", "echo 42", "UPPER case", "\x1b[2J",
};

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	static const struct json_words words = { names, ARRAY_SIZE(names), strings,
						 ARRAY_SIZE(strings) };
	size_t len = 0;
	char *out;

	rnd_state = seed;
	if (!rnd(3) || size > (1u << 20))
		return LLVMFuzzerMutate(data, size, max_size);
	out = json_mutate_text((const char *)data, size, &words, &len);
	if (!out || len > max_size) {
		free(out);
		return LLVMFuzzerMutate(data, size, max_size);
	}
	memcpy(data, out, len);
	free(out);
	return len;
}
