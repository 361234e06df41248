/*
 * A lab session: the lab kernel, its initramfs, the grader's probe and one
 * lab VM, opened, started, made ready and closed here, for every caller
 * (check, questions, lab run, vm and the class regrade).
 *
 * A VM is not booted when it can be restored: the first boot for a given
 * kernel, initramfs, accelerator, memory size and kernel command line
 * saves the idle VM's state in the cache (cache/vmstate), and every later
 * session loads that state (about 0.2 s under TCG, against 2.5 s for a
 * boot), so every run starts from the same clean VM.  The restored guest
 * gets fresh random bytes from the host (P_RESEED), so that no two runs
 * share its RNG's state.  A state that cannot be restored is removed, with
 * one warning, and the session boots instead: never a wrong verdict.
 * KMEMLAB_VM_STATE=off boots every VM and saves nothing.  A session with
 * vm_options.fresh (an exercise that needs a new KASLR offset) always
 * boots; the tutor shell keeps one such VM booting in the background for
 * the next check (lab_spare()).
 *
 * The accelerator: "tcg" or "kvm" as asked, or, by default, KVM where it
 * was seen to work for this host, QEMU and lab kernel, else TCG.  The
 * first session that can open /dev/kvm tries KVM under a watchdog and
 * remembers the outcome in the cache (cache/accel), so a host where
 * nested KVM fails pays for finding out once.
 *
 *     lab_open()   find the kernel, make the initramfs, choose the accelerator
 *     lab_start()  start QEMU (restoring or booting) and return at once
 *     ...          build the learner's module meanwhile
 *     lab_ready()  wait for the guest; fall back, retry and save as needed
 *     lab.vm       use it (modrun.h, vm.h)
 *     lab_close()
 */
#ifndef KMEMLAB_SESSION_H
#define KMEMLAB_SESSION_H

#include "lab.h"
#include "vm.h"

struct lab {
	struct lab_kernel kernel;
	char *initramfs;
	struct vm_options opts;
	const char *accel;	/* "tcg" or "kvm": what is started */
	char *accel_why;	/* why that accelerator, for people */
	int trying_kvm;		/* no outcome is remembered yet: record this one */
	char *state;		/* the saved state for these options; NULL: always boot */
	struct vm vm;
	int started, ready;
	int restored;		/* the VM came from the saved state */
	int saved;		/* this session saved it */
	int from_spare;		/* the VM was booted in the background beforehand */
};

/*
 * Find the lab kernel, make the initramfs and choose the accelerator for
 * options o (copied).  Returns 0, or -1 after reporting why.
 */
int lab_open(struct lab *lab, const struct vm_options *o);
/* Start the VM without waiting for it.  Returns 0, or -1 (reported). */
int lab_start(struct lab *lab);
/*
 * Wait until the VM answers (starting it first if lab_start() was not
 * called).  Returns 0 with lab->vm ready, or -1 after reporting why.
 */
int lab_ready(struct lab *lab);
/* Shut the VM down (if any) and release everything. */
void lab_close(struct lab *lab);

/* Build (or find already built) the grader's probe module for this kernel. */
int lab_probe(struct lab *lab, struct kbuild_result *probe);

/* The probe already built (no build): 1 with probe->ko, else 0. */
int lab_probe_cached(struct lab *lab, struct kbuild_result *probe);
/*
 * Build ahead what every check would otherwise build on first use: the
 * initramfs, the grader's probe and its guest programs (`make` calls this
 * through 'kmemlab lab prepare', with the cache pointed at build/prebuilt).
 */
int lab_prepare(const struct vm_options *o);
/* Forget how KVM went on this host: 1 forgotten, 0 nothing known, -1 error. */
int lab_forget_accel(void);

/*
 * Boot a VM for options o in the background, for the next session that
 * needs a fresh boot with the same options (the tutor shell calls this
 * after a check of such an exercise).  Silent; at most one is kept.
 */
void lab_spare(const struct vm_options *o);
/* Shut down the background VM, if any. */
void lab_spare_drop(void);

/*
 * What a session with options o would use, for 'kmemlab doctor': the
 * accelerator and why, and the saved state's path (NULL when states are
 * off or o->fresh).  Nothing is started.
 */
int lab_describe(const struct vm_options *o, struct lab *lab);

#endif
