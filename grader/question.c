#include "question.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "paths.h"
#include "session.h"

static char *measure(const struct question *q, const struct vm_options *vo)
{
	struct lab lab;
	struct kbuild_result probe;
	struct vm_exec ex;
	char *ans = NULL;
	int r;

	memset(&probe, 0, sizeof(probe));
	if (lab_open(&lab, vo) < 0)
		return NULL;
	if (lab_start(&lab) < 0 || lab_probe(&lab, &probe) < 0 || lab_ready(&lab) < 0)
		goto out;
	r = vm_put_file(&lab.vm, "/lab/kmemlab_probe.ko", probe.ko, 0644);
	if (r == VM_OK)
		r = vm_sh(&lab.vm, q->answer_vm, 30000, 64 << 10, &ex);
	if (r == VM_OK) {
		char *text = rtrim(xstrdup(strbuf_str(&ex.out)));
		char *end;
		double v = strtod(text, &end);

		if (ex.status || end == text || *end)
			error("question '%s': the lab VM gave no number ('%s' said '%s', exit "
			      "status %d): the lesson file needs fixing", q->id, q->answer_vm,
			      text, ex.status);
		else
			ans = xasprintf("%.15g", v);
		free(text);
		vm_exec_release(&ex);
	} else if (r != VM_ERROR) {
		error("the lab VM stopped while answering question '%s'", q->id);
	}
out:
	lab_close(&lab);
	kbuild_result_release(&probe);
	return ans;
}

char *question_expected(const struct question *q, const struct vm_options *vo)
{
	switch (q->kind) {
	case QUESTION_CHOICE:
		return xstrdup(q->choices[q->answer]);
	case QUESTION_NUMBER:
		return q->answer_vm ? measure(q, vo) : xasprintf("%.15g", q->number);
	case QUESTION_TEXT:
		return xstrdup(q->choices[0]);
	}
	return NULL;
}

/* Lowercase, spaces squeezed, trimmed: how text answers compare. */
static char *normalise(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	int space = 0;

	while (isspace((unsigned char)*s))
		s++;
	for (; *s; s++) {
		if (isspace((unsigned char)*s)) {
			space = 1;
			continue;
		}
		if (space && sb.len)
			strbuf_addch(&sb, ' ');
		space = 0;
		strbuf_addch(&sb, tolower((unsigned char)*s));
	}
	return strbuf_detach(&sb, NULL);
}

int question_is_right(const struct question *q, const char *answer, const char *expected)
{
	char *a = normalise(answer);
	int right = 0;

	switch (q->kind) {
	case QUESTION_CHOICE: {
		char *end;
		long n = strtol(a, &end, 10);

		/* By number (1-based) or by the option's text. */
		if (end != a && !*end)
			right = n - 1 == q->answer;
		else if (strlen(a) == 1 && a[0] >= 'a' && a[0] < 'a' + q->nchoices)
			right = a[0] - 'a' == q->answer;
		else {
			char *want = normalise(q->choices[q->answer]);

			right = !strcmp(a, want);
			free(want);
		}
		break;
	}
	case QUESTION_NUMBER: {
		char *end;
		double v = strtod(a, &end), want = strtod(expected, NULL);

		right = end != a && !*end && fabs(v - want) <= q->tolerance + 1e-9;
		break;
	}
	case QUESTION_TEXT:
		for (int i = 0; i < q->nchoices && !right; i++) {
			char *want = normalise(q->choices[i]);

			right = !strcmp(a, want);
			free(want);
		}
		break;
	}
	free(a);
	return right;
}
