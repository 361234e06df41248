# The fast rebuild: a module kbuild built once is rebuilt by replaying
# kbuild's recorded commands.  Each test builds a module fully, changes
# it, rebuilds it through the fast path, and compares the result with a
# full kbuild of the same sources (KMEMLAB_KBUILD_FAST=0, in a cache of
# its own so that the content-keyed cache does not answer instead).
# Every test has its own cache: which build makes the template matters.

# kf_setup: a private cache, and make on PATH through a shim that notes
# each top-level make (kbuild's) in $T_DIR/makes, then runs the real one.
# A fast build runs no make at all.
kf_setup() {
	export KMEMLAB_CACHE=$T_DIR/cache
	# The shim lives where the build sandbox shows nothing: these tests
	# build without it (every other test builds in it, fast path included).
	export KMEMLAB_SANDBOX=off
	local real
	real=$(command -v make) || { fail "no make on PATH"; return; }
	mkdir -p "$T_DIR/bin"
	cat > "$T_DIR/bin/make" <<EOF
#!/bin/sh
[ "\${MAKELEVEL:-}" = "${MAKELEVEL:-}" ] && echo "make \$*" >> "$T_DIR/makes"
exec "$real" "\$@"
EOF
	chmod +x "$T_DIR/bin/make"
	export PATH=$T_DIR/bin:$PATH:/usr/sbin:/sbin
	: > "$T_DIR/makes"
}

# kf_count: how many times kbuild's make ran for builds in the test's
# cache (not for the full builds to compare with, in caches of their own).
kf_count() {
	grep -c -- "M=$KMEMLAB_CACHE/" "$T_DIR/makes"
}

# kf_makes N: kbuild's make has run N times for the test's cache.
kf_makes() {
	local n
	n=$(kf_count)
	[ "$n" -eq "$1" ] || fail "make ran $n times, expected $1: $(tr '\n' ';' < "$T_DIR/makes")"
}

# kf_full CACHE ARGS...: kmemlab with the fast path off, in cache CACHE.
kf_full() {
	local cache=$1
	shift
	KMEMLAB_CACHE=$T_DIR/$cache KMEMLAB_KBUILD_FAST=0 km "$@"
}

# kf_ko CACHE NAME: the newest NAME.ko of that cache's build directories.
kf_ko() {
	ls -t "$1"/kbuild/*/"$2".ko 2> /dev/null | head -n 1
}

# kf_replayed KO: the .ko came from the fast path (and 1 if not).
kf_replayed() {
	[ -n "$1" ] && [ -f "$(dirname "$1")/kbuild-replayed" ]
}

# kf_facts WHAT KO: what modinfo, nm, readelf and modprobe see in it.
kf_facts() {
	case $1 in
	modinfo) modinfo "$2" | grep -v '^filename:' ;;
	symbols) nm "$2" ;;
	sections) readelf -SW "$2" | sed -n 's/^ *\[ *[0-9]*\] \([^ ]*\).*/\1/p' ;;
	versions) modprobe --dump-modversions "$2" ;;
	esac
}

# kf_same FAST-KO FULL-KO: equivalent for the kernel and for modinfo.
kf_same() {
	local what
	[ -f "$1" ] && [ -f "$2" ] || { fail "missing .ko to compare: '$1' '$2'"; return; }
	for what in modinfo symbols sections versions; do
		kf_facts $what "$1" > "$T_DIR/fast.$what"
		kf_facts $what "$2" > "$T_DIR/full.$what"
		[ -s "$T_DIR/fast.$what" ] || fail "no $what read from $1"
		cmp -s "$T_DIR/fast.$what" "$T_DIR/full.$what" ||
			fail "fast and full .ko differ in $what: $(diff "$T_DIR/fast.$what" \
				"$T_DIR/full.$what" | head -n 6 | tr '\n' ';')"
	done
}

test_kbuild_fast_edit() {
	kf_setup
	cp -r "$TOP/tests/modules/fastmod" mod
	km lab run mod
	expect_rc 0
	expect_out 'fastmod: first version, count=3$'
	kf_makes 1
	first=$(kf_ko "$KMEMLAB_CACHE" fastmod)
	! kf_replayed "$first" || fail "the first build was not a full kbuild"

	# The learner changes one line: rebuilt without make, and it loads.
	sed -i 's/first version/second version/' mod/fastmod.c
	km lab run mod --param count=5
	expect_rc 0
	expect_out 'fastmod: second version, count=5$'
	expect_out '^lab: fastmod: loaded and unloaded cleanly'
	kf_makes 1
	fast=$(kf_ko "$KMEMLAB_CACHE" fastmod)
	kf_replayed "$fast" || fail "the rebuild did not take the fast path: $fast"
	cp "$fast" fast.ko

	# The same sources through a full kbuild: the same module.
	kf_full cache-full lab run mod
	expect_rc 0
	expect_out 'fastmod: second version, count=3$'
	full=$(kf_ko "$T_DIR/cache-full" fastmod)
	! kf_replayed "$full" || fail "KMEMLAB_KBUILD_FAST=0 took the fast path"
	kf_same "$fast" "$full"
	grep -q '^srcversion:' "$T_DIR/fast.modinfo" || fail "no srcversion to compare"
	grep -q '^vermagic:' "$T_DIR/fast.modinfo" || fail "no vermagic to compare"
	! cmp -s "$first" "$fast" || fail "the rebuild made the first .ko again"

	# The fast .ko on its own, as a learner would hand it in.
	km lab run fast.ko
	expect_rc 0
	expect_out 'fastmod: second version, count=3$'

	# Unchanged sources still come from the content-keyed cache.
	km lab run mod
	expect_rc 0
	expect_out '^lab: fastmod: .*build [0-9.]+ s cached'
	kf_makes 1
}

