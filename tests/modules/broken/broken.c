// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
static int __init broken_init(void)
{
	int value = 1 + ;

	return value;
}

/*
 * Deliberately broken: line 5 has an operator with no right operand, so
 * the build fails with exactly one error, reported on line 5 itself:
 *   broken.c:5:25: error: expected expression before ';' token
 * (A missing semicolon would not do: gcc reports it on the next line, at
 * the following token, and adds follow-on errors.) Tests check that a
 * build error reaches the learner with its file and line; keep this
 * comment below line 5 so that line does not move.
 */
module_init(broken_init);
MODULE_LICENSE("GPL");
