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

# The program exercise slabinfo written as declarations: two runs of the
# program, /proc/slabinfo read around each, the pack's own probe and a
# grading script.  The pack draws its inputs as the C checker does, so
# with one KMEMLAB_SEED both grade the same inputs (some verdicts hang on
# them: a cache without waste per slab lets objsize pass "growth").  Every
# variant gets the C checker's statuses, check by check, under two seeds:
# seed 1 draws 703-byte objects (kmalloc-1k, no waste), seed 21 160-byte
# ones (kmalloc-192, 64 bytes of waste per slab).  And the pack proves clean.
DS_PACK=$TOP/tests/packs/slabinfo-declared

test_declared_slabinfo_matches_the_c_checker() {
	local src c d seed ci di
	for seed in 1 21; do
		for src in "$TOP/modules/exercises/slabinfo/solution" \
			"$TOP/modules/exercises/slabinfo/skeleton/slabinfo_ex.c" \
			"$SOLUTIONS/slabinfo/objsize" "$SOLUTIONS/slabinfo/unsorted" \
			"$SOLUTIONS/slabinfo/twice"; do
			export KMEMLAB_SEED=$seed
			km check slabinfo --source "$src" --json
			c=$(dk_statuses)
			ci=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["inputs"])' "$OUT")
			km --course "$DS_PACK" check slabinfo --source "$src" --json
			d=$(dk_statuses)
			di=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["inputs"])' "$OUT")
			unset KMEMLAB_SEED
			[ "$c" = "$d" ] || fail "$(basename "$src"), seed $seed ($ci / $di): the C checker says '$c', the declarations '$d'"
			echo "$(basename "$src"), seed $seed ($ci / $di): $d"
			case "$(basename "$src") $seed" in
			"objsize 1") [ "${d#*growth:}" = pass ] || fail "objsize should pass growth with seed 1" ;;
			"objsize 21") [ "${d#*growth:}" = fail ] || fail "objsize should fail growth with seed 21" ;;
			esac
		done
	done
	# The script's diagnostics reach the learner: objsize is told about whole slabs.
	km --course "$DS_PACK" check slabinfo --source "$SOLUTIONS/slabinfo/objsize" --json
	expect_json '"pagesperslab" in [c for c in j["checks"] if c["name"] == "bytes"][0]["hint"]'
	expect_json '[c["status"] for c in j["checks"] if c["name"] == "growth"] == ["pass"]'
	km --course "$DS_PACK" check slabinfo --source "$SOLUTIONS/slabinfo/twice" --json
	expect_json '[c.get("observed") for c in j["checks"] if c["name"] == "growth"] == ["not reached: check %sgrew%s did not pass" % (chr(39), chr(39))]'
	# course prove holds on the pack: the solution passes, the skeleton
	# fails, each wrong solution fails on the check it names.
	km course prove "$DS_PACK"
	expect_rc 0
	expect_out 'wrong/twice +fail on grew +fail on grew +ok'
	expect_out '5 of 5 held'
}

# A "within" check cannot be passed with a value that overflows the
# difference: ksize = truth + LLONG_MIN is off by far more than 64.
test_declared_within_survives_an_overflowing_value() {
	cp -r "$DK_PACK" dk
	python3 - dk/lessons/01-ksize/lesson.json "$DK_PACK" "$PWD/dk" <<'PY'
import json, os, sys
p, was, now = sys.argv[1], sys.argv[2], sys.argv[3]
j = json.load(open(p))
ex = j["exercises"][0]
# The pack's paths up to the tree's modules, made to hold from the copy.
for k in ("skeleton", "solution"):
    ex[k] = os.path.relpath(os.path.join(was, ex[k]), now)
for w in ex.get("wrong", []):
    for k in ("dir", "patch"):
        if k in w:
            w[k] = os.path.relpath(os.path.join(was, w[k]), now)
for c in ex["grade"]["checks"]:
    if c["name"] == "ksize":
        c["within"] = "64"
json.dump(j, open(p, "w"), indent=2)
PY
	cp -r "$TOP/modules/exercises/ksize/solution" crafted
	sed -i 's/ksize=%zu wasted/ksize=%lld wasted/; s/test, size, size, real, wasted/test, size, size, (long long)real + LLONG_MIN, wasted/' crafted/ksize_ex.c
	grep -q 'LLONG_MIN' crafted/ksize_ex.c || fail "the crafted module was not made"
	km --course dk check ksize --source crafted --json
	expect_rc 1
	expect_json '[c["status"] for c in j["checks"] if c["name"] == "ksize"] == ["fail"]'
	# The reference solution still passes it.
	km --course dk check ksize --source "$TOP/modules/exercises/ksize/solution" --json
	expect_rc 0
	expect_json '[c["status"] for c in j["checks"] if c["name"] == "ksize"] == ["pass"]'
}
