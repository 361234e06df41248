/*
 * Exercise 4, slabcache: the learner's module creates three caches of a
 * random object size (one with a constructor, one plain, one with
 * SLAB_POISON | SLAB_RED_ZONE) under names with a random suffix, holds
 * count objects from each, and reports kmem_cache_size(), ksize(), the
 * constructor's calls, and kmem_dump_obj()'s word on where each object
 * came from.
 *
 * Ground truth, all from the same VM run: /sys/kernel/slab/<name>/
 * {object_size,slab_size,objs_per_slab,objects,total_objects,aliases,
 * ctor} read while the learner's module is loaded (a plain cache is a
 * symlink to a shared :0000NNN cache when SLUB merged it); the probe's
 * ksize() on identical caches of its own; and /sys again after unload,
 * to see that every cache was destroyed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ktap.h"

enum { C_CTOR, C_PLAIN, C_DEBUG, NR_C };

static const char *const c_key[NR_C] = { "ctor", "plain", "debug" };
static const char *const c_test[NR_C] = { "ctor_cache", "plain_cache", "debug_cache" };
static const char *const c_tail[NR_C] = { "", "_plain", "_debug" };

struct slab_priv {
	unsigned size, count;
	char suffix[8];
	char names[NR_C][32];
};

/* One module's report: the learner's or the probe's. */
struct slab_report {
	int have[NR_C];
	unsigned long long object_size[NR_C], ksize[NR_C], objects[NR_C], ctor_calls;
	int have_ctor_calls;
	char from[NR_C][64];	/* the cache kmem_dump_obj() named, or "" */
};

static const char *const slab_checks[] = {
	"ktap", "nonce", "object_size", "ksize", "ctor_calls", "objects", "merged",
	"destroyed", NULL
};

