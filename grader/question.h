/*
 * Lesson questions: the expected answer (for facts of this kernel, read in
 * the lab VM at the time of asking) and the comparison with the learner's.
 */
#ifndef KMEMLAB_QUESTION_H
#define KMEMLAB_QUESTION_H

#include "course.h"
#include "vm.h"

/*
 * The expected answer as text: the right choice's text, the number, or
 * the first accepted text.  A number with answer_vm is measured: the lab
 * VM boots (vo), the grader's probe is put at /lab/kmemlab_probe.ko, and
 * the command's output is the answer.  Returns an allocated string, or
 * NULL after reporting why.
 */
char *question_expected(const struct question *q, const struct vm_options *vo);

/* 1 when answer is right for q with expected from question_expected(). */
int question_is_right(const struct question *q, const char *answer, const char *expected);

#endif
