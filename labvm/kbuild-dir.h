/*
 * A module folder and its plain kbuild (kbuild-dir.c): what kbuild.c
 * shares with the other builders of labvm/.  Not for use outside labvm/.
 */
#ifndef KMEMLAB_KBUILD_DIR_H
#define KMEMLAB_KBUILD_DIR_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define KBUILD_TIMEOUT_MS (5 * 60 * 1000)
#define KBUILD_LOG_CAP (256 << 10)

struct lab_kernel;
struct kbuild_result;

/* A file worth copying from a module's tree: not build output, not hidden. */
int is_source_name(const char *n);
/* "dir/my-mod.ko", ".ko" -> "my_mod": the name lsmod shows. */
char *module_name_of(const char *file, const char *suffix);
/* Remove the lines of log that start with prefix. */
void strip_line(struct strbuf *log, const char *prefix);
void replace_all(struct strbuf *sb, const char *from, const char *to);
/* Milliseconds left until deadline, at least 1. */
int ms_left(int64_t deadline);
/* Room left in a build log (capped). */
size_t log_room(const struct strbuf *log);

/* The one .ko in dir (NULL, with *err when there are several). */
char *find_ko(const char *dir, char **err);
/* Copy the module's sources into dir, and the Kbuild made for a single file. */
int copy_sources(const char *srcdir, char **names, size_t n, const char *kbuild_text,
		 const char *dir);
/* A plain kbuild of the sources already in dir: 0, 1 (does not compile), -1. */
int kbuild_full(const struct lab_kernel *k, const char *path, const char *dir,
		int64_t deadline, struct kbuild_result *res);
/* final's temporary name, "FINAL.tmp.PID" (allocated). */
char *tmp_dir_for(const char *final);
/* Rename a finished build into the cache and take its .ko. */
int publish_build(const char *tmp, const char *final, struct kbuild_result *res);
/* The build without a template, in a private temporary folder. */
int build_in_tmp(const struct lab_kernel *k, const char *path, const char *srcdir,
		 char **names, size_t n, const char *kbuild_text, const char *final,
		 int64_t deadline, struct kbuild_result *res, struct strbuf *raw);

#endif
