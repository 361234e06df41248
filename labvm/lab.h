/*
 * The lab kernel, the initramfs and kbuild: everything the lab needs
 * before a VM starts.
 *
 * The lab kernel is Debian's linux-image-cloud-amd64 with its matching
 * linux-headers tree.  It is found in /boot and /usr/src, never through
 * `uname -r` (the host's running kernel is not the lab kernel).  An
 * instructor can point at another kernel with KMEMLAB_KERNEL=IMAGE and
 * KMEMLAB_KDIR=BUILD-TREE (and KMEMLAB_MODDIR=/lib/modules/RELEASE for the
 * virtio modules the guest loads at boot).
 */
#ifndef KMEMLAB_LAB_H
#define KMEMLAB_LAB_H

#include "util.h"

struct lab_kernel {
	char *image;	/* vmlinuz */
	char *kdir;	/* kbuild tree: make -C kdir M=... modules */
	char *moddir;	/* /lib/modules/RELEASE */
	char *release;
};

/* Find the lab kernel; reports what is missing and how to install it. */
int lab_kernel_find(struct lab_kernel *k);
void lab_kernel_release(struct lab_kernel *k);

/*
 * The initramfs for k: busybox-static, the guest agent as /init, and the
 * virtio modules the channel needs.  Built with libarchive into the cache
 * and rebuilt only when one of its inputs changes.  Returns an allocated
 * path, or NULL after reporting why.
 */
char *lab_initramfs(const struct lab_kernel *k);

/*
 * A built kernel module.  kbuild_module() accepts a directory with a
 * Kbuild file or a Makefile naming obj-m (built with the lab kernel's
 * tree whatever the Makefile's own targets say), a single .c file (a Kbuild
 * is made for it), or a .ko (used as it is).  Sources are copied to a
 * private build directory in the cache, keyed by the hash of their
 * contents and the kernel, so the learner's tree stays clean and an
 * unchanged module is not rebuilt.
 *
 * A changed module whose shape (the kernel, its file names, its Kbuild
 * or Makefile) was built before is rebuilt fast: the commands kbuild
 * recorded in its .cmd files the last time (compile, modpost, .mod.c,
 * link) are run again, without make and its compiler probes.  Anything
 * that does not fit falls back to a full kbuild.  KMEMLAB_KBUILD_FAST=0
 * in the environment turns the fast path off (every build a full kbuild).
 */
struct kbuild_result {
	int ok;			/* a .ko came out */
	int cached;		/* it was already built */
	int fast;		/* built (or failed) by replaying kbuild's commands */
	char *ko;		/* the .ko path */
	char *name;		/* the module name, as lsmod shows it */
	char *hash;		/* sha256 of the sources (or of the .ko) */
	struct strbuf log;	/* compiler output, paths shown as the learner's */
	int64_t ms;
};

/*
 * Build path against k.  Returns 0 with res->ok set, 1 when the sources
 * do not compile (res->log says why), -1 on a setup error (reported).
 */
int kbuild_module(const struct lab_kernel *k, const char *path,
		  struct kbuild_result *res);
void kbuild_result_release(struct kbuild_result *res);
/*
 * Module trees, as `lab run` builds them (kbuild-tree.c): a folder whose
 * sources may reach up with "../", built in a copy of the tree's root
 * that the user's tree never sees written, and possibly only some of the
 * modules its obj-m declares.
 */
struct kbuild_tree {
	const char *dir;		/* the folder with the Kbuild or Makefile */
	const char *const *modules;	/* obj-m to build (none: the one it builds) */
	size_t nmodules;
	const char *const *symvers;	/* Module.symvers of modules these use */
	size_t nsymvers;
};
struct kbuild_tree_result {
	int ok, cached;
	char *root;			/* the folder copied: dir, or an ancestor */
	char *build_dir;		/* where the products are, in the cache */
	char *symvers;			/* its Module.symvers, for modules that use these */
	struct kbuild_result *mods;	/* one per module, in the order asked */
	size_t nmods;
	struct strbuf log;		/* compiler output, paths shown as the user's */
	int64_t ms;
};
/* Same returns as kbuild_module(). */
int kbuild_tree(const struct lab_kernel *k, const struct kbuild_tree *t,
		struct kbuild_tree_result *res);
void kbuild_tree_result_release(struct kbuild_tree_result *res);
/*
 * How many folders up dir's files reach with "../" (in C files' #include
 * lines, in the Kbuild's or Makefile's lines): 0 for a self-contained
 * folder, -1 on an error (reported).
 */
int kbuild_reach(const char *dir);
/*
 * The modules dir's Kbuild (else Makefile) declares in obj-m lines, read
 * without running make (plain "NAME.o" words only), in order.
 */
int kbuild_declared(const char *dir, char ***names, size_t *n);

/*
 * From now on, build only in the sandbox (bubblewrap: see kbuild.c), and
 * fail where there is none, instead of building without it with a warning.
 */
void kbuild_require_sandbox(void);
/*
 * The module already built for path (in the cache, or ahead of time by
 * `make` in paths.prebuilt): 0 with res->ko, 1 when it is not built yet,
 * -1 on an error (reported).  Builds nothing.
 */
int kbuild_cached(const struct lab_kernel *k, const char *path, struct kbuild_result *res);

/*
 * A build in a child process, for a caller with other work meanwhile (the
 * lab VM to start, the grader's probe to run, while the learner's module
 * builds).  kbuild_spawn() forks: the child runs kbuild_module(), or
 * build_program(path, program, ...) when program is set, and sends the
 * result back through a pipe.  kbuild_collect() waits for it and returns
 * what the build returned (0, 1 or -1) with res filled; kbuild_abort()
 * stops it instead.  The child reports its own errors on stderr.
 */
struct kbuild_job {
	pid_t pid;
	int fd;
};
int kbuild_spawn(struct kbuild_job *job, const struct lab_kernel *k, const char *path,
		 const char *program);
int kbuild_collect(struct kbuild_job *job, struct kbuild_result *res);
void kbuild_abort(struct kbuild_job *job);

/*
 * Build a guest program: the .c file, or every .c file of the directory,
 * compiled with gcc -static into the cache (keyed by the sources' hash) as
 * name; res->ko is the binary's path.  Same returns as kbuild_module().
 */
int build_program(const char *path, const char *name, struct kbuild_result *res);

/*
 * The sources of an attempt, by content alone (not by kernel, unlike the
 * build cache's key): a single file is the SHA-256 of its bytes; a
 * directory is the SHA-256 of one "NAME SHA256\n" line per source file
 * (source_files(), sorted by name).  Submissions carry the same hash, so
 * a source changed after it was graded shows.
 */
int source_hash(const char *path, char hash[65]);
/* The source files of a module or program directory, sorted (top level only). */
int source_files(const char *dir, char ***names, size_t *n);
/* Add one file's "NAME SHA256\n" line to a directory's hash input. */
void source_hash_add(struct strbuf *key, const char *name, const void *data, size_t len);
/*
 * The same for the file dir/name, added as "PREFIXNAME SHA256": 0, or -1
 * (reported) when it cannot be read.
 */
int source_hash_file(struct strbuf *key, const char *prefix, const char *dir, const char *name);

/*
 * The first "file:line:col: error: ..." lines of a build log, for a short
 * verdict ("ksize_ex.c:12:5: error: expected ';' before 'return'").
 */
char *kbuild_first_errors(const char *log, int max_lines);

#endif
