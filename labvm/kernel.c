#include "lab.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char install_hint[] =
	"install the lab kernel with 'apt-get install linux-image-cloud-amd64 "
	"linux-headers-cloud-amd64' (or run 'make deps' as root)";

static char *find_kdir(const char *release)
{
	char *c = xasprintf("/usr/src/linux-headers-%s", release);

	if (is_file(c) || is_dir(c)) {
		char *mk = path_join(c, "Makefile");
		int ok = is_file(mk);

		free(mk);
		if (ok)
			return c;
	}
	free(c);
	c = xasprintf("/lib/modules/%s/build", release);
	if (is_dir(c))
		return c;
	free(c);
	return NULL;
}

static char *release_of_image(const char *image)
{
	char *base = path_basename(image);
	char *rel;

	if (strncmp(base, "vmlinuz-", 8) != 0) {
		free(base);
		return NULL;
	}
	rel = xstrdup(base + 8);
	free(base);
	return rel;
}

int lab_kernel_find(struct lab_kernel *k)
{
	const char *image = getenv("KMEMLAB_KERNEL");
	const char *kdir = getenv("KMEMLAB_KDIR");
	const char *moddir = getenv("KMEMLAB_MODDIR");

	memset(k, 0, sizeof(*k));
	if (image && *image) {
		if (!is_file(image))
			return error("KMEMLAB_KERNEL='%s' is not a file", image);
		k->image = xstrdup(image);
		k->release = release_of_image(image);
		if (!k->release && !(kdir && *kdir))
			return error("cannot tell the release of '%s' (expected a name "
				     "like vmlinuz-RELEASE): set KMEMLAB_KDIR too", image);
	} else {
		DIR *d = opendir("/boot");
		struct dirent *e;
		char *best = NULL;

		while (d && (e = readdir(d))) {
			char *rel, *kd;

			if (strncmp(e->d_name, "vmlinuz-", 8) ||
			    !path_has_suffix(e->d_name, "-cloud-amd64"))
				continue;
			rel = xstrdup(e->d_name + 8);
			kd = find_kdir(rel);
			if (kd && (!best || strverscmp(rel, best) > 0)) {
				free(best);
				best = rel;
			} else {
				free(rel);
			}
			free(kd);
		}
		if (d)
			closedir(d);
		if (!best)
			return error("no lab kernel: /boot has no vmlinuz-*-cloud-amd64 "
				     "with matching headers in /usr/src; %s", install_hint);
		k->release = best;
		k->image = xasprintf("/boot/vmlinuz-%s", best);
	}
	if (access(k->image, R_OK) < 0)
		return error("cannot read the lab kernel '%s': run as root or make it "
			     "readable", k->image);
	if (kdir && *kdir) {
		k->kdir = xstrdup(kdir);
	} else {
		k->kdir = find_kdir(k->release);
		if (!k->kdir)
			return error("no kbuild tree for lab kernel %s "
				     "(/usr/src/linux-headers-%s): %s",
				     k->release, k->release, install_hint);
	}
	if (!is_dir(k->kdir))
		return error("the kbuild tree '%s' does not exist", k->kdir);
	k->moddir = moddir && *moddir ? xstrdup(moddir)
				      : xasprintf("/lib/modules/%s", k->release);
	return 0;
}

void lab_kernel_release(struct lab_kernel *k)
{
	free(k->image);
	free(k->kdir);
	free(k->moddir);
	free(k->release);
	memset(k, 0, sizeof(*k));
}
