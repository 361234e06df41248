/*
 * What the course loader's files share (course.c, course-question.c).
 */
#ifndef KMEMLAB_COURSE_INTERNAL_H
#define KMEMLAB_COURSE_INTERNAL_H

#include "course.h"

struct json_object;

/* The question object o (at where, "questions[1]") into q; -1 with *cause. */
int load_question(struct json_object *o, const char *where, struct question *q, char **cause);
void question_release(struct question *q);

#endif
