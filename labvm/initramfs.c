/*
 * The lab VM's initramfs, written as a newc cpio with libarchive.
 *
 *   /init                      the guest agent (static)
 *   /bin/busybox + applets     busybox-static, one symlink per applet
 *   /lib/kmemlab/boot/NAME.ko   virtio modules for the channel, loaded by
 *                              the agent in the order of /etc/kmemlab/modules
 *   /dev/console               so the kernel can give /init a console
 */
#include "lab.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "paths.h"
#include "run.h"

#define BUSYBOX "/bin/busybox"
/* Bump when the layout below changes, so cached images are rebuilt. */
#define INITRAMFS_FORMAT 1

/* In load order: each needs the ones before it. */
static const char *const boot_modules[] = {
	"virtio_ring", "virtio", "virtio_mmio", "virtio_console",
};

struct blob {
	const char *guest;
	struct strbuf data;
	mode_t mode;
};

static char *find_module(const char *dir, const char *file)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *found = NULL;

	if (!d)
		return NULL;
	while (!found && (e = readdir(d))) {
		char *sub;

		if (e->d_name[0] == '.')
			continue;
		sub = path_join(dir, e->d_name);
		if (!strcmp(e->d_name, file) && is_file(sub)) {
			found = sub;
			break;
		}
		if (e->d_type == DT_DIR)
			found = find_module(sub, file);
		free(sub);
	}
	closedir(d);
	return found;
}

static int is_builtin(const struct lab_kernel *k, const char *name)
{
	char *list = path_join(k->moddir, "modules.builtin");
	struct strbuf sb = STRBUF_INIT;
	char *needle = xasprintf("/%s.ko\n", name);
	int r = 0;

	if (read_file(list, &sb, 0) == 0)
		r = strstr(sb.buf ? sb.buf : "", needle) != NULL;
	strbuf_release(&sb);
	free(list);
	free(needle);
	return r;
}

static int add_entry(struct archive *a, const char *path, mode_t type, mode_t perm,
		     const void *data, size_t len, const char *link, dev_t rdev)
{
	struct archive_entry *e = archive_entry_new();
	int ret = 0;

	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, 0, 0);
	if (link)
		archive_entry_set_symlink(e, link);
	if (rdev)
		archive_entry_set_rdev(e, rdev);
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    (len && archive_write_data(a, data, len) != (la_ssize_t)len))
		ret = error("cannot write '%s' into the initramfs: %s", path,
			    archive_error_string(a));
	archive_entry_free(e);
	return ret;
}

