/*
 * What the lab VM's agent is asked (vm.h): files put in, commands run,
 * modules loaded and unloaded, the kernel log read, each one request on
 * the channel through vm_request().
 */
#include "vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int vm_put(struct vm *vm, const char *guest_path, const void *data, size_t len,
	   unsigned mode)
{
	struct proto_msg req = PROTO_MSG_INIT, rep = PROTO_MSG_INIT;
	int r;

	proto_msg_init(&req, P_PUT);
	proto_put_str(&req, T_PATH, guest_path);
	proto_put_u64(&req, T_MODE, mode);
	proto_put(&req, T_DATA, data, len);
	r = vm_request(vm, &req, &rep, 30000);
	if (r == VM_OK) {
		int e = (int)proto_get_u64(&rep, T_ERRNO, 0);

		if (e)
			r = error("cannot write '%s' in the lab VM: %s", guest_path,
				  strerror(e));
	}
	proto_msg_release(&req);
	proto_msg_release(&rep);
	return r;
}

int vm_put_file(struct vm *vm, const char *guest_path, const char *host_path,
		unsigned mode)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	if (read_file(host_path, &sb, PROTO_MAX_PAYLOAD - 4096) < 0)
		return error("cannot read '%s': %s", host_path, strerror(errno));
	r = vm_put(vm, guest_path, sb.buf, sb.len, mode);
	strbuf_release(&sb);
	return r;
}

int vm_exec(struct vm *vm, const char *const *argv, int timeout_ms, size_t cap,
	    struct vm_exec *res)
{
	struct proto_msg req = PROTO_MSG_INIT, rep = PROTO_MSG_INIT;
	struct proto_field f;
	int r;

	memset(res, 0, sizeof(*res));
	proto_msg_init(&req, P_EXEC);
	for (; *argv; argv++)
		proto_put_str(&req, T_ARG, *argv);
	proto_put_u64(&req, T_TIMEOUT_MS, (uint64_t)timeout_ms);
	proto_put_u64(&req, T_CAP, cap);
	r = vm_request(vm, &req, &rep, timeout_ms);
	if (r == VM_OK) {
		res->status = (int)proto_get_u64(&rep, T_STATUS, 0);
		res->signal = (int)proto_get_u64(&rep, T_SIGNAL, 0);
		res->timed_out = (int)proto_get_u64(&rep, T_TIMED_OUT, 0);
		res->truncated = (int)proto_get_u64(&rep, T_TRUNCATED, 0);
		if (proto_find(&rep, T_STDOUT, &f))
			strbuf_add(&res->out, f.data, f.len);
		if (proto_find(&rep, T_STDERR, &f))
			strbuf_add(&res->err, f.data, f.len);
	}
	proto_msg_release(&req);
	proto_msg_release(&rep);
	return r;
}

int vm_sh(struct vm *vm, const char *script, int timeout_ms, size_t cap,
	  struct vm_exec *res)
{
	const char *const argv[] = { "sh", "-c", script, NULL };

	return vm_exec(vm, argv, timeout_ms, cap, res);
}

void vm_exec_release(struct vm_exec *res)
{
	strbuf_release(&res->out);
	strbuf_release(&res->err);
}

static int modop(struct vm *vm, int type, const char *what, const char *params,
		 int timeout_ms, struct vm_modop *res)
{
	struct proto_msg req = PROTO_MSG_INIT, rep = PROTO_MSG_INIT;
	int r;

	memset(res, 0, sizeof(*res));
	proto_msg_init(&req, (uint16_t)type);
	proto_put_str(&req, type == P_INSMOD ? T_PATH : T_NAME, what);
	if (params)
		proto_put_str(&req, T_PARAMS, params);
	proto_put_u64(&req, T_TIMEOUT_MS, (uint64_t)timeout_ms);
	r = vm_request(vm, &req, &rep, timeout_ms);
	if (r == VM_OK) {
		res->err = (int)proto_get_u64(&rep, T_ERRNO, 0);
		res->signal = (int)proto_get_u64(&rep, T_SIGNAL, 0);
		res->timed_out = (int)proto_get_u64(&rep, T_TIMED_OUT, 0);
		res->ms = (int64_t)proto_get_u64(&rep, T_MS, 0);
	} else if (r == VM_TIMEOUT) {
		res->timed_out = 1;
	}
	proto_msg_release(&req);
	proto_msg_release(&rep);
	return r;
}

int vm_insmod(struct vm *vm, const char *guest_path, const char *params,
	      int timeout_ms, struct vm_modop *res)
{
	return modop(vm, P_INSMOD, guest_path, params, timeout_ms, res);
}

int vm_rmmod(struct vm *vm, const char *name, int timeout_ms, struct vm_modop *res)
{
	return modop(vm, P_RMMOD, name, NULL, timeout_ms, res);
}

int vm_klog(struct vm *vm, uint64_t from, size_t cap, struct vm_klog *res)
{
	struct proto_msg req = PROTO_MSG_INIT, rep = PROTO_MSG_INIT;
	struct proto_field f;
	int r;

	memset(res, 0, sizeof(*res));
	proto_msg_init(&req, P_KLOG);
	proto_put_u64(&req, T_FROM_SEQ, from);
	proto_put_u64(&req, T_CAP, cap);
	r = vm_request(vm, &req, &rep, 10000);
	if (r == VM_OK) {
		if (proto_find(&rep, T_DATA, &f))
			strbuf_add(&res->text, f.data, f.len);
		res->next_seq = proto_get_u64(&rep, T_NEXT_SEQ, from);
		res->lost = proto_get_u64(&rep, T_LOST, 0);
		res->omitted = proto_get_u64(&rep, T_TRUNCATED, 0);
	}
	proto_msg_release(&req);
	proto_msg_release(&rep);
	return r;
}

void vm_klog_release(struct vm_klog *res)
{
	strbuf_release(&res->text);
}
