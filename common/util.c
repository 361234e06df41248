#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sha2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(size_t n)
{
	fprintf(stderr, "kmemlab: fatal: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t n)
{
	void *p = calloc(nmemb ? nmemb : 1, n ? n : 1);

	if (!p)
		oom(nmemb * n);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		oom(n);
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return strbuf_detach(&sb, NULL);
}

int error(const char *fmt, ...)
{
	va_list ap;

	/* After Ctrl-C, what fails fails because of it: the caller says so once. */
	if (interrupted)
		return -1;
	fputs("kmemlab: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	if (interrupted)
		return;
	fputs("kmemlab: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void die_bug(const char *fmt, ...)
{
	va_list ap;

	fputs("kmemlab: BUG: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;

	if (need < sb->len)
		oom(SIZE_MAX);
	if (need <= sb->alloc)
		return;
	if (sb->alloc * 2 > need)
		need = sb->alloc * 2;
	if (need < 64)
		need = 64;
	sb->buf = xrealloc(sb->buf, need);
	if (!sb->alloc)
		sb->buf[0] = '\0';
	sb->alloc = need;
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	strbuf_grow(sb, len);
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, int c)
{
	char ch = (char)c;

	strbuf_add(sb, &ch, 1);
}

void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		die_bug("bad format '%s'", fmt);
	strbuf_grow(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void strbuf_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *s;

	strbuf_grow(sb, 0);
	s = sb->buf;
	if (len)
		*len = sb->len;
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
	return s;
}

const char *strbuf_str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

int read_file(const char *path, struct strbuf *sb, size_t max)
{
	char buf[65536];
	size_t start = sb->len;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (max && sb->len - start + (size_t)n > max) {
			errno = EFBIG;
			goto fail;
		}
		strbuf_add(sb, buf, (size_t)n);
	}
	close(fd);
	return 0;
fail:;
	int saved = errno;

	close(fd);
	sb->len = start;
	strbuf_grow(sb, 0);
	sb->buf[start] = '\0';
	errno = saved;
	return -1;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int atomic_open(struct atomic_file *a, const char *path, mode_t mode)
{
	int fd;

	a->path = xstrdup(path);
	a->tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	a->f = NULL;
	fd = open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || !(a->f = fdopen(fd, "w"))) {
		error("cannot create '%s': %s", a->tmp, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(a->tmp);
		}
		free(a->path);
		free(a->tmp);
		return -1;
	}
	return 0;
}

void atomic_abort(struct atomic_file *a)
{
	fclose(a->f);
	unlink(a->tmp);
	free(a->path);
	free(a->tmp);
	memset(a, 0, sizeof(*a));
}

int atomic_commit(struct atomic_file *a, int sync)
{
	int ret = -1;

	if (fflush(a->f) != 0 || ferror(a->f) || (sync && fsync(fileno(a->f)) < 0)) {
		error("cannot write '%s': %s", a->tmp, strerror(errno ? errno : EIO));
		goto out;
	}
	if (fclose(a->f) != 0) {
		a->f = NULL;
		error("cannot write '%s': %s", a->tmp, strerror(errno));
		goto out;
	}
	a->f = NULL;
	if (rename(a->tmp, a->path) < 0) {
		error("cannot rename '%s' to '%s': %s", a->tmp, a->path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (a->f)
		fclose(a->f);
	if (ret)
		unlink(a->tmp);
	free(a->path);
	free(a->tmp);
	memset(a, 0, sizeof(*a));
	return ret;
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	struct atomic_file a;

	if (atomic_open(&a, path, mode) < 0)
		return -1;
	if (write_all(fileno(a.f), data, len) < 0) {
		error("cannot write '%s': %s", a.tmp, strerror(errno));
		atomic_abort(&a);
		return -1;
	}
	return atomic_commit(&a, 1);
}

int mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path);
	char *s;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			error("cannot create directory '%s': %s", p, strerror(errno));
			free(p);
			return -1;
		}
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST) {
		error("cannot create directory '%s': %s", p, strerror(errno));
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

void sweep_stale(const char *dir, long (*owner)(const char *name))
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		long pid = owner(e->d_name);
		char *p;

		if (pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		p = path_join(dir, e->d_name);
		remove_tree(p);
		free(p);
	}
	if (d)
		closedir(d);
}

/* "NAME.tmp.PID": the PID, else 0. */
static long tmp_owner(const char *name)
{
	const char *t = strstr(name, ".tmp.");
	char *end;
	long pid;

	if (!t)
		return 0;
	pid = strtol(t + 5, &end, 10);
	return *end ? 0 : pid;
}

void sweep_stale_tmp(const char *dir)
{
	sweep_stale(dir, tmp_owner);
}

int remove_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int ret = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char *sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		sub = path_join(path, e->d_name);
		if (remove_tree(sub) < 0)
			ret = -1;
		free(sub);
	}
	closedir(d);
	if (rmdir(path) < 0)
		ret = -1;
	return ret;
}

int copy_tree(const char *from, const char *to)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int ret = 0;

	if (stat(from, &st) < 0)
		return error("cannot read '%s': %s", from, strerror(errno));
	if (S_ISREG(st.st_mode)) {
		struct strbuf sb = STRBUF_INIT;

		if (read_file(from, &sb, 0) < 0) {
			ret = error("cannot read '%s': %s", from, strerror(errno));
		} else {
			ret = write_file_atomic(to, sb.buf ? sb.buf : "", sb.len,
						st.st_mode & 0777);
		}
		strbuf_release(&sb);
		return ret;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (mkdir_p(to, 0755) < 0)
		return -1;
	d = opendir(from);
	if (!d)
		return error("cannot open directory '%s': %s", from, strerror(errno));
	while ((e = readdir(d)) && ret == 0) {
		char *a, *b;

		if (e->d_name[0] == '.')
			continue;
		a = path_join(from, e->d_name);
		b = path_join(to, e->d_name);
		ret = copy_tree(a, b);
		free(a);
		free(b);
	}
	closedir(d);
	return ret;
}

int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int path_has_suffix(const char *path, const char *suffix)
{
	size_t n = strlen(path), m = strlen(suffix);

	return n >= m && !strcmp(path + n - m, suffix);
}

char *path_join(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (n && a[n - 1] == '/')
		return xasprintf("%s%s", a, b);
	return xasprintf("%s/%s", a, b);
}

char *path_basename(const char *path)
{
	size_t n = strlen(path);
	const char *s;

	while (n > 1 && path[n - 1] == '/')
		n--;
	for (s = path + n; s > path && s[-1] != '/'; s--)
		;
	return xstrndup(s, (size_t)(path + n - s));
}

char *path_dirname(const char *path)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	while (n > 0 && path[n - 1] != '/')
		n--;
	while (n > 1 && path[n - 1] == '/')
		n--;
	return n ? xstrndup(path, n) : xstrdup(".");
}

char *path_absolute(const char *path)
{
	char *r = realpath(path, NULL);

	if (!r && errno == ENOMEM)
		oom(PATH_MAX);
	return r;
}

char *path_make_absolute(const char *path)
{
	char *cwd, *r;

	if (path[0] == '/')
		return xstrdup(path);
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return xstrdup(path);
	r = path_join(cwd, path);
	free(cwd);
	return r;
}

void sha256_hex(const void *data, size_t len, char out[65])
{
	SHA256Data(data, len, out);
}

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void utc_now(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void random_bytes(void *buf, size_t n)
{
	char *p = buf;

	while (n) {
		ssize_t r = getrandom(p, n, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			die_bug("getrandom: %s", strerror(errno));
		}
		p += r;
		n -= (size_t)r;
	}
}

uint32_t random_range(uint32_t lo, uint32_t hi)
{
	uint64_t span = (uint64_t)hi - lo + 1;
	uint32_t r;

	random_bytes(&r, sizeof(r));
	return lo + (uint32_t)(r % span);
}

char *rtrim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
		     s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

void interrupt_catch(int on)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on ? on_sigint : SIG_DFL;
	sa.sa_flags = 0;	/* no SA_RESTART: a blocked poll() or read() returns */
	sigaction(SIGINT, &sa, NULL);
}
