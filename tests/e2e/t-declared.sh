# Declared grading (a course pack's "grade", no C of its own): the ksize
# exercise written as declarations, with the pack's own probe, grades the
# reference solution, the skeleton and every wrong variant exactly as the
# C checker does, check by check.
DK_PACK=$TOP/tests/packs/ksize-declared

# dk_statuses: "name:status ..." of the check --json on stdout.
dk_statuses() {
	python3 -c 'import json,sys; print(" ".join(c["name"] + ":" + c["status"] for c in json.load(open(sys.argv[1]))["checks"]))' "$OUT"
}

test_declared_ksize_matches_the_c_checker() {
	local src c d
	for src in "$TOP/modules/exercises/ksize/solution" "$TOP/modules/exercises/ksize/skeleton/ksize_ex.c" \
		"$SOLUTIONS/ksize/pow2" "$SOLUTIONS/ksize/fixed" "$SOLUTIONS/ksize/leak"; do
		km check ksize --source "$src" --json
		c=$(dk_statuses)
		km --course "$DK_PACK" check ksize --source "$src" --json
		d=$(dk_statuses)
		[ "$c" = "$d" ] || fail "$(basename "$src"): the C checker says '$c', the declarations '$d'"
		echo "$(basename "$src"): $d"
	done
	# The solution passes both ways; pow2 fails on ksize, fixed on sizes.
	km --course "$DK_PACK" check ksize --source "$SOLUTIONS/ksize/pow2" --json
	expect_json '[c["name"] for c in j["checks"] if c["status"] != "pass"] == ["ksize", "waste"]'
	expect_json '"truth" not in j["inputs"] and "sizes=" in j["inputs"]'
}