test_kbuild_fast_new_symbol() {
	kf_setup
	cp "$TOP/tests/modules/fastmod/fastmod.c" fastmod.c
	km lab run fastmod.c
	expect_rc 0
	kf_makes 1
	first=$(kf_ko "$KMEMLAB_CACHE" fastmod)
	modprobe --dump-modversions "$first" | grep -q 'msleep$' &&
		fail "msleep already in the first build's __versions"

	# A call to a kernel function the module did not use: modpost must run
	# again to give it its CRC.
	sed -i -e 's|#include <linux/slab.h>|&\n#include <linux/delay.h>|' \
		-e 's|\tkfree(p);|&\n\tmsleep(1);|' fastmod.c
	grep -q 'msleep(1);' fastmod.c || fail "the test could not add msleep()"
	km lab run fastmod.c
	expect_rc 0
	expect_out 'fastmod: first version, count=3$'
	kf_makes 1
	fast=$(kf_ko "$KMEMLAB_CACHE" fastmod)
	kf_replayed "$fast" || fail "the rebuild did not take the fast path: $fast"
	modprobe --dump-modversions "$fast" | grep -Eq '^0x[0-9a-f]+[[:space:]]+msleep$' ||
		fail "msleep has no CRC in the fast .ko's __versions"

	kf_full cache-full lab run fastmod.c
	expect_rc 0
	kf_same "$fast" "$(kf_ko "$T_DIR/cache-full" fastmod)"
}

# kf_same_failure: the last two kmemlab runs printed the same (the fast
# one's stdout saved in fast.out).
kf_same_failure() {
	cmp -s fast.out "$OUT" ||
		fail "fast and full build logs differ: $(diff fast.out "$OUT" | head -n 8 | tr '\n' ';')"
}

