#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd.h"
#include "paths.h"
#include "run.h"
#include "session.h"

static void show_file(const char *label, const char *path, const char *missing)
{
	struct stat st;

	if (path && stat(path, &st) == 0) {
		char when[32];

		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime(&st.st_mtime));
		printf("  %-13s %s (%.1f MB, %s)\n", label, path, (double)st.st_size / 1e6, when);
	} else {
		printf("  %-13s %s\n", label, missing);
	}
}

static void qemu_version(void)
{
	const char *const argv[] = { VM_QEMU, "--version", NULL };
	struct strbuf out = STRBUF_INIT;
	struct run_result rr;

	if (run_capture(argv, NULL, NULL, &out, 4096, 10000, &rr) == 0 && out.len) {
		out.buf[strcspn(out.buf, "\n")] = '\0';
		printf("%-15s %s\n", "QEMU", out.buf);
	} else {
		printf("%-15s not found: install qemu-system-x86 (or run 'make deps' as root)\n",
		       "QEMU");
	}
	strbuf_release(&out);
}

/* How many saved states the cache holds, and their size. */
static void count_states(int *n, double *mb)
{
	char *dir = path_join(paths.cache, "vmstate");
	DIR *d = opendir(dir);
	struct dirent *e;

	*n = 0;
	*mb = 0;
	while (d && (e = readdir(d))) {
		char *p = path_join(dir, e->d_name);
		struct stat st;

		if (path_has_suffix(e->d_name, ".state") && stat(p, &st) == 0) {
			(*n)++;
			*mb += (double)st.st_size / 1e6;
		}
		free(p);
	}
	if (d)
		closedir(d);
	free(dir);
}

static int doctor_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct vm_options vo = { .accel = ctx->accel };
	struct kbuild_result probe = { 0 };
	struct lab lab;
	int n;
	double mb;

	if (args_has(args, "retry-kvm")) {
		int removed = lab_forget_accel();

		if (removed < 0)
			return CMD_ERROR;
		printf("%s\n", removed ? "Forgot how KVM went on this host: the next lab VM tries "
					 "it again."
				       : "Nothing remembered about KVM on this host yet.");
	}
	printf("%-15s %s\n", "kmemlab", KMEMLAB_VERSION);
	if (lab_describe(&vo, &lab) < 0) {
		lab_close(&lab);
		printf("%-15s not usable: see the error above\n", "lab kernel");
		return CMD_ERROR;
	}
	printf("%-15s %s\n  %-13s %s\n  %-13s %s\n", "lab kernel", lab.kernel.release, "image",
	       lab.kernel.image, "headers", lab.kernel.kdir);
	qemu_version();
	printf("%-15s %s: %s\n", "accelerator", lab.accel, lab.accel_why);
	printf("%-15s %s\n", "cache", paths.cache);
	show_file("initramfs", lab.initramfs, "not made yet");
	if (lab_probe_cached(&lab, &probe))
		printf("  %-13s %s\n", "probe", probe.ko);
	else
		printf("  %-13s not built yet: the next check builds it\n", "probe");
	kbuild_result_release(&probe);
	if (!lab.state)
		printf("  %-13s off (KMEMLAB_VM_STATE=%s): every lab VM boots\n", "saved VM",
		       getenv("KMEMLAB_VM_STATE"));
	else
		show_file("saved VM", lab.state,
			  "none yet: the next lab VM boots, then saves its state here");
	count_states(&n, &mb);
	printf("  %-13s %d (%.1f MB), one per kernel, accelerator and VM options\n",
	       "saved states", n, mb);
	lab_close(&lab);
	return CMD_OK;
}

const struct cmd_entry cmd_doctor = {
	.name = "doctor",
	.alias = NULL,
	.usage = "[--retry-kvm]",
	.summary = "say which lab kernel, accelerator, cache and saved VM state are in use",
	.help = "Prints the lab kernel (image and headers), QEMU's version, the\n"
		"accelerator the lab VM runs with and why (asked for with --accel, KVM\n"
		"unusable, or what happened when KVM was tried on this host), the cache,\n"
		"and whether the initramfs, the grader's probe and the saved lab VM\n"
		"state are there.  Nothing is built or started.\n\n"
		"--retry-kvm forgets how KVM went on this host, so that the next lab VM\n"
		"tries it again (after a QEMU or host kernel upgrade, say).\n\n"
		"Examples:\n  doctor\n  kmemlab doctor --retry-kvm",
	.complete = COMPLETE_NONE,
	.options = (const struct cmd_option[]){ { .name = "retry-kvm" }, { 0 } },
	.exec = doctor_exec,
};
