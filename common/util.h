/*
 * Small helpers shared by every part of kmemlab: allocation that aborts on
 * failure, a growable string buffer, error reporting, files and paths.
 *
 * Errors are reported once, where they happen, with error(); the caller
 * then returns -1.  Messages are lowercase, without a full stop, and quote
 * their subject: cannot open 'ksize.c': No such file or directory.
 */
#ifndef KMEMLAB_UTIL_H
#define KMEMLAB_UTIL_H

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation: on failure these print a message and abort. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "kmemlab: error: MSG" to stderr and return -1. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "kmemlab: warning: MSG" to stderr. */
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Abort on a broken invariant: a bug in kmemlab, not a user error. */
void die_bug(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * A growable, always NUL-terminated byte buffer.  Initialise with
 * STRBUF_INIT; strbuf_release() frees it and leaves it reusable;
 * strbuf_detach() hands the string to the caller.
 */
struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};
#define STRBUF_INIT { NULL, 0, 0 }

void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void strbuf_reset(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
char *strbuf_detach(struct strbuf *sb, size_t *len);
/* Return the buffer's text, "" when nothing was ever added. */
const char *strbuf_str(const struct strbuf *sb);

/*
 * Read a whole file into sb (appending).  At most max bytes when max is
 * not 0: a larger file is an error.  Returns 0, or -1 with errno set and
 * nothing reported.
 */
int read_file(const char *path, struct strbuf *sb, size_t max);
/* Write data to path through a temporary file and rename(): all or nothing. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

/*
 * The same for a file written as a stream: atomic_open() creates
 * "PATH.tmp.PID" and a stream f on it; atomic_commit() checks that every
 * write went through, fsync()s it when sync is set and renames it to
 * path; atomic_abort() removes it.  Either ends the atomic_file.  Each
 * reports its own errors (naming the file) and returns -1.
 */
struct atomic_file {
	FILE *f;
	char *path;
	char *tmp;
};

int atomic_open(struct atomic_file *a, const char *path, mode_t mode);
int atomic_commit(struct atomic_file *a, int sync);
void atomic_abort(struct atomic_file *a);
/* mkdir -p; reports its own error. */
int mkdir_p(const char *path, mode_t mode);
/* rm -rf, quietly; returns -1 if anything could not be removed. */
int remove_tree(const char *path);
/*
 * Remove what a killed kmemlab left in dir: each entry whose owner(name)
 * is a process ID (> 0) of a process that is gone.  Silent; a missing dir
 * is fine.
 */
void sweep_stale(const char *dir, long (*owner)(const char *name));
/* sweep_stale() of "NAME.tmp.PID" entries, the temporary names of atomic writes. */
void sweep_stale_tmp(const char *dir);
/* Copy a regular file or a directory tree (regular files only). */
int copy_tree(const char *from, const char *to);
int is_dir(const char *path);
int is_file(const char *path);
int path_has_suffix(const char *path, const char *suffix);
/* Join two path parts with one '/'. */
char *path_join(const char *a, const char *b);
/* The last part of a path, allocated. */
char *path_basename(const char *path);
/* Everything before the last part ("." when there is none), allocated. */
char *path_dirname(const char *path);
/* An absolute version of path (which must exist), allocated, or NULL. */
char *path_absolute(const char *path);

/*
 * path made absolute against the current directory (it need not exist):
 * kbuild and the VM run elsewhere, so relative paths must not reach them.
 */
char *path_make_absolute(const char *path);

/* SHA-256 of data as 64 lowercase hex digits into out[65]. */
void sha256_hex(const void *data, size_t len, char out[65]);

/* Monotonic milliseconds, for durations and deadlines. */
int64_t now_ms(void);
/* Wall-clock time as an ISO 8601 UTC string into out[32]. */
void utc_now(char out[32]);

/* Fill buf with n bytes from getrandom(); aborts if that is impossible. */
void random_bytes(void *buf, size_t n);
/* A uniform random integer in [lo, hi]. */
uint32_t random_range(uint32_t lo, uint32_t hi);

/* Strip trailing whitespace in place; returns s. */
char *rtrim(char *s);

/*
 * Ctrl-C in the tutor shell: while interrupt_catch(1) is in force, SIGINT
 * only sets `interrupted` (and interrupts the system call in progress);
 * builds and lab VM waits see it, stop their children and give up, and
 * the shell returns to its prompt.  error() and warning() stay quiet while
 * it is set: the command that was interrupted says so once.
 * interrupt_catch(0) restores SIGINT's
 * default, which ends kmemlab (the non-interactive verbs).
 */
extern volatile sig_atomic_t interrupted;
void interrupt_catch(int on);

#endif
