/*
 * The KTAP reader (grader/ktap.h) and the kernel log helpers it is fed
 * by (labvm/modrun.h: kmsg_format, crash_scan), on inline documents and
 * on the kernel logs in tests/unit/fixtures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ktap.h"
#include "lab.h"
#include "modrun.h"
#include "unit.h"

/* ---- ktap_parse ---- */

static void test_plain_doc(void **state)
{
	struct ktap_doc d;

	(void)state;
	ktap_parse("KTAP version 1\n"
		   "1..3\n"
		   "ok 1 first\n"
		   "not ok 2 second\n"
		   "ok 3 third\n",
		   &d);
	assert_int_equal(d.version, 1);
	assert_int_equal(d.plan, 3);
	assert_int_equal(d.nresults, 3);
	assert_int_equal(d.missing, 0);
	assert_int_equal(d.bail_out, 0);
	assert_int_equal(d.ndiag, 0);
	assert_int_equal(d.results[0].number, 1);
	assert_int_equal(d.results[0].ok, 1);
	assert_string_equal(d.results[0].name, "first");
	assert_string_equal(d.results[0].comment, "");
	assert_int_equal(d.results[1].number, 2);
	assert_int_equal(d.results[1].ok, 0);
	assert_string_equal(d.results[1].name, "second");
	assert_int_equal(d.results[2].number, 3);
	assert_int_equal(d.results[2].ok, 1);
	assert_string_equal(d.results[2].name, "third");
	ktap_doc_release(&d);
}

static void test_interleaved_kernel_lines(void **state)
{
	struct ktap_doc d;

	(void)state;
	ktap_parse("KTAP version 1\n"
		   "virtio_net virtio1 eth0: link up\n"
		   "1..2\n"
		   "random: crng init done\n"
		   "ok 1 size_24 # requested=24 ksize=32\n"
		   "kmemlab_probe: loading out-of-tree module taints kernel.\n"
		   "this is not ok 7 a result\n"
		   "ok 2 size_160 # requested=160 ksize=192\n"
		   "audit: type=1400 audit(1700000000.123:2): apparmor=\"STATUS\"\n",
		   &d);
	assert_int_equal(d.version, 1);
	assert_int_equal(d.plan, 2);
	assert_int_equal(d.nresults, 2);
	assert_int_equal(d.missing, 0);
	assert_int_equal(d.ndiag, 0);
	assert_string_equal(d.results[0].name, "size_24");
	assert_string_equal(d.results[1].name, "size_160");
	ktap_doc_release(&d);
}

static void test_lines_before_header_ignored(void **state)
{
	struct ktap_doc d;

	(void)state;
	ktap_parse("1..9\n"
		   "ok 1 stale_result\n"
		   "# stale diagnostic\n"
		   "Bail out! not yet\n"
		   "KTAP version 1\n"
		   "1..1\n"
		   "ok 1 fresh\n",
		   &d);
	assert_int_equal(d.version, 1);
	assert_int_equal(d.plan, 1);
	assert_int_equal(d.nresults, 1);
	assert_string_equal(d.results[0].name, "fresh");
	assert_int_equal(d.ndiag, 0);
	assert_int_equal(d.bail_out, 0);
	assert_int_equal(d.missing, 0);
	ktap_doc_release(&d);
}

static void test_diagnostics_collected(void **state)
{
	struct ktap_doc d;

	(void)state;
	ktap_parse("KTAP version 1\n"
		   "# ksize_ex nonce=3f9c1a7d\n"
		   "1..1\n"
		   "#   indented after the hash\n"
		   "ok 1 only\n"
		   "# done\n",
		   &d);
	assert_int_equal(d.ndiag, 3);
	assert_string_equal(d.diag[0], "ksize_ex nonce=3f9c1a7d");
	assert_string_equal(d.diag[1], "indented after the hash");
	assert_string_equal(d.diag[2], "done");
	assert_int_equal(d.nresults, 1);
	ktap_doc_release(&d);
}

static void test_result_comments(void **state)
{
	struct ktap_doc d;

	(void)state;
	ktap_parse("KTAP version 1\n"
		   "1..3\n"
		   "ok 1 size_160 # requested=160 ksize=192\n"
		   "not ok 2 size_0 # SKIP kmalloc(0) has no object\n"
		   "ok 3 size_8 #requested=8 ksize=8   \n",
		   &d);
	assert_int_equal(d.nresults, 3);
	assert_string_equal(d.results[0].name, "size_160");
	assert_string_equal(d.results[0].comment, "requested=160 ksize=192");
	assert_int_equal(d.results[1].ok, 0);
	assert_string_equal(d.results[1].name, "size_0");
	assert_string_equal(d.results[1].comment, "SKIP kmalloc(0) has no object");
	/* Trailing blanks belong to neither the name nor the comment. */
	assert_string_equal(d.results[2].name, "size_8");
	assert_string_equal(d.results[2].comment, "requested=8 ksize=8");
	ktap_doc_release(&d);
}

