# kmemlab check on exercise 4 (slabcache): the solution passes, the
# skeleton and each plausible wrong solution fail on the check that names
# their mistake.
SLAB_SOL=$TOP/modules/exercises/slabcache/solution
SLAB_SKEL=$TOP/modules/exercises/slabcache/skeleton
SLAB_WRONG=$SOLUTIONS/slabcache

# slab_status NAME: the status of check NAME in the JSON on stdout.
slab_status() {
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(" ".join(c["status"] for c in j["checks"] if c["name"] == sys.argv[2]))
' "$OUT" "$1"
}

# slab_failed_only NAMES...: exactly these checks failed, nothing else.
slab_failed_only() {
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
got = sorted(c["name"] for c in j["checks"] if c["status"] != "pass")
sys.exit(0 if got == sorted(sys.argv[2:]) else 1)
' "$OUT" "$@" || fail "failed checks are not exactly: $*"
}

test_slabcache_solution_passes() {
	km check slabcache --source "$SLAB_SOL" --json
	expect_rc 0
	expect_json 'j["verdict"] == "pass" and j["score"] == j["max_score"] == 12'
	expect_json 'all(c["status"] == "pass" for c in j["checks"])'
	expect_json 'all(k + "=" in j["inputs"] for k in ("size", "count", "suffix", "nonce"))'
	# The plain cache was merged: a symlink to a shared :0000NNN cache.
	expect_json '" to :" in [c for c in j["checks"] if c["name"] == "merged"][0]["observed"]'
}

test_slabcache_skeleton_fails() {
	km check slabcache --source "$SLAB_SKEL/slabcache_ex.c" --json
	expect_rc 1
	expect_json 'j["verdict"] == "fail"'
	[ "$(slab_status build)" = pass ] || fail "the skeleton does not build"
	[ "$(slab_status load)" = pass ] || fail "the skeleton does not load"
	[ "$(slab_status unload)" = pass ] || fail "the skeleton does not unload cleanly"
	[ "$(slab_status object_size)" = fail ] || fail "object_size did not fail"
	[ "$(slab_status merged)" = fail ] || fail "merged did not fail"
	expect_json '"TODO 2" in [c for c in j["checks"] if c["name"] == "merged"][0]["hint"]'
	expect_json 'all(c["expected"] and c["observed"] and c["hint"] for c in j["checks"] if c["status"] == "fail")'
}

test_slabcache_counting_allocations_fails() {
	km check slabcache --source "$SLAB_WRONG/percall" --json
	expect_rc 1
	# count is a prime above objs_per_slab: whole slabs never equal it.
	slab_failed_only ctor_calls
	expect_json '"once per kmem_cache_alloc" in [c for c in j["checks"] if c["name"] == "ctor_calls"][0]["hint"]'
}

test_slabcache_missing_ctor_fails() {
	km check slabcache --source "$SLAB_WRONG/noctor" --json
	expect_rc 1
	# Without its constructor the first cache is merged like the plain one.
	slab_failed_only ctor_calls merged ksize
	expect_json '"constructor" in [c for c in j["checks"] if c["name"] == "merged"][0]["hint"]'
}

test_slabcache_never_destroyed_fails() {
	km check slabcache --source "$SLAB_WRONG/nodestroy" --json
	expect_rc 1
	slab_failed_only destroyed
	expect_json '"still there" in [c for c in j["checks"] if c["name"] == "destroyed"][0]["observed"]'
}

test_slabcache_destroyed_with_objects_fails() {
	km check slabcache --source "$SLAB_WRONG/nofree" --json
	expect_rc 1
	# The kernel's own complaint (a WARNING) fails the unload.
	slab_failed_only destroyed unload cleanup
}