static int is_prime(unsigned n)
{
	if (n < 2)
		return 0;
	for (unsigned d = 2; d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

/*
 * Sizes from 33 to 96 bytes: the range of small structures, where a
 * plain cache usually finds an existing cache to merge into.  count is a
 * prime from 89 to 293, so it spans a few slabs and is never a multiple
 * of the objects in one slab (at most 4096 / 48 = 85 here): the
 * constructor's calls, whole slabs' worth, always differ from count.
 */
static void slab_prepare(struct attempt *a)
{
	struct slab_priv *p = xcalloc(1, sizeof(*p));

	p->size = attempt_random(a, 33, 96);
	do
		p->count = attempt_random(a, 89, 293);
	while (!is_prime(p->count));
	snprintf(p->suffix, sizeof(p->suffix), "%06x", attempt_random(a, 0, 0xffffff));
	for (int c = 0; c < NR_C; c++)
		snprintf(p->names[c], sizeof(p->names[c]), "slabcache_%s%s", p->suffix,
			 c_tail[c]);
	a->priv = p;
	a->params = xasprintf("size=%u count=%u suffix=%s nonce=%s", p->size, p->count,
			      p->suffix, a->nonce);
	a->inputs = xstrdup(a->params);
	a->probe_params = xasprintf("mode=slabcache slab_objsize=%u slab_count=%u slab_suffix=%s "
				    "nonce=%s", p->size, p->count, p->suffix, a->nonce);
}

/*
 * While loaded: "KEY.FIELD=value" lines for each cache.  KEY.type is dir
 * (a cache of its own), link (an alias: KEY.target is the shared cache,
 * KEY.names every name that points at it) or none.
 */
static int slab_while_loaded(struct attempt *a, struct vm *vm)
{
	struct slab_priv *p = a->priv;
	char *script = xasprintf(
		"cd /sys/kernel/slab || exit 1\n"
		"for k in ctor:%s plain:%s debug:%s; do\n"
		"  key=${k%%%%:*}; n=${k#*:}\n"
		"  if [ -L \"$n\" ]; then\n"
		"    t=$(readlink \"$n\"); t=${t##*/}\n"
		"    echo \"$key.type=link\"; echo \"$key.target=$t\"\n"
		"    printf '%%s.names=' \"$key\"\n"
		"    for l in *; do\n"
		"      [ -L \"$l\" ] || continue; u=$(readlink \"$l\")\n"
		"      [ \"${u##*/}\" = \"$t\" ] && printf '%%s,' \"$l\"\n"
		"    done\n"
		"    echo\n"
		"  elif [ -d \"$n\" ]; then echo \"$key.type=dir\"\n"
		"  else echo \"$key.type=none\"; continue; fi\n"
		"  for f in object_size slab_size objs_per_slab objects total_objects slabs \\\n"
		"           aliases; do\n"
		"    echo \"$key.$f=$(cut -d' ' -f1 \"$n/$f\")\"\n"
		"  done\n"
		"  echo \"$key.ctor=$(cat \"$n/ctor\")\"\n"
		"done\n"
		"echo \"cmdline=$(cat /proc/cmdline)\"\n",
		p->names[C_CTOR], p->names[C_PLAIN], p->names[C_DEBUG]);

	attempt_read(a, vm, "sysfs", script, 10000, 64 << 10, 0, NULL);
	free(script);
	return 0;
}

/* The value of "key=..." in text (one per line), allocated, or NULL. */
static char *sys_get(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *s = text; s && *s;) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);

		if (n > klen && !strncmp(s, key, klen) && s[klen] == '=')
			return xstrndup(s + klen + 1, n - klen - 1);
		s = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static char *sys_field(const struct attempt *a, int c, const char *field)
{
	char key[64];

	snprintf(key, sizeof(key), "%s.%s", c_key[c], field);
	return sys_get(attempt_reading(a, "sysfs"), key);
}

/* A number from sysfs, or -1 when it was not read. */
static long long sys_num(const struct attempt *a, int c, const char *field)
{
	char *v = sys_field(a, c, field), *end;
	long long n = -1;

	if (v && *v) {
		n = strtoll(v, &end, 10);
		if (*end)
			n = -1;
	}
	free(v);
	return n;
}

/* "dir", "link", "none", or "unread" when the VM gave nothing. */
static const char *sys_type(const struct attempt *a, int c)
{
	char *v = sys_field(a, c, "type");
	const char *t = !v ? "unread" : !strcmp(v, "dir") ? "dir" : !strcmp(v, "link") ? "link"
											  : "none";

	free(v);
	return t;
}

/* A shared cache's sysfs name (":0000064", ":A-0000128"), safe in a script. */
static int safe_target(const char *t)
{
	return t && *t && strspn(t, ":-_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789") == strlen(t);
}

/*
 * After unload: a cache of its own must be gone from /sys/kernel/slab.
 * An alias's symlink stays there after kmem_cache_destroy() on this
 * kernel, so for those read the shared cache's aliases count instead.
 */
static int slab_observe(struct attempt *a, struct vm *vm)
{
	struct slab_priv *p = a->priv;
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "cd /sys/kernel/slab || exit 1\n");
	for (int c = 0; c < NR_C; c++) {
		const char *type = sys_type(a, c);
		char *t = sys_field(a, c, "target");

		if (!strcmp(type, "dir"))
			strbuf_addf(&sb, "[ -e %s ] && echo after.left=%s\n", p->names[c],
				    p->names[c]);
		else if (!strcmp(type, "link") && safe_target(t))
			strbuf_addf(&sb, "echo \"after.%s.aliases=$(cat %s/aliases)\"\n", c_key[c],
				    t);
		free(t);
	}
	strbuf_addstr(&sb, "true\n");
	attempt_read(a, vm, "sysfs", sb.buf, 10000, 64 << 10, 0, NULL);
	strbuf_release(&sb);
	return 0;
}

static void read_report(const struct ktap_doc *d, struct slab_report *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < d->nresults; i++) {
		const struct ktap_result *t = &d->results[i];

		for (int c = 0; c < NR_C; c++) {
			if (!t->ok || strcmp(t->name, c_test[c]))
				continue;
			r->have[c] = ktap_kv_ulong(t->comment, "object_size", &r->object_size[c]) == 1 &&
				     ktap_kv_ulong(t->comment, "ksize", &r->ksize[c]) == 1;
			ktap_kv_ulong(t->comment, "objects", &r->objects[c]);
			if (c == C_CTOR)
				r->have_ctor_calls =
					ktap_kv_ulong(t->comment, "ctor_calls", &r->ctor_calls) == 1;
		}
	}
	/* "# plain_cache object: slab vmap_area start ... pointer offset 0" */
	for (int i = 0; i < d->ndiag; i++)
		for (int c = 0; c < NR_C; c++) {
			size_t n = strlen(c_test[c]);
			const char *s = d->diag[i];

			if (strncmp(s, c_test[c], n) || strncmp(s + n, " object: slab ", 14))
				continue;
			s += n + 14;
			n = strcspn(s, " ");
			if (n >= sizeof(r->from[c]))
				n = sizeof(r->from[c]) - 1;
			memcpy(r->from[c], s, n);
			r->from[c][n] = '\0';
		}
}

