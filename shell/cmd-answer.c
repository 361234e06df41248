#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "question.h"

static void list_questions(struct cmd_ctx *ctx, const struct lesson *l)
{
	if (!l->nquestions) {
		printf("Lesson %d has no questions.\n", l->number);
		return;
	}
	for (int i = 0; i < l->nquestions; i++) {
		const struct question *q = &l->questions[i];
		int tries = 0, right = 0;

		store_answer_status(ctx->store, l->id, q->id, &tries, &right);
		printf("%s [%s]  %s\n", q->id, right ? "answered" : tries ? "try again" : "new",
		       q->text);
		if (q->kind == QUESTION_CHOICE)
			for (int j = 0; j < q->nchoices; j++)
				printf("      %c) %s\n", 'a' + j, q->choices[j]);
	}
	printf("\nAnswer with: answer ID YOUR-ANSWER\n");
}

static int answer_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct lesson *l = ctx_current_lesson(ctx);
	const struct question *q = NULL;
	struct vm_options vo = { .accel = ctx->accel };
	struct strbuf given = STRBUF_INIT;
	char *expected;
	int right;

	if (!l)
		return CMD_ERROR;
	if (argc == 1) {
		list_questions(ctx, l);
		return CMD_OK;
	}
	for (int i = 0; i < l->nquestions; i++)
		if (!strcmp(l->questions[i].id, argv[1]))
			q = &l->questions[i];
	if (!q) {
		error("lesson '%s' has no question '%s': 'answer' lists them", l->id, argv[1]);
		return CMD_ERROR;
	}
	if (argc < 3)
		return cmd_usage_error(&cmd_answer, "give your answer after the question id");
	for (int i = 2; i < argc; i++)
		strbuf_addf(&given, "%s%s", i > 2 ? " " : "", argv[i]);
	if (q->answer_vm)
		fprintf(stderr, "asking the lab kernel...\n");
	expected = question_expected(q, &vo);
	if (!expected) {
		strbuf_release(&given);
		return CMD_ERROR;
	}
	right = question_is_right(q, given.buf, expected);
	if (store_save_answer(ctx->store, l->id, q->id, given.buf, expected, right) < 0) {
		free(expected);
		strbuf_release(&given);
		return CMD_ERROR;
	}
	if (right)
		printf("Right%s%s.\n", q->answer_vm ? ": the lab kernel says " : "",
		       q->answer_vm ? expected : "");
	else
		printf("Not quite: '%s' is not the answer.  Read the lesson again ('show') "
		       "and try once more.\n", given.buf);
	free(expected);
	strbuf_release(&given);
	return right ? CMD_OK : CMD_FAIL;
}

const struct cmd_entry cmd_answer = {
	.name = "answer",
	.alias = NULL,
	.usage = "[QUESTION ANSWER...]",
	.summary = "list the lesson's questions, or answer one",
	.help = "With no argument, lists the current lesson's questions and whether you\n"
		"have answered them.  With a question id and your answer, checks it and\n"
		"saves it.  A multiple-choice answer is the option's letter, number or\n"
		"text.  Where the answer is a fact of this kernel, the lab VM is asked.\n\n"
		"Examples:\n  answer\n  answer classes b\n  answer ksize300 512",
	.complete = COMPLETE_NONE,
	.exec = answer_exec,
};