static void test_missing_results_count_as_crashed(void **state)
{
	struct ktap_doc d;

	(void)state;
	ktap_parse("KTAP version 1\n"
		   "1..3\n"
		   "ok 1 a\n"
		   "ok 2 b\n"
		   "BUG: kernel NULL pointer dereference, address: 0000000000000000\n",
		   &d);
	assert_int_equal(d.plan, 3);
	assert_int_equal(d.nresults, 2);
	assert_int_equal(d.missing, 1);
	ktap_doc_release(&d);

	/* A plan and no result at all: everything crashed. */
	ktap_parse("KTAP version 1\n1..4\n", &d);
	assert_int_equal(d.nresults, 0);
	assert_int_equal(d.missing, 4);
	ktap_doc_release(&d);

	/* No plan: nothing can be missing. */
	ktap_parse("KTAP version 1\nok 1 a\n", &d);
	assert_int_equal(d.plan, -1);
	assert_int_equal(d.nresults, 1);
	assert_int_equal(d.missing, 0);
	ktap_doc_release(&d);
}

static void test_tap14_accepted(void **state)
{
	struct ktap_doc d;

	(void)state;
	ktap_parse("TAP version 14\n"
		   "1..2\n"
		   "ok 1 - first\n"
		   "not ok 2 - second # TODO not written\n",
		   &d);
	assert_int_equal(d.version, 14);
	assert_int_equal(d.plan, 2);
	assert_int_equal(d.nresults, 2);
	/* The optional " - " before the name is not part of it. */
	assert_string_equal(d.results[0].name, "first");
	assert_int_equal(d.results[1].ok, 0);
	assert_string_equal(d.results[1].name, "second");
	assert_string_equal(d.results[1].comment, "TODO not written");
	ktap_doc_release(&d);
}

static void test_no_header(void **state)
{
	struct ktap_doc d;

	(void)state;
	ktap_parse("1..2\n"
		   "ok 1 a\n"
		   "not ok 2 b\n"
		   "# diag\n",
		   &d);
	assert_int_equal(d.version, 0);
	assert_int_equal(d.nresults, 0);
	assert_int_equal(d.ndiag, 0);
	assert_int_equal(d.plan, -1);
	assert_int_equal(d.missing, 0);
	ktap_doc_release(&d);

	ktap_parse("", &d);
	assert_int_equal(d.version, 0);
	assert_int_equal(d.nresults, 0);
	assert_int_equal(d.plan, -1);
	ktap_doc_release(&d);
}

static void test_bail_out(void **state)
{
	struct ktap_doc d;

	(void)state;
	ktap_parse("KTAP version 1\n"
		   "1..3\n"
		   "ok 1 a\n"
		   "Bail out! cannot allocate the test buffers\n",
		   &d);
	assert_int_equal(d.bail_out, 1);
	assert_int_equal(d.nresults, 1);
	assert_int_equal(d.missing, 2);
	ktap_doc_release(&d);
}

static void test_subtests_are_not_top_level(void **state)
{
	struct ktap_doc d;

	(void)state;
	ktap_parse("KTAP version 1\n"
		   "1..1\n"
		   "    KTAP version 1\n"
		   "    # Subtest: inner\n"
		   "    1..2\n"
		   "    ok 1 inner_a\n"
		   "    not ok 2 inner_b\n"
		   "not ok 1 inner\n",
		   &d);
	assert_int_equal(d.plan, 1);
	assert_int_equal(d.nresults, 1);
	assert_string_equal(d.results[0].name, "inner");
	assert_int_equal(d.results[0].ok, 0);
	assert_int_equal(d.missing, 0);
	ktap_doc_release(&d);
}

/* ---- ktap_kv, ktap_kv_ulong ---- */

/*
 * Numbers an int cannot hold (found by fuzz_ktap): a result numbered
 * 4294967297 used to wrap to result 1, and a plan of 2^32 + 2 to a plan of
 * 2.  They are not results or plans at all.
 */
