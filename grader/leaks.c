#include "leaks.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T PROTO_ALLOC_TRACE
#define TRACE_CAP (8u << 20)

/*
 * One raw trace line, "  TASK-PID [CPU] FLAGS TS: EVENT: call_site=S ptr=P
 * bytes_req=R bytes_alloc=B ...": its event ("kfree"), time, pointer and,
 * when present, bytes and call site.  Returns 1 when it is an event line.
 */
static int parse_event(const char *line, size_t len, char ev[40], double *ts,
		       unsigned long long *ptr, unsigned long long *bytes, char site[256])
{
	char buf[512];
	char *p, *colon, *f;

	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, line, len);
	buf[len] = '\0';
	/* The time stamp is the first word that is digits, a dot, digits and a colon. */
	for (p = strtok(buf, " "); p; p = strtok(NULL, " ")) {
		size_t n = strlen(p);

		if (n > 2 && p[n - 1] == ':' && strchr(p, '.') && strspn(p, "0123456789.:") == n)
			break;
	}
	if (!p)
		return 0;
	*ts = atof(p);
	p = strtok(NULL, " ");
	if (!p || !(colon = strchr(p, ':')))
		return 0;
	snprintf(ev, 40, "%.*s", (int)(colon - p), p);
	*ptr = 0;
	*bytes = 0;
	strcpy(site, "-");
	while ((f = strtok(NULL, " "))) {
		if (!strncmp(f, "ptr=", 4))
			*ptr = strtoull(f + 4, NULL, 16);
		else if (!strncmp(f, "bytes_alloc=", 12))
			*bytes = strtoull(f + 12, NULL, 10);
		else if (!strncmp(f, "call_site=", 10))
			snprintf(site, 256, "%s", f + 10);
		else if (f[0] == '[' && strcmp(site, "-"))
			/* "[module]" after a symbolic call site */
			snprintf(site + strlen(site), 256 - strlen(site), " %s", f);
	}
	return *ptr != 0;
}

/* The module's code sections and their sizes, from the .ko's section headers. */
static int read_text_sections(struct leak_watch *w)
{
	struct strbuf f = STRBUF_INIT;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	const char *names;
	int ret = -1;

	if (read_file(w->ko, &f, 64 << 20) < 0 || f.len < sizeof(*eh))
		goto out;
	eh = (const Elf64_Ehdr *)f.buf;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(*sh) || eh->e_shoff > f.len ||
	    (f.len - eh->e_shoff) / sizeof(*sh) < eh->e_shnum || eh->e_shstrndx >= eh->e_shnum)
		goto out;
	sh = (const Elf64_Shdr *)(f.buf + eh->e_shoff);
	if (sh[eh->e_shstrndx].sh_offset >= f.len)
		goto out;
	names = f.buf + sh[eh->e_shstrndx].sh_offset;
	for (int i = 0; i < eh->e_shnum; i++) {
		size_t room = f.len - sh[eh->e_shstrndx].sh_offset;

		if (!(sh[i].sh_flags & SHF_EXECINSTR) || !(sh[i].sh_flags & SHF_ALLOC) ||
		    sh[i].sh_name >= room || !memchr(names + sh[i].sh_name, '\0',
						      room - sh[i].sh_name))
			continue;
		w->text = xrealloc(w->text, (size_t)(w->ntext + 1) * sizeof(*w->text));
		w->text[w->ntext++] = (struct leak_text){ xstrdup(names + sh[i].sh_name), 0,
							   sh[i].sh_size, i };
	}
	/* Its functions, to name a call site whose name the kernel no longer knows. */
	for (int i = 0; i < eh->e_shnum; i++) {
		const Elf64_Sym *sym;
		const char *str;
		size_t nsym;

		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum ||
		    sh[i].sh_offset > f.len || sh[i].sh_size > f.len - sh[i].sh_offset ||
		    sh[sh[i].sh_link].sh_offset >= f.len)
			continue;
		sym = (const Elf64_Sym *)(f.buf + sh[i].sh_offset);
		nsym = sh[i].sh_size / sizeof(*sym);
		str = f.buf + sh[sh[i].sh_link].sh_offset;
		for (size_t j = 0; j < nsym; j++) {
			size_t room = f.len - sh[sh[i].sh_link].sh_offset;

			if (ELF64_ST_TYPE(sym[j].st_info) != STT_FUNC || sym[j].st_name >= room ||
			    !memchr(str + sym[j].st_name, '\0', room - sym[j].st_name))
				continue;
			w->funcs = xrealloc(w->funcs, (size_t)(w->nfuncs + 1) * sizeof(*w->funcs));
			w->funcs[w->nfuncs++] = (struct leak_func){
				xstrdup(str + sym[j].st_name), sym[j].st_shndx, sym[j].st_value,
				sym[j].st_size };
		}
	}
	ret = 0;
