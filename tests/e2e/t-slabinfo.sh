# kmemlab check on exercise 2 (slabinfo): a program, not a module.
SLABINFO_SOL=$TOP/modules/exercises/slabinfo/solution
SLABINFO_SKEL=$TOP/modules/exercises/slabinfo/skeleton
SLABINFO_WRONG=$SOLUTIONS/slabinfo

# status NAME: the status of check NAME in the JSON on stdout.
slabinfo_status() {
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(" ".join(c["status"] for c in j["checks"] if c["name"] == sys.argv[2]))
' "$OUT" "$1"
}

test_slabinfo_solution_passes() {
	km check slabinfo --source "$SLABINFO_SOL" --json
	expect_rc 0
	expect_json 'j["verdict"] == "pass" and j["score"] == j["max_score"] == 7'
	expect_json 'all(c["status"] == "pass" for c in j["checks"])'
	expect_json '"nonce=" in j["inputs"] and "probe:" in j["inputs"]'
}

test_slabinfo_skeleton_fails() {
	km check slabinfo --source "$SLABINFO_SKEL/slabinfo_ex.c" --json
	expect_rc 1
	# It builds and runs but parses no rows: no top lines, no growth.
	[ "$(slabinfo_status build) $(slabinfo_status runs) $(slabinfo_status nonce)" = "pass pass pass" ] ||
		fail "build, runs and nonce should pass"
	[ "$(slabinfo_status bytes) $(slabinfo_status top) $(slabinfo_status grew)" = "fail fail fail" ] ||
		fail "bytes, top and grew should fail"
	expect_json 'all(c["expected"] and c["observed"] and c["hint"] for c in j["checks"] if c["status"] == "fail")'
}

test_slabinfo_objsize_fails() {
	km check slabinfo --source "$SLABINFO_WRONG/objsize" --json
	expect_rc 1
	# num_objs * objsize leaves out the slabs' waste.
	[ "$(slabinfo_status bytes)" = fail ] || fail "bytes should fail"
	[ "$(slabinfo_status grew)" = pass ] || fail "grew should pass"
	expect_json '"pagesperslab" in [c for c in j["checks"] if c["name"] == "bytes"][0]["hint"]'
}

test_slabinfo_unsorted_fails() {
	km check slabinfo --source "$SLABINFO_WRONG/unsorted" --json
	expect_rc 1
	[ "$(slabinfo_status bytes) $(slabinfo_status top)" = "pass fail" ] ||
		fail "bytes should pass and top fail"
	[ "$(slabinfo_status grew) $(slabinfo_status growth)" = "pass pass" ] ||
		fail "grew and growth should pass"
}

test_slabinfo_twice_fails() {
	km check slabinfo --source "$SLABINFO_WRONG/twice" --json
	expect_rc 1
	# Comparing /proc/slabinfo with itself finds no growth.
	[ "$(slabinfo_status top) $(slabinfo_status grew)" = "pass fail" ] ||
		fail "top should pass and grew fail"
	[ "$(slabinfo_status growth)" = skip ] || fail "growth should be skipped"
}