static void test_numbers_too_large(void **state)
{
	struct ktap_doc d;

	(void)state;
	ktap_parse("KTAP version 1\n"
		   "1..4294967298\n"
		   "1..2\n"
		   "ok 4294967297 forged\n"
		   "not ok 99999999999999999999999 forged too\n"
		   "ok 2147483647 largest\n"
		   "ok 2147483648 one more\n"
		   "ok 1 real\n",
		   &d);
	assert_int_equal(d.version, 1);
	assert_int_equal(d.plan, 2);	/* the first plan that is a number */
	assert_int_equal(d.nresults, 2);
	assert_int_equal(d.results[0].number, 2147483647);
	assert_string_equal(d.results[0].name, "largest");
	assert_int_equal(d.results[1].number, 1);
	assert_string_equal(d.results[1].name, "real");
	assert_int_equal(d.missing, 0);
	ktap_doc_release(&d);

	/* A version too large for an int is not a header line. */
	ktap_parse("KTAP version 4294967296\nok 1 x\n", &d);
	assert_int_equal(d.version, 0);
	assert_int_equal(d.nresults, 0);
	ktap_doc_release(&d);
	ktap_parse("KTAP version  1\nok 1 x\n", &d);
	assert_int_equal(d.version, 1);
	assert_int_equal(d.nresults, 1);
	ktap_doc_release(&d);
}

static void test_kv(void **state)
{
	const char *c = "requested=160 ksize=192 wasted=32 waste_pct=16";
	char out[32];

	(void)state;
	assert_int_equal(ktap_kv(c, "requested", out, sizeof(out)), 1);
	assert_string_equal(out, "160");
	assert_int_equal(ktap_kv(c, "ksize", out, sizeof(out)), 1);
	assert_string_equal(out, "192");
	assert_int_equal(ktap_kv(c, "waste_pct", out, sizeof(out)), 1);
	assert_string_equal(out, "16");
	assert_int_equal(ktap_kv(c, "size", out, sizeof(out)), 0);
	assert_int_equal(ktap_kv(c, "nonce", out, sizeof(out)), 0);
	assert_int_equal(ktap_kv("mode=ksize\tnonce=ab12", "nonce", out, sizeof(out)), 1);
	assert_string_equal(out, "ab12");
	assert_int_equal(ktap_kv("mode=ksize\tnonce=ab12", "mode", out, sizeof(out)), 1);
	assert_string_equal(out, "ksize");
}

static void test_kv_suffix_keys(void **state)
{
	char out[32];

	(void)state;
	/* "pct" is the end of "waste_pct": only the real key counts. */
	assert_int_equal(ktap_kv("waste_pct=16 pct=7", "pct", out, sizeof(out)), 1);
	assert_string_equal(out, "7");
	assert_int_equal(ktap_kv("waste_pct=16", "pct", out, sizeof(out)), 0);
	assert_int_equal(ktap_kv("xksize=1 ksize=192", "ksize", out, sizeof(out)), 1);
	assert_string_equal(out, "192");
	assert_int_equal(ktap_kv("xksize=1", "ksize", out, sizeof(out)), 0);
	/* A key as a value, or a longer key that starts with it. */
	assert_int_equal(ktap_kv("mode=ksize ksize_max=9 ksize=64", "ksize", out, sizeof(out)), 1);
	assert_string_equal(out, "64");
}

static void test_kv_ulong(void **state)
{
	unsigned long long v = 12345;

	(void)state;
	assert_int_equal(ktap_kv_ulong("requested=160 ksize=192", "ksize", &v), 1);
	assert_int_equal(v, 192);
	assert_int_equal(ktap_kv_ulong("waste_pct=16 pct=7", "pct", &v), 1);
	assert_int_equal(v, 7);
	assert_int_equal(ktap_kv_ulong("xksize=5 ksize=0", "ksize", &v), 1);
	assert_int_equal(v, 0);
	assert_int_equal(ktap_kv_ulong("ksize=18446744073709551615", "ksize", &v), 1);
	assert_true(v == 18446744073709551615ull);

	assert_int_equal(ktap_kv_ulong("ksize=abc", "ksize", &v), -1);
	assert_int_equal(ktap_kv_ulong("ksize=12abc", "ksize", &v), -1);
	assert_int_equal(ktap_kv_ulong("ksize=-5", "ksize", &v), -1);
	assert_int_equal(ktap_kv_ulong("ksize= 5", "ksize", &v), -1);
	assert_int_equal(ktap_kv_ulong("ksize=99999999999999999999999", "ksize", &v), -1);

	v = 4242;
	assert_int_equal(ktap_kv_ulong("requested=160", "ksize", &v), 0);
	assert_int_equal(ktap_kv_ulong("xksize=5", "ksize", &v), 0);
	assert_int_equal(ktap_kv_ulong("", "ksize", &v), 0);
	assert_int_equal(v, 4242);
}

