#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "render.h"
#include "question.h"

/*
 * head, then text wrapped at word boundaries to the terminal's width, the
 * lines after the first indented by indent columns (a question's text and
 * its choices, which are long and must not break mid-word).
 */
static void print_wrapped(const char *head, const char *text, int indent)
{
	int width = render_width(1), col = render_text_width(head, strlen(head));

	fputs(head, stdout);
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, " ");
		int w = render_text_width(p, n);

		if (col > indent && col + 1 + w > width) {
			printf("\n%*s", indent, "");
			col = indent;
		} else if (p != text) {
			putchar(' ');
			col++;
		}
		fwrite(p, 1, n, stdout);
		col += w;
		p += n;
		while (*p == ' ')
			p++;
	}
	putchar('\n');
}

static void list_questions(struct cmd_ctx *ctx, const struct lesson *l)
{
	if (!l->nquestions) {
		printf("Lesson %d has no questions.\n", l->number);
		return;
	}
	for (int i = 0; i < l->nquestions; i++) {
		const struct question *q = &l->questions[i];
		int tries = 0, right = 0;

		char *head;

		store_answer_status(ctx->store, l->id, q->id, &tries, &right);
		head = xasprintf("%s [%s]  ", q->id, right ? "answered" : tries ? "try again" : "new");
		print_wrapped(head, q->text, 6);
		free(head);
		if (q->kind == QUESTION_CHOICE)
			for (int j = 0; j < q->nchoices; j++) {
				char h[16];

				snprintf(h, sizeof(h), "      %c) ", 'a' + j);
				print_wrapped(h, q->choices[j], 9);
			}
	}
	printf("\nAnswer with: answer ID YOUR-ANSWER\n");
}

/* " (give or take N)", in static storage: the tolerance of a measured answer. */
static const char *tolerance_text(double tol)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), " (give or take %.15g)", tol);
	return buf;
}

/* Check given against q, save it, say whether it was right.  CMD_OK when right. */
static int answer_one(struct cmd_ctx *ctx, const struct lesson *l, const struct question *q,
		      const char *given)
{
	struct vm_options vo = { .accel = ctx->accel };
	char *expected;
	int right;

	if (q->answer_vm)
		fprintf(stderr, "asking the lab kernel...\n");
	expected = question_expected(q, &vo);
	if (!expected)
		return CMD_ERROR;
	right = question_is_right(q, given, expected);
	if (store_save_answer(ctx->store, l->id, q->id, given, expected, right) < 0) {
		free(expected);
		return CMD_ERROR;
	}
	if (right)
		printf("Right%s%s.\n", q->answer_vm ? ": the lab kernel says " : "",
		       q->answer_vm ? expected : "");
	else if (q->answer_vm)
		/* Measured: the learner tried, so show what the lab kernel says. */
		printf("Not quite: the lab kernel says %s%s, you said '%s'.  'vm' runs "
		       "commands in the same lab VM to see where it comes from.\n", expected,
		       q->tolerance > 0 ? tolerance_text(q->tolerance) : "", given);
	else
		printf("Not quite: '%s' is not the answer.  Read the lesson again ('show') "
		       "and try once more.\n", given);
	free(expected);
	return right ? CMD_OK : CMD_FAIL;
}

/* In the tutor shell: ask each question not yet answered right, in turn. */
static int ask_all(struct cmd_ctx *ctx, const struct lesson *l)
{
	int asked = 0, r = CMD_OK;

	for (int i = 0; i < l->nquestions; i++) {
		const struct question *q = &l->questions[i];
		int tries = 0, right = 0;

		if (store_answer_status(ctx->store, l->id, q->id, &tries, &right) < 0)
			return CMD_ERROR;
		if (right)
			continue;
		asked++;
		{
			char *head = xasprintf("%s: ", q->id);

			putchar('\n');
			print_wrapped(head, q->text, 0);
			free(head);
		}
		if (q->kind == QUESTION_CHOICE)
			for (int j = 0; j < q->nchoices; j++) {
				char head[16];

				snprintf(head, sizeof(head), "   %c) ", 'a' + j);
				print_wrapped(head, q->choices[j], 6);
			}
		for (;;) {
			char line[512];

			printf("your answer (Enter skips, q stops): ");
			fflush(stdout);
			if (!fgets(line, sizeof(line), stdin) || interrupted) {
				putchar('\n');
				return r;
			}
			rtrim(line);
			if (!*line)
				break;
			if (!strcmp(line, "q"))
				return r;
			r = answer_one(ctx, l, q, line);
			if (r != CMD_FAIL)
				break;
		}
		if (r == CMD_ERROR)
			return r;
	}
	if (!asked)
		printf("You have answered all of lesson %d's questions.  Next: the exercise "
		       "('edit', then 'check').\n", l->number);
	return CMD_OK;
}

static int answer_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const struct lesson *l = ctx_current_lesson(ctx);
	const struct question *q = NULL;
	struct strbuf given = STRBUF_INIT;
	int r;

	if (!l)
		return CMD_ERROR;
	if (!args->argc) {
		if (ctx->interactive && l->nquestions)
			return ask_all(ctx, l);
		list_questions(ctx, l);
		return CMD_OK;
	}
	for (int i = 0; i < l->nquestions; i++)
		if (!strcmp(l->questions[i].id, args->argv[0]))
			q = &l->questions[i];
	if (!q) {
		error("lesson '%s' has no question '%s': 'answer' lists them", l->id,
		      args->argv[0]);
		return CMD_ERROR;
	}
	if (args->argc < 2)
		return cmd_usage_error(&cmd_answer, "give your answer after the question id");
	for (int i = 1; i < args->argc; i++)
		strbuf_addf(&given, "%s%s", i > 1 ? " " : "", args->argv[i]);
	r = answer_one(ctx, l, q, given.buf);
	strbuf_release(&given);
	return r;
}

const struct cmd_entry cmd_answer = {
	.name = "answer",
	.alias = NULL,
	.usage = "[QUESTION ANSWER...]",
	.summary = "answer the lesson's questions (asked one by one in the shell)",
	.help = "With no argument, asks the current lesson's questions you have not yet\n"
		"answered right, one by one (outside the tutor shell: lists them and\n"
		"whether you have answered them).  With a question id and your answer,\n"
		"checks it and saves it.  A multiple-choice answer is the option's\n"
		"letter, number or text.  Where the answer is a fact of this kernel, the lab VM is asked.\n\n"
		"Examples:\n  answer\n  answer classes b\n  answer ksize300 512",
	.complete = COMPLETE_NONE,
	.max_args = CMD_ARGS_ANY,
	.exec = answer_exec,
};
