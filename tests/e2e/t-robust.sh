# A locked database and a full disk: found out before grading, said plainly.
KSIZE_SOL=$TOP/modules/exercises/ksize/solution

test_check_locked_database_fails_before_grading() {
	km check ksize --source "$KSIZE_SOL"
	expect_rc 0
	# Another process holds a write transaction, as long as the test needs.
	python3 -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(60)' "$KMEMLAB_HOME/kmemlab.db" locked &
	holder=$!
	for _ in $(seq 100); do [ -e locked ] && break; sleep 0.1; done
	km check ksize --source "$KSIZE_SOL"
	expect_rc 2
	expect_err "database '.*kmemlab.db' is locked: another process has been writing to it"
	expect_no_out 'ksize: passed'
	kill $holder
	wait $holder 2>/dev/null
	[ "$(sql 'SELECT count(*) FROM attempt')" = 1 ] || fail "attempts: $(sql 'SELECT count(*) FROM attempt')"
	km check ksize --source "$KSIZE_SOL"
	expect_rc 0
}

# small_fs DIR MB: a file system of MB megabytes at DIR (root only).
small_fs() {
	mkdir -p "$1"
	mount -t tmpfs -o size="$2"m tmpfs "$1" 2>/dev/null
}

test_full_disk_is_named() {
	if ! small_fs small 8; then
		echo "not run: mounting a small file system needs root"
		return 0
	fi
	trap 'umount "$T_DIR/small" 2>/dev/null' RETURN
	export KMEMLAB_HOME=$T_DIR/small/home
	km progress
	expect_rc 0
	# The database's disk full: the check is refused before it grades.
	dd if=/dev/zero of=small/fill bs=64k 2>/dev/null
	km check ksize --source "$KSIZE_SOL"
	expect_rc 2
	expect_err "the disk holding database '.*kmemlab.db' (has [0-9]+ KB free|is full)"
	expect_no_out 'ksize: passed'
	km progress
	[ "$RC" -eq 0 ] || expect_err "is full"
	rm -f small/fill
	# The cache's disk too small for the lab: said before anything is built.
	KMEMLAB_CACHE=$T_DIR/small/cache km lab run "$TOP/tests/modules/hello"
	expect_rc 2
	expect_err "the disk holding kmemlab's cache '.*small/cache' has [0-9]+ MB free"
	expect_no_out 'hello from the lab'
}