/* "ctor_cache 60, plain_cache 64, ..." from one number per cache. */
static void add_values(struct strbuf *sb, const int *have, const unsigned long long *v)
{
	for (int c = 0; c < NR_C; c++) {
		strbuf_addf(sb, "%s%s ", c ? ", " : "", c_test[c]);
		if (have[c])
			strbuf_addf(sb, "%llu", v[c]);
		else
			strbuf_addch(sb, '?');
	}
}

static void grade_sizes(struct attempt *a, const struct slab_report *me,
			const struct slab_report *tr)
{
	const struct slab_priv *p = a->priv;
	unsigned long long want[NR_C];
	int have[NR_C], ok = 1;

	/* object_size: kmem_cache_size() against sysfs, through the alias link. */
	for (int c = 0; c < NR_C; c++) {
		long long v = sys_num(a, c, "object_size");

		have[c] = v >= 0;
		want[c] = v >= 0 ? (unsigned long long)v : 0;
		if (!have[c] || !me->have[c] || me->object_size[c] != want[c])
			ok = 0;
	}
	add_values(&a->exp, have, want);
	strbuf_addstr(&a->exp, " (/sys/kernel/slab/<name>/object_size)");
	add_values(&a->obs, me->have, me->object_size);
	if (!me->have[C_CTOR] && !me->have[C_PLAIN] && !me->have[C_DEBUG])
		strbuf_addstr(&a->hint, "TODO 2 creates the caches and TODO 3 allocates from them; "
				     "until then every line is 'not ok'");
	else
		strbuf_addf(&a->hint, "TODO 4: object_size = kmem_cache_size(caches[c]). It is not "
				   "always the %u you asked for: a merged cache reports the "
				   "object size of the cache it shares",
			    p->size);
	attempt_add_text(a, "object_size", ok, NULL);

	/* ksize: against the probe's ksize() on identical caches. */
	ok = 1;
	for (int c = 0; c < NR_C; c++)
		if (!tr->have[c] || !me->have[c] || me->ksize[c] != tr->ksize[c])
			ok = 0;
	add_values(&a->exp, tr->have, tr->ksize);
	strbuf_addstr(&a->exp, " (the probe's ksize() on identical caches)");
	add_values(&a->obs, me->have, me->ksize);
	strbuf_addstr(&a->hint, "TODO 4: real = ksize(objs[c][0]), the room the allocator gave "
			     "the object");
	for (int c = 0, first = 1; c < NR_C; c++) {
		long long os = sys_num(a, c, "object_size"), ss = sys_num(a, c, "slab_size");

		if (os < 0 || ss < 0)
			continue;
		strbuf_addf(&a->hint, "%s %s %lld/%lld", first ? "; compare /sys/kernel/slab's "
							       "object_size/slab_size:" : ",",
			    c_test[c], os, ss);
		first = 0;
	}
	attempt_add_text(a, "ksize", ok, NULL);

}

static void grade_ctor(struct attempt *a, const struct slab_report *me)
{
	const struct slab_priv *p = a->priv;
	long long total = sys_num(a, C_CTOR, "total_objects");
	long long slabs = sys_num(a, C_CTOR, "slabs"), per = sys_num(a, C_CTOR, "objs_per_slab");
	char *ctor = sys_field(a, C_CTOR, "ctor");
	int own = !strcmp(sys_type(a, C_CTOR), "dir");
	int set = own && ctor && strstr(ctor, "[slabcache_ex]");

	if (own)
		strbuf_addf(&a->exp, "ctor_calls=%lld (/sys/kernel/slab/%s: total_objects %lld = %lld "
				    "slabs x %lld objs_per_slab; ctor names your function)",
			    total, p->names[C_CTOR], total, slabs, per);
	else
		strbuf_addf(&a->exp, "/sys/kernel/slab/%s is a cache of its own (a directory) whose "
				    "ctor file names your function, and ctor_calls equals its "
				    "total_objects",
			    p->names[C_CTOR]);
	if (me->have_ctor_calls)
		strbuf_addf(&a->obs, "ctor_calls=%llu; ", me->ctor_calls);
	else
		strbuf_addstr(&a->obs, "no ctor_calls= in the ctor_cache line; ");
	strbuf_addf(&a->obs, "ctor file: %s", ctor && *ctor ? ctor : "(empty)");
	if (!set)
		strbuf_addf(&a->hint, "TODO 2: pass slabcache_ex_ctor as kmem_cache_create()'s last "
				     "argument for %s",
			    p->names[C_CTOR]);
	else if (me->have_ctor_calls && me->ctor_calls == p->count)
		strbuf_addf(&a->hint, "the constructor does not run once per kmem_cache_alloc(): "
				     "SLUB calls it for every object of a slab when it makes the "
				     "slab, so %lld slabs of %lld objects mean %lld calls",
			    slabs, per, total);
	else if (me->have_ctor_calls && !me->ctor_calls)
		strbuf_addstr(&a->hint, "TODO 1: count each call in the constructor with "
				       "atomic_inc(&ctor_calls)");
	else
		strbuf_addf(&a->hint, "count every constructor call, and only those: SLUB made %lld "
				     "objects for this cache, each constructed once",
			    total);
	attempt_add_text(a, "ctor_calls", set && me->have_ctor_calls && total >= 0 &&
						  me->ctor_calls == (unsigned long long)total,
			 NULL);
	free(ctor);
}

