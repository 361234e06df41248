/*
 * QEMU's monitor (QMP) for the lab VM: commands as JSON built with
 * json-c, and saving the running VM's state (vm.h: vm_save()).
 */
#include "vm.h"

#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm-internal.h"

static char *shell_quote(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addch(&sb, '\'');
	for (; *s; s++)
		if (*s == '\'')
			strbuf_addstr(&sb, "'\\''");
		else
			strbuf_addch(&sb, *s);
	strbuf_addch(&sb, '\'');
	return strbuf_detach(&sb, NULL);
}

/*
 * One QMP command, execute with args (a JSON object, taken over; NULL for
 * none), and its answer: 0 with *ret (the "return" value, owned by the
 * caller; NULL if not wanted), or -1 with *why set (static or allocated
 * into vm->qmp_error).  Events and answers to earlier commands are skipped
 * by their ids.
 */
int qmp_command(struct vm *vm, const char *execute, json_object *args, int timeout_ms,
		       json_object **ret, const char **why)
{
	json_object *req = json_object_new_object();
	int64_t deadline = now_ms() + timeout_ms;
	size_t off = 0, len;
	char *line;
	int r = -1;

	json_object_object_add(req, "execute", json_object_new_string(execute));
	if (args)
		json_object_object_add(req, "arguments", args);
	json_object_object_add(req, "id", json_object_new_int64(++vm->qmp_id));
	line = xasprintf("%s\n", json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
	len = strlen(line);
	json_object_put(req);

	if (ret)
		*ret = NULL;
	*why = "QEMU's control socket is closed";
	while (vm->qmp >= 0 && off < len) {
		ssize_t w = write(vm->qmp, line + off, len - off);

		if (w < 0 && errno != EINTR)
			goto out;
		if (w > 0)
			off += (size_t)w;
	}
	for (;;) {
		char *nl;

		while (vm->qmp >= 0 && (nl = memchr(vm->qmp_in.buf ? vm->qmp_in.buf : "",
						    '\n', vm->qmp_in.len))) {
			size_t n = (size_t)(nl - vm->qmp_in.buf) + 1;
			json_object *o = json_tokener_parse(vm->qmp_in.buf), *id, *v;

			memmove(vm->qmp_in.buf, vm->qmp_in.buf + n, vm->qmp_in.len - n + 1);
			vm->qmp_in.len -= n;
			if (!o)
				continue;
			if (json_object_object_get_ex(o, "id", &id) &&
			    (unsigned)json_object_get_int64(id) == vm->qmp_id) {
				if (json_object_object_get_ex(o, "return", &v)) {
					if (ret)
						*ret = json_object_get(v);
					r = 0;
				} else {
					json_object *desc = NULL;

					if (json_object_object_get_ex(o, "error", &v))
						json_object_object_get_ex(v, "desc", &desc);
					free(vm->qmp_error);
					vm->qmp_error = xstrdup(desc ? json_object_get_string(desc)
								     : "an error without a description");
					*why = vm->qmp_error;
				}
				json_object_put(o);
				goto out;
			}
			json_object_put(o);
		}
		{
			struct pollfd p = { .fd = vm->qmp, .events = POLLIN };
			int64_t left = deadline - now_ms();
			char buf[4096];
			ssize_t n;

			if (vm->qmp < 0)
				goto out;
			if (left <= 0 || interrupted) {
				*why = interrupted ? "interrupted" : "QEMU did not answer";
				goto out;
			}
			if (poll(&p, 1, left > 250 ? 250 : (int)left) <= 0)
				continue;
			n = read(vm->qmp, buf, sizeof(buf));
			if (n <= 0) {
				close(vm->qmp);
				vm->qmp = -1;
				goto out;
			}
			/* Lines with a NUL would confuse the parser: QEMU sends none. */
			strbuf_add(&vm->qmp_in, buf, (size_t)n);
		}
	}
out:
	free(line);
	return r;
}

int vm_save(struct vm *vm, const char *path)
{
	/*
	 * The VM runs while it is saved (an idle guest dirties next to
	 * nothing), so the state says "running" and a restored VM starts on
	 * its own as soon as it is loaded.  Only what the guest uses is worth
	 * saving: the free memory is zeroed (dd's buffer is faulted in zeroed,
	 * then freed), so the state holds the kernel and little else and loads
	 * fast.  The caches stay as the boot left them: a restored VM's
	 * /proc/meminfo must read as a booted one's.
	 */
	static const char prepare[] =
		"sync; "
		"f=$(awk '/^MemFree:/ { print int($2 / 1024) - 16 }' /proc/meminfo); "
		"[ \"$f\" -gt 0 ] && dd if=/dev/zero of=/dev/null bs=${f}M count=1 2>/dev/null; true";
	struct vm_exec ex;
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	char *quoted = shell_quote(tmp);
	const char *why = NULL;
	json_object *st = NULL;
	int64_t deadline;
	int r, ret = -1;

	r = vm_sh(vm, prepare, 30000, 4096, &ex);
	vm_exec_release(&ex);
	if (r != VM_OK) {
		why = "the guest did not get ready to be saved";
		goto out;
	}
	if (qmp_command(vm, "qmp_capabilities", NULL, 10000, NULL, &why) < 0)
		goto out;
	{
		json_object *bw = json_object_new_object(), *mig = json_object_new_object();
		char *uri = xasprintf("exec:cat > %s", quoted);

		/* QEMU's default throttle (32 MiB/s) would make a save take seconds. */
		json_object_object_add(bw, "max-bandwidth", json_object_new_int64(16LL << 30));
		json_object_object_add(mig, "uri", json_object_new_string(uri));
		free(uri);
		if (qmp_command(vm, "migrate-set-parameters", bw, 10000, NULL, &why) < 0) {
			json_object_put(mig);
			goto cont;
		}
		if (qmp_command(vm, "migrate", mig, 10000, NULL, &why) < 0)
			goto cont;
	}
	deadline = now_ms() + 60000;
	for (;;) {
		json_object *status;
		const char *s;

		if (qmp_command(vm, "query-migrate", NULL, 10000, &st, &why) < 0)
			goto cont;
		s = json_object_object_get_ex(st, "status", &status)
			    ? json_object_get_string(status) : "";
		if (!strcmp(s, "completed"))
			break;
		if (!strcmp(s, "failed") || !strcmp(s, "cancelled")) {
			why = "QEMU could not write the state";
			goto cont;
		}
		if (now_ms() > deadline) {
			why = "writing the state took over 60 s";
			goto cont;
		}
		json_object_put(st);
		st = NULL;
		usleep(5000);
	}
	if (rename(tmp, path) < 0) {
		why = strerror(errno);
		goto cont;
	}
	ret = 0;
cont:
	/* Saved or not, this VM goes on: it is the one the caller is using. */
	if (qmp_command(vm, "cont", NULL, 10000, NULL, &why) < 0) {
		error("the lab VM did not run again after saving its state: %s", why);
		ret = -2;
	}
out:
	if (ret == -1)
		warning("cannot save the lab VM's state to '%s' (%s): the next run boots "
			"cold too", path, why ? why : "unknown");
	unlink(tmp);
	json_object_put(st);
	free(quoted);
	free(tmp);
	return ret == -2 ? -1 : 0;
}
