# kmemlab check on exercise 7 (layout): the solution passes, the skeleton
# and each plausible wrong solution fail on the check that names the mistake.
LAYOUT_SOL=$TOP/modules/exercises/layout/solution
LAYOUT_SKEL=$TOP/modules/exercises/layout/skeleton
LAYOUT_WRONG=$SOLUTIONS/layout

# layout_status NAME STATUS: the named check has that status.
layout_status() {
	expect_json "[c['status'] for c in j['checks'] if c['name'] == '$1'] == ['$2']"
}

# layout_field NAME FIELD: print that field of the named check.
layout_field() {
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print([c for c in j["checks"] if c["name"] == sys.argv[2]][0][sys.argv[3]] or "")
' "$OUT" "$1" "$2"
}

test_layout_solution_passes() {
	km check layout --source "$LAYOUT_SOL" --json
	expect_rc 0
	expect_json 'j["verdict"] == "pass" and j["score"] == j["max_score"] == 9'
	expect_json 'all(c["status"] == "pass" for c in j["checks"])'
	expect_json '"kbytes=" in j["inputs"] and "nonce=" in j["inputs"]'
}

# KASLR: two boots put the kernel's regions at other places, and the
# grader follows them (the expected values come from each run's own VM).
# The kernel text alone repeats once in some 500 boots; all of the bounds
# together practically never.
test_layout_follows_kaslr() {
	km check layout --source "$LAYOUT_SOL" --json
	expect_rc 0
	one=$(layout_field bounds expected)
	km check layout --source "$LAYOUT_SOL" --json
	expect_rc 0
	two=$(layout_field bounds expected)
	[ -n "$one" ] && [ "$one" != "$two" ] || fail "the layout did not move between boots: '$one'"
}

test_layout_skeleton_fails() {
	km check layout --source "$LAYOUT_SKEL/layout_ex.c" --json
	expect_rc 1
	layout_status build pass
	layout_status load pass
	layout_status bounds fail
	layout_status samples fail
	expect_json '"TODO 1" in [c for c in j["checks"] if c["name"] == "bounds"][0]["hint"]'
	expect_json 'all(c["expected"] and c["observed"] and c["hint"] for c in j["checks"] if c["status"] == "fail")'
}

test_layout_no_kaslr_fails() {
	km check layout --source "$LAYOUT_WRONG/no_kaslr" --json
	expect_rc 1
	layout_status bounds fail
	layout_status samples pass
	layout_status regions pass
	expect_json '"KASLR" in [c for c in j["checks"] if c["name"] == "bounds"][0]["hint"]'
}

test_layout_hashed_fails() {
	km check layout --source "$LAYOUT_WRONG/hashed" --json
	expect_rc 1
	layout_status bounds pass
	layout_status samples fail
	expect_json '"%px" in [c for c in j["checks"] if c["name"] == "samples"][0]["hint"]'
}

test_layout_page_offset_only_fails() {
	km check layout --source "$LAYOUT_WRONG/page_offset_only" --json
	expect_rc 1
	layout_status bounds pass
	layout_status samples pass
	layout_status regions fail
	expect_json '"both ends" in [c for c in j["checks"] if c["name"] == "regions"][0]["hint"]'
}

test_layout_pointer_address_fails() {
	km check layout --source "$LAYOUT_WRONG/ptr_address" --json
	expect_rc 1
	layout_status bounds pass
	layout_status samples fail
	expect_json '"not the address of the variable" in [c for c in j["checks"] if c["name"] == "samples"][0]["hint"]'
}

test_layout_leak_fails_on_cleanup() {
	# kfree and vfree forgotten in exit: both allocations named.
	km check layout --source "$LAYOUT_WRONG/leak" --json
	expect_rc 1
	expect_json '[c["name"] for c in j["checks"] if c["status"] != "pass"] == ["cleanup"]'
	expect_json '"kmalloc of" in [c for c in j["checks"] if c["name"] == "cleanup"][0]["observed"] and "vmalloc of" in [c for c in j["checks"] if c["name"] == "cleanup"][0]["observed"]'
}
