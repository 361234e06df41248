/*
 * One lab VM: QEMU (-M microvm) running the lab kernel with kmemlab's
 * initramfs, and the guest agent reached over a virtio-serial port.
 *
 * The console (ttyS0) carries only the kernel's own messages; it is kept
 * as it arrives (the last VM_CONSOLE_KEEP bytes in memory, all of it in
 * console.log beside the VM's socket) for oops and panic reports.  Requests
 * travel on the channel (proto.h).
 *
 * Every call has a deadline.  When the guest does not answer in time the
 * call returns VM_TIMEOUT, and when QEMU is gone (a panic ends it:
 * panic=-1 with -no-reboot) it returns VM_DEAD; the caller decides the
 * verdict.  Nothing here can block forever.
 */
#ifndef KMEMLAB_VM_H
#define KMEMLAB_VM_H

#include <stdint.h>
#include "lab.h"
#include "proto.h"
#include "run.h"

#define VM_CONSOLE_KEEP (256 << 10)
#define VM_QEMU "qemu-system-x86_64"


enum vm_status {
	VM_OK = 0,
	VM_ERROR = -1,	 /* reported */
	VM_TIMEOUT = -2, /* the guest did not answer in time */
	VM_DEAD = -3,	 /* QEMU exited */
};

struct vm_options {
	/*
	 * "tcg", "kvm", or NULL or "auto": KVM where it was seen to work on
	 * this host, else TCG (the lab session decides, see session.h).
	 */
	const char *accel;
	int mem_mb;		/* default 256 */
	const char *cmdline;	/* extra kernel command line, or NULL */
	int boot_timeout_ms;	/* default 120 s under TCG */
	/*
	 * The serial console is the user's terminal (QEMU reads and writes it,
	 * Ctrl-C goes to the guest) instead of a pipe kmemlab reads: for an
	 * interactive shell in the guest.  Boot errors then have no console.
	 */
	int console_tty;
	/*
	 * Boot this VM afresh instead of restoring the saved state: for what
	 * only a new boot gives (a new KASLR offset).
	 */
	int fresh;
	/*
	 * The guest agent makes, at boot, the trace instance the grader follows
	 * a module's allocations with (grader/leaks.h), so that it is in the
	 * saved state: no run pays for it and no memory figure moves when it is
	 * turned on.  Off for the VM learners use, whose /proc/meminfo it would
	 * change (the instance copies every event's files: some 8 MB of slab).
	 */
	int alloc_trace;
};

struct vm {
	struct child_process qemu;
	int chan;
	int qmp;		/* QEMU's control socket (QMP) */
	unsigned qmp_id;
	struct strbuf qmp_in;
	char *qmp_error;
	uint8_t *rbuf;
	size_t rlen, ralloc;
	struct strbuf console;	/* the tail of the console */
	size_t console_total;
	int console_log;	/* fd of console.log, or -1 */
	char *dir;		/* private runtime directory */
	char *release;		/* uname -r in the guest */
	const char *accel;	/* what actually ran */
	int dead;
	int hung;		/* a request timed out: do not wait on the guest again */
	/*
	 * Bytes that are no frame came on the channel (a module wrote into
	 * it): why, and the VM was stopped.  Calls return VM_DEAD from then on.
	 */
	char *corrupt;
	int qemu_status;
	int restored;		/* loaded from a saved state, not booted */
	int64_t start_ms;
	int64_t boot_ms;	/* from start to the guest's first answer */
};

/*
 * Start QEMU with accel ("tcg" or "kvm"), without waiting for the guest:
 * a cold boot, or, with state (a file vm_save() wrote for the same kernel,
 * initramfs and options), the saved VM loaded and run.  The caller can
 * build meanwhile; vm_wait() then waits for the guest.  Returns 0, or -1
 * after reporting why (QEMU did not start).
 */
int vm_start(struct vm *vm, const struct lab_kernel *k, const char *initramfs,
	     const struct vm_options *o, const char *accel, const char *state);
/*
 * Everything about the VM that QEMU is told besides its files (machine,
 * CPU, memory, kernel command line), for the key of a saved state.
 */
void vm_describe(const struct vm_options *o, const char *accel, struct strbuf *key);
/*
 * Wait until the guest answers: the agent's hello after a boot; after a
 * restore, the answer to P_RESEED (fresh randomness and the time).
 * Returns 0, VM_TIMEOUT, VM_DEAD (QEMU exited: a state it could not load,
 * say) or VM_ERROR (reported).  Nothing is reported for the others: the
 * caller decides whether to try again.
 */
int vm_wait(struct vm *vm, int timeout_ms);
/*
 * Save a running, idle VM's state to path (atomically: a temporary file,
 * then a rename), then let it run on.  The guest's free memory is zeroed
 * first, so the state holds little more than what the guest uses.  A state that cannot be saved is a warning, not an error:
 * returns -1 only when the VM cannot go on.
 */
int vm_save(struct vm *vm, const char *path);
/* Power off (or kill) and wait for QEMU; remove the runtime directory. */
void vm_shutdown(struct vm *vm);

/* One request and its reply; reply->type is P_REPLY or P_ERROR. */
int vm_request(struct vm *vm, const struct proto_msg *req, struct proto_msg *reply,
	       int timeout_ms);

int vm_put(struct vm *vm, const char *guest_path, const void *data, size_t len,
	   unsigned mode);
int vm_put_file(struct vm *vm, const char *guest_path, const char *host_path,
		unsigned mode);

struct vm_exec {
	int status;	/* exit status */
	int signal;	/* killed by this signal, or 0 */
	int timed_out;
	int truncated;
	struct strbuf out, err;
};
int vm_exec(struct vm *vm, const char *const *argv, int timeout_ms, size_t cap,
	    struct vm_exec *res);
/* vm_exec of "sh -c script". */
int vm_sh(struct vm *vm, const char *script, int timeout_ms, size_t cap,
	  struct vm_exec *res);
void vm_exec_release(struct vm_exec *res);

struct vm_modop {
	int err;	/* errno from finit_module/delete_module, 0 on success */
	int signal;	/* the loading process was killed (an oops) */
	int timed_out;
	int64_t ms;
};
int vm_insmod(struct vm *vm, const char *guest_path, const char *params,
	      int timeout_ms, struct vm_modop *res);
int vm_rmmod(struct vm *vm, const char *name, int timeout_ms, struct vm_modop *res);

struct vm_klog {
	struct strbuf text;	/* raw /dev/kmsg records */
	uint64_t next_seq;
	uint64_t lost;		/* records the ring buffer dropped */
	uint64_t omitted;	/* records left out over the cap */
};
int vm_klog(struct vm *vm, uint64_t from, size_t cap, struct vm_klog *res);
void vm_klog_release(struct vm_klog *res);

/*
 * The console text that arrived after vm->console_total was mark (as much
 * of it as is still kept), without carriage returns; allocated.
 */
char *vm_console_since(const struct vm *vm, size_t mark);
/* The last max_lines lines of the console, allocated. */
char *vm_console_tail(const struct vm *vm, int max_lines);

#endif
