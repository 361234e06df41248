/*
 * Integer expressions of declared grading (grading.h): what a learner's
 * reported value must equal, written over the run's numbers, e.g.
 * "(truth.ksize - input.sizes[i]) * 100 / truth.ksize".
 *
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/' | '%') unary)*
 *   unary   := '-' unary | primary
 *   primary := NUMBER | NAME | '(' expr ')'
 *   NUMBER  := [0-9]+ | '0x' [0-9a-fA-F]+
 *   NAME    := [a-z_][a-z0-9_]* ('.' [a-z0-9_]+)* ('[' 'i' ']')?
 *
 * Arithmetic is on 64-bit signed integers, division truncates, and a
 * number or result that does not fit is an error; a name gets its value
 * from the caller's lookup.
 */
#ifndef KMEMLAB_EXPR_H
#define KMEMLAB_EXPR_H

#include <stdint.h>

/*
 * The value of name ("truth.ksize", "input.sizes[i]"): 0 with *v set, -1
 * when there is no such value here (then *why, allocated, may say why).
 */
typedef int (*expr_lookup)(const char *name, int64_t *v, char **why, void *arg);

/*
 * Evaluate text.  0 with *v set, or -1 with *why (allocated): a syntax
 * error (at which character), a division by zero, a value past 64 bits,
 * an unknown name.
 * lookup NULL checks the syntax alone (every name is 1).
 */
int expr_eval(const char *text, expr_lookup lookup, void *arg, int64_t *v, char **why);

#endif