out:
	strbuf_release(&f);
	return ret;
}

/* Is the call site (a "0x..." address or a "f+0x1/0x2 [mod]" name) the module's? */
static int module_site(const struct leak_watch *w, const char *site)
{
	int mine = strstr(site, w->tag) != NULL;

	if (!mine && !strncmp(site, "0x", 2)) {
		unsigned long long a = strtoull(site, NULL, 16);

		for (int i = 0; i < w->ntext; i++)
			if (w->text[i].addr && a >= w->text[i].addr &&
			    a < w->text[i].addr + w->text[i].size)
				mine = 1;
	}
	return mine;
}

int leaks_start(struct vm *vm, struct leak_watch *w, const char *module, const char *ko)
{
	/* The agent made the instance at boot (vm_options.alloc_trace): clear it, start. */
	static const char script[] = "set -e; cd " T "; echo > trace; echo 1 > tracing_on";
	struct vm_exec ex;
	int r;

	memset(w, 0, sizeof(*w));
	w->module = xstrdup(module);
	w->tag = xasprintf("[%s]", module);
	w->ko = xstrdup(ko);
	if (read_text_sections(w) < 0 || !w->ntext) {
		w->why_off = xasprintf("the module's code sections could not be read from '%s'", ko);
		return 0;
	}
	r = vm_sh(vm, script, 30000, 4096, &ex);
	if (r == VM_OK && !ex.status)
		w->on = 1;
	else if (r == VM_OK)
		w->why_off = xasprintf("the kernel's allocation events could not be traced (%s)",
				       rtrim(ex.err.len ? ex.err.buf : "tracefs"));
	vm_exec_release(&ex);
	return r == VM_ERROR ? -1 : 0;
}

int leaks_loaded(struct vm *vm, struct leak_watch *w)
{
	struct vm_exec ex;
	char *script;
	int r;

	if (!w->on)
		return 0;
	/* One process per step: each fork costs milliseconds under TCG. */
	/*
	 * Tracing pauses while these are read: the readers' own frees are no
	 * ground truth, and fewer events make the last reading cheaper.
	 */
	script = xasprintf("echo 0 > " T "/tracing_on; "
			   "cd /sys/module/%s/sections && grep . .*text* | tr ':' ' '; "
			   "echo ==allocs; grep -E ': (kmalloc|kmem_cache_alloc): ' " T "/trace; "
			   "echo ==areas; "
			   "awk '$3 ~ /^0xffffffffc/ || $0 ~ /\\[%s\\]/ { print $1, $2, $3, $4 }' "
			   "/proc/vmallocinfo; echo 1 > " T "/tracing_on", w->module, w->module);
	r = vm_sh(vm, script, 60000, TRACE_CAP, &ex);
	free(script);
	if (r == VM_OK && !ex.truncated) {
		const char *out = strbuf_str(&ex.out);
		const char *allocs = strstr(out, "==allocs\n"), *areas = strstr(out, "==areas\n");

		if (!allocs || !areas || areas < allocs) {
			w->on = 0;
			w->why_off = xstrdup("the module's allocations could not be read");
		} else {
			/* Where the kernel put each code section. */
			for (const char *p = out; p < allocs;) {
				char name[128];
				unsigned long long addr;

				if (sscanf(p, "%127s %llx", name, &addr) == 2)
					for (int i = 0; i < w->ntext; i++)
						if (!strcmp(w->text[i].name, name))
							w->text[i].addr = addr;
				p = strchr(p, '\n') + 1;
			}
			for (const char *p = allocs + 9; p < areas;) {
				const char *nl = strchr(p, '\n');
				char ev[40], site[256];
				unsigned long long ptr, bytes;
				double ts;

				if (parse_event(p, (size_t)(nl - p), ev, &ts, &ptr, &bytes, site) &&
				    module_site(w, site)) {
					char *sp = strchr(site, ' ');

					if (sp)
						*sp = '\0';	/* the name alone */
					strbuf_addf(&w->allocs, "%s %.6f %llx %llu %s\n", ev, ts, ptr,
						    bytes, site);
				}
				p = nl + 1;
			}
			for (const char *p = areas + 8; *p;) {
				const char *nl = strchr(p, '\n');
				char range[80], site[256];
				unsigned long long bytes;

				if (!nl)
					break;
				/* The caller, then "[module]" when its name is known. */
				if (sscanf(p, "%79s %llu %255s", range, &bytes, site) == 3 &&
				    (module_site(w, site) ||
				     memmem(p, (size_t)(nl - p), w->tag, strlen(w->tag))))
					strbuf_addf(&w->areas, "%s %llu %s\n", range, bytes, site);
				p = nl + 1;
			}
		}
	} else if (r == VM_OK) {
		w->on = 0;
		w->why_off = xstrdup("the module made more allocations than can be followed");
	}
	vm_exec_release(&ex);
	return r == VM_ERROR ? -1 : 0;
}