static void grade_objects(struct attempt *a, const struct slab_report *me)
{
	const struct slab_priv *p = a->priv;
	int ok = 1;

	/*
	 * Only a debug cache counts its objects exactly in sysfs (no per-CPU
	 * fast path); the others count whole slabs, so "at least count".
	 */
	strbuf_addf(&a->exp, "objects=%u from each cache, held until unload "
			  "(/sys/kernel/slab: debug cache objects %u, the others at least %u)",
		    p->count, p->count, p->count);
	for (int c = 0; c < NR_C; c++) {
		long long in_sys = sys_num(a, c, "objects");
		int exact = c == C_DEBUG && !strcmp(sys_type(a, c), "dir");

		strbuf_addf(&a->obs, "%s%s ", c ? ", " : "", c_test[c]);
		if (me->have[c])
			strbuf_addf(&a->obs, "%llu", me->objects[c]);
		else
			strbuf_addch(&a->obs, '?');
		if (in_sys >= 0)
			strbuf_addf(&a->obs, " (/sys %lld)", in_sys);
		else
			strbuf_addstr(&a->obs, " (not in /sys)");
		if (!me->have[c] || me->objects[c] != p->count || in_sys < (long long)p->count ||
		    (exact && in_sys != (long long)p->count))
			ok = 0;
	}
	attempt_add_text(a, "objects", ok,
			 "TODO 3: allocate count objects from each cache with kmem_cache_alloc() and "
			 "keep every pointer in objs[c][] until the module is unloaded");
}

static void grade_merged(struct attempt *a, const struct slab_report *me)
{
	const struct slab_priv *p = a->priv;
	char *target = sys_field(a, C_PLAIN, "target"), *names = sys_field(a, C_PLAIN, "names");
	long long aliases = sys_num(a, C_PLAIN, "aliases");
	const char *tc = sys_type(a, C_CTOR), *tp = sys_type(a, C_PLAIN), *td = sys_type(a, C_DEBUG);
	char *cmdline = sys_get(attempt_reading(a, "sysfs"), "cmdline");
	/* Booted with slub_nomerge (an instructor's choice): nothing merges. */
	int nomerge = cmdline && (strstr(cmdline, "slub_nomerge") || strstr(cmdline, "slab_nomerge"));
	const char *hint;
	int from_ok = 0, plain_ok;

	/* kmem_dump_obj() names the merged cache: one of the target's names. */
	if (me->from[C_PLAIN][0] && names && target) {
		size_t n = strlen(me->from[C_PLAIN]);

		from_ok = !strcmp(me->from[C_PLAIN], target);
		for (const char *s = names; *s && !from_ok;) {
			size_t len = strcspn(s, ",");

			from_ok = len == n && !strncmp(s, me->from[C_PLAIN], n);
			s += len;
			if (*s == ',')
				s++;
		}
	}
	if (nomerge) {
		from_ok = !strcmp(me->from[C_PLAIN], p->names[C_PLAIN]);
		plain_ok = !strcmp(tp, "dir");
		strbuf_addf(&a->exp, "all three caches of their own (the kernel was booted with "
				  "slub_nomerge), and kmem_dump_obj() of the plain object names %s",
			    p->names[C_PLAIN]);
	} else {
		plain_ok = !strcmp(tp, "link");
		strbuf_addf(&a->exp, "%s and %s are caches of their own (directories); %s is an "
				  "alias, a symlink to a shared cache",
			    p->names[C_CTOR], p->names[C_DEBUG], p->names[C_PLAIN]);
	}
	if (target && !nomerge) {
		strbuf_addf(&a->exp, " (here %s, aliases %lld, names", target, aliases);
		for (const char *s = names ? names : ""; *s;) {
			size_t len = strcspn(s, ",");

			/* The probe's own alias outlives it in sysfs: not worth showing. */
			if (len && strncmp(s, "kmemlab_probe_", 14))
				strbuf_addf(&a->exp, " %.*s", (int)len, s);
			s += len;
			if (*s == ',')
				s++;
		}
		strbuf_addstr(&a->exp, "), and kmem_dump_obj() of its object names one of those");
	}
	strbuf_addf(&a->obs, "%s: %s; %s: %s%s%s; %s: %s; plain object from '%s'", p->names[C_CTOR],
		    tc, p->names[C_PLAIN], tp, target ? " to " : "", target ? target : "",
		    p->names[C_DEBUG], td,
		    me->from[C_PLAIN][0] ? me->from[C_PLAIN] : "(no '# plain_cache object: slab' line)");
	if (!strcmp(tc, "none") && !strcmp(tp, "none") && !strcmp(td, "none"))
		hint = "TODO 2: create the three caches with kmem_cache_create(); none of them "
		       "is in /sys/kernel/slab while your module is loaded";
	else if (strcmp(tc, "dir"))
		hint = "give the first cache its constructor (TODO 2): a cache with a constructor "
		       "is never merged, because a shared cache could not run it";
	else if (strcmp(td, "dir"))
		hint = "create the debug cache with SLAB_POISON | SLAB_RED_ZONE (TODO 2): debug "
		       "flags change the object layout, so SLUB never merges such a cache";
	else if (!plain_ok && nomerge)
		hint = "create the plain cache with kmem_cache_create() like the others";
	else if (!plain_ok)
		hint = "create the plain cache with flags 0 and no constructor: then SLUB merges "
		       "it into an existing cache of the same size";
	else
		hint = "keep the '# plain_cache object:' line and its kmem_dump_obj() call: it "
		       "names the cache the object really came from";
	attempt_add_text(a, "merged",
			 !strcmp(tc, "dir") && !strcmp(td, "dir") && plain_ok && from_ok, hint);
	free(target);
	free(names);
	free(cmdline);
}