/* ---- kmsg_format ---- */

static void test_kmsg_format_records(void **state)
{
	struct strbuf log = STRBUF_INIT, text = STRBUF_INIT;

	(void)state;
	kmsg_format("6,1234,5678901,-;hello: loaded\n"
		    "6,1235,5678950,-;virtio_net virtio1 eth0: link up\n"
		    " SUBSYSTEM=virtio\n"
		    " DEVICE=+virtio:virtio1\n"
		    /* A dictionary value may hold a ';' of its own. */
		    " MODALIAS=virtio:d00000001v00001AF4;x\n"
		    "4,1236,123456789012,-,caller=T79;a;b; c\n"
		    "6,1237,7,c; starts with a space\n"
		    "6,1238,8000000,-;no newline at the end",
		    &log, &text);
	assert_string_equal(strbuf_str(&log),
			    "[    5.678901] hello: loaded\n"
			    "[    5.678950] virtio_net virtio1 eth0: link up\n"
			    "[123456.789012] a;b; c\n"
			    "[    0.000007]  starts with a space\n"
			    "[    8.000000] no newline at the end\n");
	assert_string_equal(strbuf_str(&text),
			    "hello: loaded\n"
			    "virtio_net virtio1 eth0: link up\n"
			    "a;b; c\n"
			    " starts with a space\n"
			    "no newline at the end\n");
	strbuf_release(&log);
	strbuf_release(&text);

	kmsg_format("", &log, &text);
	assert_int_equal(log.len, 0);
	assert_int_equal(text.len, 0);
	strbuf_release(&log);
	strbuf_release(&text);
}

static void test_kmsg_fixture_ktap(void **state)
{
	char *raw = unit_fixture("kmsg-ksize.raw");
	struct strbuf log = STRBUF_INIT, text = STRBUF_INIT;
	struct ktap_doc d;
	unsigned long long v = 0;
	char nonce[32];

	(void)state;
	kmsg_format(raw, &log, &text);
	assert_null(strstr(strbuf_str(&text), "SUBSYSTEM="));
	assert_null(strstr(strbuf_str(&text), "DEVICE="));
	assert_null(strstr(strbuf_str(&text), "caller="));
	assert_non_null(strstr(strbuf_str(&log), "[    4.705518] KTAP version 1\n"));
	assert_non_null(strstr(strbuf_str(&text), "\nvirtio_net virtio1 eth0: link up\nok 3 "));

	ktap_parse(strbuf_str(&text), &d);
	assert_int_equal(d.version, 1);
	assert_int_equal(d.plan, 4);
	assert_int_equal(d.nresults, 4);
	assert_int_equal(d.missing, 0);
	assert_int_equal(d.ndiag, 1);
	assert_int_equal(ktap_kv(d.diag[0], "nonce", nonce, sizeof(nonce)), 1);
	assert_string_equal(nonce, "3f9c1a7d02b4e6f8");
	assert_string_equal(d.results[1].name, "size_160");
	assert_string_equal(d.results[1].comment,
			    "requested=160 ksize=192 wasted=32 waste_pct=16");
	assert_int_equal(ktap_kv_ulong(d.results[3].comment, "ksize", &v), 1);
	assert_int_equal(v, 8192);
	assert_int_equal(ktap_kv_ulong(d.results[3].comment, "waste_pct", &v), 1);
	assert_int_equal(v, 49);
	ktap_doc_release(&d);

	/* The log was clean. */
	{
		char *line = (char *)"unset";
		int warned = 0;

		assert_int_equal(crash_scan(strbuf_str(&text), &line, &warned), MODRUN_OK);
		assert_null(line);
		assert_int_equal(warned, 0);
	}
	strbuf_release(&log);
	strbuf_release(&text);
	free(raw);
}

/* ---- crash_scan ---- */

