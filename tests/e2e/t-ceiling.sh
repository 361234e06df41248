# kmemlab check on exercise 3 (ceiling): the solution passes, the skeleton
# and each plausible wrong solution fail on the check that names their
# mistake.
CEIL_SOL=$TOP/modules/exercises/ceiling/solution
CEIL_SKEL=$TOP/modules/exercises/ceiling/skeleton
CEIL_WRONG=$SOLUTIONS/ceiling

# ceiling_status NAME: the status of check NAME in the JSON on stdout.
ceiling_status() {
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(" ".join(c["status"] for c in j["checks"] if c["name"] == sys.argv[2]))
' "$OUT" "$1"
}

# ceiling_failed_only NAMES...: exactly these checks failed, nothing else.
ceiling_failed_only() {
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
got = sorted(c["name"] for c in j["checks"] if c["status"] != "pass")
sys.exit(0 if got == sorted(sys.argv[2:]) else 1)
' "$OUT" "$@" || fail "failed checks are not exactly: $*"
}

test_ceiling_solution_passes() {
	km check ceiling --source "$CEIL_SOL" --json
	expect_rc 0
	expect_json 'j["verdict"] == "pass" and j["score"] == j["max_score"] == 13'
	expect_json 'all(c["status"] == "pass" for c in j["checks"])'
	expect_json '"start=" in j["inputs"] and "step=" in j["inputs"] and "nonce=" in j["inputs"]'
}

test_ceiling_skeleton_fails() {
	km check ceiling --source "$CEIL_SKEL/ceiling_ex.c" --json
	expect_rc 1
	expect_json 'j["verdict"] == "fail"'
	[ "$(ceiling_status build)" = pass ] || fail "the skeleton does not build"
	[ "$(ceiling_status load)" = pass ] || fail "the skeleton does not load"
	[ "$(ceiling_status largest)" = fail ] || fail "largest did not fail"
	[ "$(ceiling_status allocated)" = fail ] || fail "allocated did not fail"
	[ "$(ceiling_status nowarn)" = pass ] || fail "the skeleton warned"
	expect_json 'all(c["expected"] and c["observed"] and c["hint"] for c in j["checks"] if c["status"] == "fail")'
}

test_ceiling_without_nowarn_fails() {
	km check ceiling --source "$CEIL_WRONG/nowarn" --json
	expect_rc 1
	# Right numbers, but the failing request logged a WARNING.
	ceiling_failed_only nowarn unload
	expect_json '[c for c in j["checks"] if c["name"] == "nowarn"][0]["observed"].startswith("WARNING: ")'
	expect_json '"__GFP_NOWARN" in [c for c in j["checks"] if c["name"] == "nowarn"][0]["hint"]'
}

test_ceiling_remembered_limit_fails() {
	km check ceiling --source "$CEIL_WRONG/fixed" --json
	expect_rc 1
	# An odd start and an even step never land on 4 MiB.
	ceiling_failed_only largest first_failure allocated
	expect_json '"limit" in [c for c in j["checks"] if c["name"] == "largest"][0]["hint"]'
}

test_ceiling_arithmetic_without_kmalloc_fails() {
	km check ceiling --source "$CEIL_WRONG/computed" --json
	expect_rc 1
	# Every number is right; /proc/vmstat shows nothing was allocated.
	ceiling_failed_only allocated
}

test_ceiling_leak_fails() {
	km check ceiling --source "$CEIL_WRONG/leak" --json
	expect_rc 1
	ceiling_failed_only freed cleanup
	expect_json '"kB less" in [c for c in j["checks"] if c["name"] == "freed"][0]["observed"]'
}
