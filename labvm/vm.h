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

enum vm_status {
	VM_OK = 0,
	VM_ERROR = -1,	 /* reported */
	VM_TIMEOUT = -2, /* the guest did not answer in time */
	VM_DEAD = -3,	 /* QEMU exited */
};

struct vm_options {
	const char *accel;	/* "tcg" (default) or "kvm" */
	int mem_mb;		/* default 256 */
	const char *cmdline;	/* extra kernel command line, or NULL */
	int boot_timeout_ms;	/* default 120 s under TCG */
	/*
	 * The serial console is the user's terminal (QEMU reads and writes it,
	 * Ctrl-C goes to the guest) instead of a pipe kmemlab reads: for an
	 * interactive shell in the guest.  Boot errors then have no console.
	 */
	int console_tty;
};

struct vm {
	struct child_process qemu;
	int chan;
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
	int qemu_status;
	int64_t boot_ms;
};

/*
 * Start a VM and wait for the agent's hello.  With accel "kvm" a watchdog
 * falls back to TCG (with a warning) if KVM fails or hangs at boot.
 * Returns 0, or -1 after reporting why (with the console's last lines).
 */
int vm_boot(struct vm *vm, const struct lab_kernel *k, const char *initramfs,
	    const struct vm_options *o);
/*
 * Find the lab kernel (into k), make the initramfs and boot: the usual
 * way to get a VM.  On failure everything is released and -1 returned.
 */
int vm_boot_lab(struct vm *vm, struct lab_kernel *k, const struct vm_options *o);
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