static void test_crash_oops(void **state)
{
	char *raw = unit_fixture("kmsg-oops.raw");
	struct strbuf log = STRBUF_INIT, text = STRBUF_INIT;
	char *line = NULL;
	int warned = 0;

	(void)state;
	kmsg_format(raw, &log, &text);
	assert_non_null(strstr(strbuf_str(&log), "[    5.118455] BUG: kernel NULL pointer"));
	strbuf_release(&log);
	assert_int_equal(crash_scan(strbuf_str(&text), &line, &warned), MODRUN_OOPS);
	assert_non_null(line);
	assert_string_equal(line, "BUG: kernel NULL pointer dereference, address: "
				  "0000000000000000");
	assert_int_equal(warned, 0);
	free(line);
	strbuf_release(&text);
	free(raw);

	/* An oops reported only by its "Oops:" line is still an oops. */
	assert_int_equal(crash_scan("[    1.000000] hello\n"
				    "[    1.000100] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
				    "[    1.000200] CPU: 0 PID: 79 Comm: init\n",
				    &line, &warned),
			 MODRUN_OOPS);
	assert_non_null(line);
	assert_non_null(strstr(line, "Oops: 0000 [#1] PREEMPT SMP NOPTI"));
	assert_null(strstr(line, "CPU:"));
	free(line);

	assert_int_equal(crash_scan("general protection fault, probably for non-canonical "
				    "address 0xdead000000000100: 0000 [#1] PREEMPT SMP NOPTI\n",
				    &line, &warned),
			 MODRUN_OOPS);
	free(line);
	assert_int_equal(crash_scan("kernel BUG at mm/slub.c:435!\n", &line, &warned), MODRUN_OOPS);
	free(line);
}

static void test_crash_slub_debug(void **state)
{
	static const char report[] =
		"slaboverflow: loading out-of-tree module taints kernel.\n"
		"=============================================================================\n"
		"BUG kmalloc-64 (Tainted: G           OE     ): Right Redzone overwritten\n"
		"-----------------------------------------------------------------------------\n"
		"FIX kmalloc-64: Restoring Right Redzone 0xffff8a528306fd80-0xffff8a528306fd87=0xcc\n";
	char *line = NULL;
	int warned = 0;

	(void)state;
	assert_int_equal(crash_scan(report, &line, &warned), MODRUN_SLAB);
	assert_string_equal(line, "BUG kmalloc-64 (Tainted: G           OE     ): Right Redzone "
				  "overwritten");
	free(line);
	/* From the console, with time stamps. */
	assert_int_equal(crash_scan("[    2.244709] BUG kmalloc-128 (Not tainted): Object already "
				    "free\n", &line, &warned), MODRUN_SLAB);
	assert_string_equal(line, "BUG kmalloc-128 (Not tainted): Object already free");
	free(line);
	/* An oops's "BUG:" stays an oops; prose with "BUG " is nothing. */
	assert_int_equal(crash_scan("BUG: unable to handle page fault for address: 0\n", &line,
				    &warned), MODRUN_OOPS);
	free(line);
	assert_int_equal(crash_scan("mymod: BUG count is 3\nBUG fixed in v2\n", &line, &warned),
			 MODRUN_OK);
	free(line);
	assert_string_equal(modrun_verdict_name(MODRUN_SLAB), "slab corruption");
}

/* ---- module folders as kbuild_tree() reads them ---- */

static void put(const char *dir, const char *name, const char *text)
{
	char *p = path_join(dir, name);

	assert_int_equal(write_file_atomic(p, text, strlen(text), 0644), 0);
	free(p);
}