/* "0xffffffffc0462081" -> "ksize_ex_init+0x81", from the .ko's own symbols. */
static char *site_name(const struct leak_watch *w, const char *site)
{
	unsigned long long a;

	if (strncmp(site, "0x", 2))
		return xstrdup(site);
	a = strtoull(site, NULL, 16);
	for (int i = 0; i < w->ntext; i++) {
		const struct leak_text *t = &w->text[i];

		if (!t->addr || a < t->addr || a >= t->addr + t->size)
			continue;
		for (int j = 0; j < w->nfuncs; j++) {
			const struct leak_func *f = &w->funcs[j];
			unsigned long long off = a - t->addr;

			if (f->section == t->index && off >= f->value && off < f->value + f->size)
				return xasprintf("%s+0x%llx", f->name, off - f->value);
		}
	}
	return xstrdup(site);
}

static void add_leak(struct leak_watch *w, const char *what, const char *site,
		     unsigned long long bytes)
{
	char *s = site_name(w, site);
	char *slash = strchr(s, '/');

	if (slash)
		*slash = '\0';	/* "f+0x5d/0x100" -> "f+0x5d" */
	for (int i = 0; i < w->nleaks; i++)
		if (!strcmp(w->leaks[i].what, what) && !strcmp(w->leaks[i].site, s)) {
			w->leaks[i].count++;
			w->leaks[i].bytes += bytes;
			free(s);
			return;
		}
	w->leaks = xrealloc(w->leaks, (size_t)(w->nleaks + 1) * sizeof(*w->leaks));
	w->leaks[w->nleaks++] = (struct leak_site){ xstrdup(what), s, 1, bytes };
}

/* A free the trace saw: of which pointer, when. */
struct freed {
	unsigned long long ptr;
	double ts;
};

static int cmp_freed(const void *x, const void *y)
{
	const struct freed *a = x, *b = y;

	if (a->ptr != b->ptr)
		return a->ptr < b->ptr ? -1 : 1;
	return a->ts < b->ts ? -1 : a->ts > b->ts;
}

/* The frees among the trace's lines ("EVENT TS PTR ..."), sorted by pointer then time. */
static struct freed *read_frees(const char *lines, size_t *n)
{
	struct freed *f = NULL;
	size_t alloc = 0;

	*n = 0;
	for (const char *p = lines; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char ev[40], site[256];
		unsigned long long ptr, bytes;
		double ts;

		if (parse_event(p, len, ev, &ts, &ptr, &bytes, site) &&
		    (!strcmp(ev, "kfree") || !strcmp(ev, "kmem_cache_free"))) {
			if (*n == alloc) {
				alloc = alloc ? 2 * alloc : 1024;
				f = xrealloc(f, alloc * sizeof(*f));
			}
			f[(*n)++] = (struct freed){ ptr, ts };
		}
		p += len + (nl ? 1 : 0);
	}
	if (*n)
		qsort(f, *n, sizeof(*f), cmp_freed);
	return f;
}

