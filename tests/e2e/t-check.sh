# kmemlab check, lessons and progress on exercise 1 (ksize).
SOL=$TOP/modules/exercises/ksize/solution
SKEL=$TOP/modules/exercises/ksize/skeleton

test_lessons_json() {
	km lessons --json
	expect_rc 0
	expect_json 'any(e["id"] == "ksize" for l in j["lessons"] for e in l["exercises"])'
	expect_json 'all(__import__("os").path.isfile(e["skeleton_file"]) and __import__("os").path.isfile(e["solution_file"]) for l in j["lessons"] for e in l["exercises"])'
}

test_check_solution_passes() {
	km check ksize --source "$SOL" --json
	expect_rc 0
	expect_json 'j["verdict"] == "pass" and j["score"] == j["max_score"] and j["max_score"] >= 8'
	expect_json 'all(c["status"] == "pass" for c in j["checks"])'
	expect_json 'j["build_ms"] > 0 and j["vm_ms"] > 0 and j["stored"] and j["transcript"]'
	expect_json '"nonce=" in j["inputs"]'
	[ "$(sql 'select count(*) from check_result')" -ge 8 ] || fail "checks not stored"
}

test_check_experiments_are_kept_apart() {
	# A source that is not the workspace copy is an experiment: saved, apart.
	km check ksize --source "$SOL"
	expect_rc 0
	expect_out '^Saved as an experiment: this source is not your workspace copy'
	km progress --json
	expect_json 'j["progress"] == [{"exercise": "ksize", "attempts": 0, "experiments": 1, "best_score": 0, "max_score": 0, "passed": False, "last_attempt": "", "last_verdict": ""}]'
	km progress
	expect_out '^ksize +0 +- +new +- +1$'
	km solution ksize
	expect_rc 1
	# The workspace copy counts, given by name or as --source.
	km start 1
	cp "$SOL/ksize_ex.c" "$KMEMLAB_HOME/workspace/ksize/"
	km check ksize --json
	expect_rc 0
	expect_json 'j["verdict"] == "pass" and not j["experiment"]'
	km check ksize --source "$KMEMLAB_HOME/workspace/ksize/ksize_ex.c" --experiment
	expect_rc 0
	expect_out '^Saved as an experiment: you said so with --experiment'
	km progress --json
	expect_json 'j["progress"][0]["passed"] and j["progress"][0]["attempts"] == 1 and j["progress"][0]["experiments"] == 2'
	[ "$(sql "select group_concat(origin) from attempt")" = experiment,self,experiment ] ||
		fail "origins: $(sql "select group_concat(origin) from attempt")"
	# A submission carries no experiment.
	km submit --out sub.tar.gz
	expect_rc 0
	[ "$(tar -xzOf sub.tar.gz attempts.json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ] ||
		fail "the submission's attempts are not the one self attempt"
}

test_check_skeleton_fails() {
	km check ksize --source "$SKEL/ksize_ex.c" --json
	expect_rc 1
	expect_json 'j["verdict"] == "fail"'
	expect_json '[c["status"] for c in j["checks"] if c["name"] == "ksize"] == ["fail"]'
	expect_json '[c["status"] for c in j["checks"] if c["name"] == "build"] == ["pass"]'
	expect_json 'all(c["expected"] and c["observed"] and c["hint"] for c in j["checks"] if c["status"] == "fail")'
}

test_check_power_of_two_fails() {
	km check ksize --source "$SOLUTIONS/ksize/pow2" --json
	expect_rc 1
	# Every attempt has one size in the 96 or 192 class: rounding to a
	# power of two gets it wrong.
	expect_json '[c["status"] for c in j["checks"] if c["name"] == "ksize"] == ["fail"]'
	expect_json '"kmalloc-96" in [c for c in j["checks"] if c["name"] == "ksize"][0]["hint"] or "kmalloc-192" in [c for c in j["checks"] if c["name"] == "ksize"][0]["hint"]'
}

test_check_remembered_numbers_fail() {
	km check ksize --source "$SOLUTIONS/ksize/fixed" --json
	expect_rc 1
	expect_json '[c["status"] for c in j["checks"] if c["name"] == "sizes"] == ["fail"]'
	expect_json '[c["status"] for c in j["checks"] if c["name"] == "nonce"] == ["pass"]'
}

test_check_compile_error_is_graded() {
	mkdir src
	cp "$SOL/ksize_ex.c" src/
	sed -i 's/real = ksize(bufs\[i\]);/real = ksize(bufs[i])/' src/ksize_ex.c
	km check ksize --source src/ksize_ex.c --json
	expect_rc 1
	expect_json '[c["status"] for c in j["checks"] if c["name"] == "build"] == ["fail"]'
	expect_json '"ksize_ex.c:" in [c for c in j["checks"] if c["name"] == "build"][0]["observed"]'
	expect_json 'all(c["status"] == "skip" for c in j["checks"] if c["name"] != "build")'
	[ "$(sql 'select verdict from attempt')" = fail ] || fail "the failed build was not stored"
}

test_check_oops_is_graded() {
	mkdir src
	cp "$SOL/ksize_ex.c" src/
	# Dereference a NULL pointer where the solution calls ksize().
	sed -i 's/real = ksize(bufs\[i\]);/real = ksize(bufs[i]) + *(volatile size_t *)NULL;/' src/ksize_ex.c
	km check ksize --source src/ksize_ex.c --json
	expect_rc 1
	expect_json '[c for c in j["checks"] if c["name"] == "load"][0]["observed"].startswith("BUG: kernel NULL pointer dereference")'
}

test_check_workspace_default_and_errors() {
	km check ksize
	expect_rc 2
	expect_err "no copy of exercise 'ksize' yet: 'start ksize'"
	km check nosuch
	expect_rc 2
	expect_err "no exercise 'nosuch'"
	km start 1
	expect_rc 0
	[ -f "$KMEMLAB_HOME/workspace/ksize/ksize_ex.c" ] || fail "start did not copy the skeleton"
	cp "$SOL/ksize_ex.c" "$KMEMLAB_HOME/workspace/ksize/ksize_ex.c"
	km check
	expect_rc 0
	expect_out '^ksize: passed \(9/9 checks\)'
}

test_store_survives_kill_mid_check() {
	km check ksize --source "$SOL" --json
	expect_rc 0
	before=$(sql 'select count(*) from attempt')
	"$KMEMLAB" check ksize --source "$SOL" > kill.out 2> kill.err &
	pid=$!
	# Kill it while the VM runs: wait for QEMU to appear first.
	for _ in $(seq 1 600); do
		pgrep -f "qemu-system-x86_64.*kmemlab-vm" -P "$pid" > /dev/null && break
		sleep 0.1
	done
	qpid=$(pgrep -P "$pid" -f qemu-system)
	[ -n "$qpid" ] || fail "never saw the lab VM start"
	kill -9 "$pid"
	wait "$pid" 2> /dev/null
	# QEMU dies with kmemlab (it must not outlive a killed tutor).
	for _ in $(seq 1 50); do
		kill -0 "$qpid" 2> /dev/null || break
		sleep 0.1
	done
	! kill -0 "$qpid" 2> /dev/null || fail "QEMU $qpid outlived the killed kmemlab"
	ls -d /tmp/kmemlab-vm-"$pid"-* > /dev/null 2>&1 || fail "expected the killed run's directory"
	[ "$(sql 'pragma integrity_check')" = ok ] || fail "database damaged"
	[ "$(sql 'select count(*) from attempt')" = "$before" ] || fail "attempt count changed"
	km check ksize --source "$SOL"
	expect_rc 0
	[ "$(sql 'select count(*) from attempt')" = $((before + 1)) ] || fail "next attempt not stored"
	! ls -d /tmp/kmemlab-vm-"$pid"-* > /dev/null 2>&1 || fail "the killed run's directory was not swept"
}

test_database_errors_are_clear() {
	echo "this is not a database, it is a text file long enough to fill a header page" > "$KMEMLAB_HOME/kmemlab.db"
	cp "$KMEMLAB_HOME/kmemlab.db" saved
	km progress
	expect_rc 2
	expect_err "database '.*kmemlab.db' is damaged"
	cmp -s saved "$KMEMLAB_HOME/kmemlab.db" || fail "the damaged database was changed"
	rm "$KMEMLAB_HOME/kmemlab.db"
	sqlite3 "$KMEMLAB_HOME/kmemlab.db" 'pragma user_version = 99'
	km progress
	expect_rc 2
	expect_err 'newer than this kmemlab understands'
}

test_check_leak_fails_on_cleanup() {
	# Frees nothing in exit: every other check passes, cleanup names the site.
	km check ksize --source "$SOLUTIONS/ksize/leak" --json
	expect_rc 1
	expect_json '[c["name"] for c in j["checks"] if c["status"] != "pass"] == ["cleanup"]'
	expect_json '"x kmalloc" in [c for c in j["checks"] if c["name"] == "cleanup"][0]["observed"] and "at ksize_ex_init+0x" in [c for c in j["checks"] if c["name"] == "cleanup"][0]["observed"]'
	expect_json '"kfree()" in [c for c in j["checks"] if c["name"] == "cleanup"][0]["hint"]'
}
