/*
 * What vm.c and vm-qmp.c share.  Not for use outside them.
 */
#ifndef KMEMLAB_VM_INTERNAL_H
#define KMEMLAB_VM_INTERNAL_H

#include <json-c/json.h>

#include "vm.h"

/*
 * One QMP command, execute with args (a JSON object, taken over; NULL for
 * none), and its answer: 0 with *ret (the "return" value, owned by the
 * caller; NULL if not wanted), or -1 with *why set (static or allocated
 * into vm->qmp_error).
 */
int qmp_command(struct vm *vm, const char *execute, json_object *args, int timeout_ms,
		json_object **ret, const char **why);

#endif