static void grade_destroyed(struct attempt *a)
{
	const struct slab_priv *p = a->priv;
	const char *extra = attempt_reading(a, "sysfs");
	int ok = 1;

	strbuf_addstr(&a->exp, "after rmmod:");
	for (int c = 0; c < NR_C; c++) {
		const char *type = sys_type(a, c);
		char key[64], *left, *t, *after;
		long long before, now, links = 0;

		if (!strcmp(type, "dir")) {
			snprintf(key, sizeof(key), "after.left=%s\n", p->names[c]);
			left = strstr(extra, key);
			strbuf_addf(&a->exp, " %s gone;", p->names[c]);
			strbuf_addf(&a->obs, "%s%s %s", a->obs.len ? "; " : "", p->names[c],
				    left ? "still there" : "gone");
			ok &= !left;
			continue;
		}
		t = sys_field(a, c, "target");
		if (!strcmp(type, "link") && t) {
			/* Every one of the learner's aliases of t gives one back. */
			for (int d = 0; d < NR_C; d++) {
				char *u = sys_field(a, d, "target");

				links += u && !strcmp(u, t);
				free(u);
			}
			before = sys_num(a, c, "aliases");
			snprintf(key, sizeof(key), "after.%s.aliases", c_key[c]);
			after = sys_get(extra, key);
			now = after && *after ? strtoll(after, NULL, 10) : -1;
			strbuf_addf(&a->exp, " %s's aliases down from %lld to %lld;", t, before,
				    before - links);
			strbuf_addf(&a->obs, "%s%s's aliases %lld", a->obs.len ? "; " : "", t, now);
			ok &= now == before - links;
			free(after);
		}
		free(t);
	}
	if (!a->obs.len)
		strbuf_addstr(&a->obs, "none of your caches was there to begin with");
	if (a->exp.buf[a->exp.len - 1] == ';')
		a->exp.buf[--a->exp.len] = '\0';
	attempt_add_text(a, "destroyed", ok,
			 "TODO 5: in exit, kmem_cache_free() every object, then kmem_cache_destroy() "
			 "each cache; a cache left behind outlives your module");
}

static void slab_grade(struct attempt *a)
{
	struct slab_report me, tr;

	read_report(&a->report, &me);
	read_report(&a->truth_report, &tr);

	attempt_check_ktap(a, NR_C, "cache");
	grade_sizes(a, &me, &tr);
	grade_ctor(a, &me);
	grade_objects(a, &me);
	grade_merged(a, &me);
	grade_destroyed(a);
}

const struct checker checker_slabcache = {
	.name = "slabcache",
	.checks = slab_checks,
	.prepare = slab_prepare,
	.while_loaded = slab_while_loaded,
	.observe = slab_observe,
	.grade = slab_grade,
};