static int write_initramfs(const char *out, struct blob *blobs, int nblobs,
			   const char *applets, const char *modlist)
{
	static const char *const dirs[] = {
		"bin", "sbin", "usr", "usr/bin", "usr/sbin", "dev", "proc", "sys",
		"tmp", "run", "root", "etc", "etc/kmemlab", "lib", "lib/kmemlab",
		"lib/kmemlab/boot", "lab",
	};
	struct archive *a = archive_write_new();
	char *tmp = xasprintf("%s.tmp.%d", out, (int)getpid());
	int ret = -1;

	if (archive_write_set_format_cpio_newc(a) != ARCHIVE_OK ||
	    archive_write_open_filename(a, tmp) != ARCHIVE_OK) {
		error("cannot create '%s': %s", tmp, archive_error_string(a));
		goto out;
	}
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (add_entry(a, dirs[i], AE_IFDIR, 0755, NULL, 0, NULL, 0) < 0)
			goto out;
	if (add_entry(a, "dev/console", AE_IFCHR, 0600, NULL, 0, NULL, makedev(5, 1)) < 0)
		goto out;
	for (int i = 0; i < nblobs; i++)
		if (add_entry(a, blobs[i].guest, AE_IFREG, blobs[i].mode, blobs[i].data.buf,
			      blobs[i].data.len, NULL, 0) < 0)
			goto out;
	if (add_entry(a, "etc/kmemlab/modules", AE_IFREG, 0644, modlist, strlen(modlist),
		      NULL, 0) < 0)
		goto out;
	/* busybox --list-full: one "usr/bin/awk" per line. */
	for (const char *p = applets; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *name = xstrndup(p, n);

		if (*name && strcmp(name, "bin/busybox") && strcmp(name, "linuxrc") &&
		    add_entry(a, name, AE_IFLNK, 0777, NULL, 0, "/bin/busybox", 0) < 0) {
			free(name);
			goto out;
		}
		free(name);
		p += n + (nl ? 1 : 0);
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		error("cannot finish '%s': %s", tmp, archive_error_string(a));
		goto out;
	}
	if (rename(tmp, out) < 0) {
		error("cannot rename '%s' to '%s': %s", tmp, out, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	archive_write_free(a);
	if (ret)
		unlink(tmp);
	free(tmp);
	return ret;
}

char *lab_initramfs(const struct lab_kernel *k)
{
	struct blob blobs[2 + ARRAY_SIZE(boot_modules)];
	struct strbuf key = STRBUF_INIT, applets = STRBUF_INIT, modlist = STRBUF_INIT;
	const char *const list_argv[] = { BUSYBOX, "--list-full", NULL };
	struct run_result rr;
	int nblobs = 0;
	char hash[65], *out = NULL, *dir = NULL;

	memset(blobs, 0, sizeof(blobs));
	blobs[nblobs].guest = "init";
	blobs[nblobs].mode = 0755;
	if (read_file(paths.agent, &blobs[nblobs++].data, 0) < 0) {
		error("cannot read the guest agent '%s': %s (run 'make' first)",
		      paths.agent, strerror(errno));
		goto out;
	}
	blobs[nblobs].guest = "bin/busybox";
	blobs[nblobs].mode = 0755;
	if (read_file(BUSYBOX, &blobs[nblobs++].data, 0) < 0) {
		error("cannot read '%s': %s (install busybox-static)", BUSYBOX,
		      strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < ARRAY_SIZE(boot_modules); i++) {
		char *file, *path;

		if (is_builtin(k, boot_modules[i]))
			continue;
		file = xasprintf("%s.ko", boot_modules[i]);
		path = find_module(k->moddir, file);
		if (!path) {
			error("lab kernel %s has no module '%s' under '%s' and does not "
			      "build it in: the lab channel needs virtio_console",
			      k->release, file, k->moddir);
			free(file);
			goto out;
		}
		blobs[nblobs].guest = xasprintf("lib/kmemlab/boot/%s", file);
		blobs[nblobs].mode = 0644;
		if (read_file(path, &blobs[nblobs++].data, 0) < 0) {
			error("cannot read '%s': %s", path, strerror(errno));
			free(file);
			free(path);
			goto out;
		}
		strbuf_addf(&modlist, "/lib/kmemlab/boot/%s\n", file);
		free(file);
		free(path);
	}
	if (run_capture(list_argv, NULL, NULL, &applets, 1 << 20, 10000, &rr) != 0) {
		error("'%s --list-full' failed: %s", BUSYBOX, strbuf_str(&applets));
		goto out;
	}

	strbuf_addf(&key, "format %d\nrelease %s\nmodules %s\n", INITRAMFS_FORMAT,
		    k->release, strbuf_str(&modlist));
	for (int i = 0; i < nblobs; i++) {
		sha256_hex(blobs[i].data.buf, blobs[i].data.len, hash);
		strbuf_addf(&key, "%s %s\n", blobs[i].guest, hash);
	}
	sha256_hex(key.buf, key.len, hash);
	out = xasprintf("%s/initramfs/initramfs-%.16s.cpio", paths.prebuilt, hash);
	if (is_file(out))
		goto out;	/* made by `make` */
	free(out);
	dir = path_join(paths.cache, "initramfs");
	if (mkdir_p(dir, 0755) < 0)
		goto out;
	out = xasprintf("%s/initramfs-%.16s.cpio", dir, hash);
	if (!is_file(out) &&
	    write_initramfs(out, blobs, nblobs, strbuf_str(&applets), strbuf_str(&modlist)) < 0) {
		free(out);
		out = NULL;
	}
out:
	for (int i = 0; i < nblobs; i++) {
		strbuf_release(&blobs[i].data);
		if (i >= 2)
			free((char *)blobs[i].guest);
	}
	strbuf_release(&key);
	strbuf_release(&applets);
	strbuf_release(&modlist);
	free(dir);
	return out;
}