test_kbuild_fast_errors() {
	kf_setup
	cp -r "$TOP/tests/modules/fastmod" mod
	km lab run mod
	expect_rc 0
	kf_makes 1

	# A compile error.  The first one for this kernel is built fully (make's
	# own lines of the log are learned from it); the log is kbuild's.
	sed -i 's|\tkfree(p);|\tkfree(p)|' mod/fastmod.c
	km lab run mod
	expect_rc 1
	expect_out "$T_DIR/mod/fastmod.c:[0-9]+:[0-9]+: error: expected .+;.+ before"
	expect_out '^lab: mod: build failed$'
	cp "$OUT" fast.out
	kf_full cache-full1 lab run mod
	expect_rc 1
	kf_same_failure

	# Another compile error: now from the replay alone, the same log.
	sed -i -e 's|\tkfree(p)$|\tkfree(p);|' -e 's|64 \* count|64 * cuont|' mod/fastmod.c
	n=$(kf_count)
	km lab run mod
	expect_rc 1
	expect_out "$T_DIR/mod/fastmod.c:[0-9]+:[0-9]+: error: .+cuont.+ undeclared"
	expect_out '^make(\[[0-9]+\])?: \*\*\* '
	kf_makes "$n"
	cp "$OUT" fast.out
	kf_full cache-full2 lab run mod
	expect_rc 1
	kf_same_failure

	# Fixed: fast again (the template survived the errors), and it loads.
	sed -i 's|64 \* cuont|64 * count|' mod/fastmod.c
	sed -i 's/first version/fixed version/' mod/fastmod.c
	n=$(kf_count)
	km lab run mod
	expect_rc 0
	expect_out 'fastmod: fixed version, count=3$'
	kf_makes "$n"
	kf_replayed "$(kf_ko "$KMEMLAB_CACHE" fastmod)" || fail "the fixed build was not fast"

	# A symbol no kernel exports fails in modpost: a replay does not decide
	# that, a full kbuild does, and says so as it always has.
	sed -i -e 's|^static int count = 3;|void kmemlab_not_exported(void);\n&|' \
		-e 's|\tkfree(p);|&\n\tkmemlab_not_exported();|' mod/fastmod.c
	km lab run mod
	expect_rc 1
	expect_out 'ERROR: modpost: "kmemlab_not_exported" .*undefined'
	kf_makes $((n + 1))
	cp "$OUT" fast.out
	kf_full cache-full3 lab run mod
	expect_rc 1
	kf_same_failure

	# A template missing a .cmd file is rebuilt by a full kbuild.
	sed -i -e '/kmemlab_not_exported/d' -e 's/fixed version/last version/' mod/fastmod.c
	km lab run mod
	expect_rc 0
	kf_makes $((n + 2))
	sed -i 's/last version/very last version/' mod/fastmod.c
	km lab run mod
	expect_rc 0
	kf_makes $((n + 2))
	rm -f "$KMEMLAB_CACHE"/kbuild-fast/*/m/.fastmod.mod.o.cmd
	sed -i 's/very last version/really the last version/' mod/fastmod.c
	km lab run mod
	expect_rc 0
	expect_out 'fastmod: really the last version, count=3$'
	kf_makes $((n + 3))
	kf_replayed "$(kf_ko "$KMEMLAB_CACHE" fastmod)" && fail "a template without its .cmd was replayed"
}

# kf_hold LOCKFILE: hold that flock() in the background (as another
# kmemlab would); sets HOLD to the holder's pid once it holds it.
kf_hold() {
	rm -f "$T_DIR/held"
	python3 -c '
import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(300)
' "$1" "$T_DIR/held" &
	HOLD=$!
	for _ in $(seq 1 100); do
		[ -e "$T_DIR/held" ] && return
		sleep 0.1
	done
	fail "could not take the lock $1"
}

test_kbuild_fast_busy_and_killed() {
	kf_setup
	cp -r "$TOP/tests/modules/fastmod" mod
	km lab run mod
	expect_rc 0
	kf_makes 1
	slot0=$(ls -d "$KMEMLAB_CACHE"/kbuild-fast/*-0)
	slot1=${slot0%-0}-1
	[ -f "$slot0/template" ] || fail "no template after a full build"

	# Slot 0 busy (another kmemlab replaying there): slot 1 gets a full
	# kbuild, which becomes its template.
	kf_hold "$slot0/lock"
	h0=$HOLD
	sed -i 's/first version/second version/' mod/fastmod.c
	km lab run mod
	expect_rc 0
	expect_out 'fastmod: second version'
	kf_makes 2
	grep -q -- "M=$slot1/m " "$T_DIR/makes" || fail "the full kbuild was not in slot 1"

	# Both slots busy: a full kbuild in a private directory, no template
	# touched.
	mkdir -p "$slot1"
	kf_hold "$slot1/lock"
	h1=$HOLD
	sed -i 's/second version/third version/' mod/fastmod.c
	km lab run mod
	expect_rc 0
	expect_out 'fastmod: third version'
	kf_makes 3
	tail -n 1 "$T_DIR/makes" | grep -q -- "M=$KMEMLAB_CACHE/kbuild/[0-9a-f]*\.tmp\.[0-9]* " ||
		fail "with both slots busy the build was not a plain kbuild: $(tail -n 1 "$T_DIR/makes")"
	kill "$h0" "$h1"
	wait "$h0" "$h1" 2> /dev/null

	# Free again: replayed.
	sed -i 's/third version/fourth version/' mod/fastmod.c
	km lab run mod
	expect_rc 0
	expect_out 'fastmod: fourth version'
	kf_makes 3
	kf_replayed "$(kf_ko "$KMEMLAB_CACHE" fastmod)" || fail "the build after the locks went was not fast"

	# kmemlab killed in the middle of a replay: the compiler (through a shim
	# on PATH, which stalls while $T_DIR/stall exists) is held until it is.
	cc=$(sed -n '1s/^[a-z]*cmd_[^ ]* := *\([^ ]*\) .*/\1/p' "$slot0/m/.fastmod.o.cmd")
	real=$(command -v "$cc") || { fail "no compiler '$cc' on PATH"; return; }
	cat > "$T_DIR/bin/$cc" <<SHIM
#!/bin/sh
if [ -e "$T_DIR/stall" ]; then
	echo \$\$ > "$T_DIR/stalled"
	exec sleep 300
fi
exec "$real" "\$@"
SHIM
	chmod +x "$T_DIR/bin/$cc"
	touch "$T_DIR/stall"
	sed -i 's/fourth version/fifth version/' mod/fastmod.c
	"$KMEMLAB" lab run mod > killed.out 2>&1 &
	victim=$!
	for _ in $(seq 1 300); do
		[ -s "$T_DIR/stalled" ] && break
		sleep 0.1
	done
	[ -s "$T_DIR/stalled" ] || fail "the replay never reached the compiler"
	kill -9 "$victim"
	wait "$victim" 2> /dev/null
	[ -s "$T_DIR/stalled" ] && kill "$(cat "$T_DIR/stalled")" 2> /dev/null
	rm -f "$T_DIR/stall"
	[ -f "$slot0/template" ] && fail "a killed replay left its template marked whole"

	# The next build does not trust what the killed one left: full kbuild.
	km lab run mod
	expect_rc 0
	expect_out 'fastmod: fifth version'
	kf_makes 4
	sed -i 's/fifth version/sixth version/' mod/fastmod.c
	km lab run mod
	expect_rc 0
	expect_out 'fastmod: sixth version'
	kf_makes 4
}