static void test_declared_and_reach(void **state)
{
	char tmpl[] = "/tmp/kmemlab-unit-XXXXXX", *dir = mkdtemp(tmpl);
	char **names;
	size_t n;

	(void)state;
	assert_non_null(dir);
	put(dir, "Makefile",
	    "obj-m += a.o\n"
	    "obj-m += b.o c.o \\\n"
	    "\td.o\n"
	    "# obj-m += commented.o\n"
	    "obj-m += a.o sub/ $(EXTRA).o\n"
	    "a-objs := a_main.o ../../lib.o\n"
	    "all:\n\t$(MAKE) -C $(KDIR) M=$(PWD) modules\n");
	put(dir, "a_main.c", "/* see ../../../../../../docs */\n#include \"../../lib.h\"\n"
			     "static const char *p = \"../../../../../x\";\n");
	assert_int_equal(kbuild_declared(dir, &names, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[1], "b");
	assert_string_equal(names[2], "c");
	assert_string_equal(names[3], "d");
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	/* Only the include and the Makefile count, not comments or strings. */
	assert_int_equal(kbuild_reach(dir), 2);
	/* A Kbuild file is what kbuild reads first. */
	put(dir, "Kbuild", "obj-m := only.o\n");
	assert_int_equal(kbuild_declared(dir, &names, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "only");
	free(names[0]);
	free(names);
	remove_tree(dir);
}

static void test_crash_panic(void **state)
{
	char *console = unit_fixture("console-panic.txt");
	char *line = NULL;
	int warned = 0;

	(void)state;
	assert_int_equal(crash_scan(console, &line, &warned), MODRUN_PANIC);
	assert_non_null(line);
	assert_non_null(strstr(line, "Kernel panic - not syncing: kmemlab test panic"));
	/* The first panic line, not the "---[ end Kernel panic" trailer. */
	assert_null(strstr(line, "]---"));
	assert_null(strchr(line, '\r'));
	assert_null(strchr(line, '\n'));
	assert_int_equal(warned, 0);
	free(line);
	free(console);
}

static void test_crash_panic_outranks_oops(void **state)
{
	char *console = unit_fixture("console-oops-panic.txt");
	char *line = NULL;
	int warned = 0;

	(void)state;
	assert_int_equal(crash_scan(console, &line, &warned), MODRUN_PANIC);
	assert_non_null(line);
	assert_non_null(strstr(line, "Kernel panic - not syncing: Fatal exception"));
	assert_null(strstr(line, "]---"));
	assert_null(strchr(line, '\r'));
	assert_int_equal(warned, 0);
	free(line);
	free(console);
}

static void test_crash_soft_lockup(void **state)
{
	char *console = unit_fixture("console-softlockup.txt");
	char *line = NULL;
	int warned = 0;

	(void)state;
	assert_int_equal(crash_scan(console, &line, &warned), MODRUN_LOCKUP);
	assert_non_null(line);
	assert_non_null(strstr(line, "BUG: soft lockup - CPU#0 stuck for 26s! [init:79]"));
	assert_null(strchr(line, '\r'));
	assert_int_equal(warned, 0);
	free(line);
	free(console);
}

static void test_crash_warning(void **state)
{
	char *raw = unit_fixture("kmsg-warning.raw");
	struct strbuf log = STRBUF_INIT, text = STRBUF_INIT;
	char *line = (char *)"unset";
	int warned = 0;

	(void)state;
	kmsg_format(raw, &log, &text);
	strbuf_release(&log);
	/* A WARNING is worth flagging, but the module ran on. */
	assert_int_equal(crash_scan(strbuf_str(&text), &line, &warned), MODRUN_OK);
	assert_null(line);
	assert_int_equal(warned, 1);
	strbuf_release(&text);
	free(raw);
}

static void test_crash_clean(void **state)
{
	char *line = (char *)"unset";
	int warned = 0;

	(void)state;
	assert_int_equal(crash_scan("hello: loaded\n"
				    "hello: count=3\n"
				    "hello: unloaded\n",
				    &line, &warned),
			 MODRUN_OK);
	assert_null(line);
	assert_int_equal(warned, 0);

	line = (char *)"unset";
	assert_int_equal(crash_scan("", &line, &warned), MODRUN_OK);
	assert_null(line);
	assert_int_equal(warned, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_doc),
		cmocka_unit_test(test_interleaved_kernel_lines),
		cmocka_unit_test(test_lines_before_header_ignored),
		cmocka_unit_test(test_diagnostics_collected),
		cmocka_unit_test(test_result_comments),
		cmocka_unit_test(test_missing_results_count_as_crashed),
		cmocka_unit_test(test_tap14_accepted),
		cmocka_unit_test(test_no_header),
		cmocka_unit_test(test_bail_out),
		cmocka_unit_test(test_subtests_are_not_top_level),
		cmocka_unit_test(test_numbers_too_large),
		cmocka_unit_test(test_kv),
		cmocka_unit_test(test_kv_suffix_keys),
		cmocka_unit_test(test_kv_ulong),
		cmocka_unit_test(test_kmsg_format_records),
		cmocka_unit_test(test_kmsg_fixture_ktap),
		cmocka_unit_test(test_crash_oops),
		cmocka_unit_test(test_crash_slub_debug),
		cmocka_unit_test(test_declared_and_reach),
		cmocka_unit_test(test_crash_panic),
		cmocka_unit_test(test_crash_panic_outranks_oops),
		cmocka_unit_test(test_crash_soft_lockup),
		cmocka_unit_test(test_crash_warning),
		cmocka_unit_test(test_crash_clean),
	};

	return cmocka_run_group_tests(tests, 0, NULL);
}