/* Was ptr freed after time ts?  (The last free of it is the one to look at.) */
static int freed_after(const struct freed *f, size_t n, unsigned long long ptr, double ts)
{
	size_t lo = 0, hi = n;

	/* The first entry past ptr's. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f[mid].ptr <= ptr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && f[lo - 1].ptr == ptr && f[lo - 1].ts > ts;
}

int leaks_finish(struct vm *vm, struct leak_watch *w)
{
	static const char script[] =
		"cd " T "; echo 0 > tracing_on; "
		"echo ==overrun $(cat per_cpu/cpu*/stats | awk '/^overrun:/ { n += $2 } END { print n + 0 }'); "
		"grep -E ': (kfree|kmem_cache_free): ' trace; "
		"echo ==areas; awk '!/unpurged/ { print $1 }' /proc/vmallocinfo; echo > trace; true";
	struct vm_exec ex;
	const char *out, *areas;
	unsigned long long overrun = 0;
	int r;

	if (!w->on)
		return 0;
	w->on = 0;
	r = vm_sh(vm, script, 60000, TRACE_CAP, &ex);
	if (r != VM_OK || ex.truncated) {
		if (r != VM_ERROR)
			w->why_off = xstrdup(ex.truncated ? "the kernel freed more than can be followed"
							  : "the lab VM stopped answering");
		vm_exec_release(&ex);
		return r == VM_ERROR ? -1 : 0;
	}
	out = strbuf_str(&ex.out);
	areas = strstr(out, "==areas\n");
	if (sscanf(out, "==overrun %llu", &overrun) != 1 || !areas) {
		w->why_off = xstrdup("the kernel's allocation events could not be read");
	} else if (overrun) {
		w->why_off = xasprintf("the trace lost %llu events: too many to follow", overrun);
	} else {
		size_t nfrees;
		struct freed *frees = read_frees(out, &nfrees);

		/* kmalloc and kmem_cache_alloc: freed later, or leaked. */
		for (const char *p = strbuf_str(&w->allocs); *p;) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			char ev[40], t[40], site[256];
			unsigned long long ptr, bytes = 0;

			if (len < 400 && sscanf(p, "%39s %39s %llx %llu %255s", ev, t, &ptr, &bytes,
						site) == 5 &&
			    !freed_after(frees, nfrees, ptr, atof(t)))
				add_leak(w, ev, site, bytes);
			p += len + (nl ? 1 : 0);
		}
		free(frees);
		/* vmalloc areas still listed after rmmod (vfree()d ones wait "unpurged"). */
		for (const char *p = strbuf_str(&w->areas); *p;) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			char range[80], site[256];
			unsigned long long bytes = 0;

			if (len < 400 && sscanf(p, "%79s %llu %255s", range, &bytes, site) == 3) {
				char *needle = xasprintf("\n%s\n", range);

				if (strstr(areas + 7, needle))
					add_leak(w, "vmalloc", site, bytes);
				free(needle);
			}
			p += len + (nl ? 1 : 0);
		}
		w->checked = 1;
	}
	vm_exec_release(&ex);
	return 0;
}

char *leaks_describe(const struct leak_watch *w)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned long long bytes = 0;
	int count = 0;

	for (int i = 0; i < w->nleaks; i++) {
		count += w->leaks[i].count;
		bytes += w->leaks[i].bytes;
	}
	strbuf_addf(&sb, "%d allocation%s, %llu bytes, not freed by rmmod:", count,
		    count == 1 ? "" : "s", bytes);
	for (int i = 0; i < w->nleaks && i < 6; i++) {
		const struct leak_site *l = &w->leaks[i];

		if (l->count == 1)
			strbuf_addf(&sb, "%s %s of %llu bytes at %s", i ? ";" : "", l->what,
				    l->bytes, l->site);
		else
			strbuf_addf(&sb, "%s %d x %s, %llu bytes in all, at %s", i ? ";" : "",
				    l->count, l->what, l->bytes, l->site);
	}
	if (w->nleaks > 6)
		strbuf_addf(&sb, "; and %d more sites", w->nleaks - 6);
	return strbuf_detach(&sb, NULL);
}

void leaks_release(struct leak_watch *w)
{
	for (int i = 0; i < w->nleaks; i++) {
		free(w->leaks[i].what);
		free(w->leaks[i].site);
	}
	free(w->leaks);
	for (int i = 0; i < w->ntext; i++)
		free(w->text[i].name);
	free(w->text);
	for (int i = 0; i < w->nfuncs; i++)
		free(w->funcs[i].name);
	free(w->funcs);
	free(w->module);
	free(w->tag);
	free(w->ko);
	free(w->why_off);
	strbuf_release(&w->allocs);
	strbuf_release(&w->areas);
	memset(w, 0, sizeof(*w));
}
