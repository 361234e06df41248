# Declared grading (a course pack's "grade", no C of its own): the ksize
# exercise written as declarations, with the pack's own probe, grades the
# reference solution, the skeleton and every wrong variant exactly as the
# C checker does, check by check.
DK_PACK=$TOP/tests/packs/ksize-declared

# dk_statuses: "name:status ..." of the check --json on stdout.
dk_statuses() {
	python3 -c 'import json,sys; print(" ".join(c["name"] + ":" + c["status"] for c in json.load(open(sys.argv[1]))["checks"]))' "$OUT"
}

# same_as_c ID PACK SOURCE...: each source gets the same statuses, check
# by check, from kmemlab's C checker of exercise ID and from PACK.
same_as_c() {
	local id=$1 pack=$2 src c d
	shift 2
	for src in "$@"; do
		km check "$id" --source "$src" --json
		c=$(dk_statuses)
		km --course "$pack" check "$id" --source "$src" --json
		d=$(dk_statuses)
		[ "$c" = "$d" ] || fail "$(basename "$src"): the C checker says '$c', the declarations '$d'"
		echo "$(basename "$src"): $d"
	done
}

test_declared_ksize_matches_the_c_checker() {
	same_as_c ksize "$DK_PACK" "$TOP/modules/exercises/ksize/solution" \
		"$TOP/modules/exercises/ksize/skeleton/ksize_ex.c" \
		"$SOLUTIONS/ksize/pow2" "$SOLUTIONS/ksize/fixed" "$SOLUTIONS/ksize/leak"
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
	# Also one that prints its bytes in hex, which neither grader reads.
	mkdir -p hexbytes
	sed 's/bytes=%llu\\n", i + 1/bytes=%#llx\\n", i + 1/' \
		"$TOP/modules/exercises/slabinfo/solution/slabinfo_ex.c" > hexbytes/slabinfo_ex.c
	grep -q 'bytes=%#llx' hexbytes/slabinfo_ex.c || fail "the hex variant was not made"
	for seed in 1 21; do
		for src in "$TOP/modules/exercises/slabinfo/solution" \
			"$TOP/modules/exercises/slabinfo/skeleton/slabinfo_ex.c" \
			"$SOLUTIONS/slabinfo/objsize" "$SOLUTIONS/slabinfo/unsorted" \
			"$SOLUTIONS/slabinfo/twice" hexbytes; do
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

# dk_copy EDIT: the ksize-declared pack copied to ./dk, its paths made to
# hold from the copy, and its grade edited by the Python statements EDIT
# (on g, the exercise's "grade").
dk_copy() {
	cp -r "$DK_PACK" dk
	python3 - dk/lessons/01-ksize/lesson.json "$DK_PACK" "$PWD/dk" "$1" <<'PY'
import json, os, sys
p, was, now, edit = sys.argv[1:5]
j = json.load(open(p))
ex = j["exercises"][0]
# The pack's paths up to the tree's modules, made to hold from the copy.
for k in ("skeleton", "solution"):
    ex[k] = os.path.relpath(os.path.join(was, ex[k]), now)
for w in ex.get("wrong", []):
    for k in ("dir", "patch"):
        if k in w:
            w[k] = os.path.relpath(os.path.join(was, w[k]), now)
g = ex["grade"]
exec(edit)
json.dump(j, open(p, "w"), indent=2)
PY
}

# crafted DIR SED PATTERN: the ksize solution copied to DIR and edited by
# the sed script SED; PATTERN (grep) proves the edit took.
crafted() {
	cp -r "$TOP/modules/exercises/ksize/solution" "$1"
	sed -i "$2" "$1/ksize_ex.c"
	grep -q -- "$3" "$1/ksize_ex.c" || fail "the crafted module $1 was not made"
}

# A "within" check cannot be passed with a value that overflows the
# difference: ksize = truth + LLONG_MIN is off by far more than 64.
test_declared_within_survives_an_overflowing_value() {
	dk_copy '[c.update(within="64") for c in g["checks"] if c["name"] == "ksize"]'
	crafted crafted 's/ksize=%zu wasted/ksize=%lld wasted/; s/test, size, size, real, wasted/test, size, size, (long long)real + LLONG_MIN, wasted/' LLONG_MIN
	km --course dk check ksize --source crafted --json
	expect_rc 1
	expect_json '[c["status"] for c in j["checks"] if c["name"] == "ksize"] == ["fail"]'
	# The reference solution still passes it.
	km --course dk check ksize --source "$TOP/modules/exercises/ksize/solution" --json
	expect_rc 0
	expect_json '[c["status"] for c in j["checks"] if c["name"] == "ksize"] == ["pass"]'
}

# The learner's own values in expressions (learner.KEY, learner.N.KEY), a
# reading's KEY=number (reading.NAME.KEY), hexadecimal numbers, and value
# checks: the solution passes; a module whose wasted is off by one fails
# the check that compares its values with each other; one that prints
# ksize in hex still passes.
test_declared_learner_values_readings_and_hex() {
	dk_copy '
g["read"] = [{"name": "mem", "when": "before", "run": "echo total=0x10 free=12"}]
g["checks"] += [
    {"name": "consistent", "kind": "results", "key": "wasted",
     "expect": "learner.ksize - learner.requested"},
    {"name": "first", "kind": "value", "value": "learner.1.ksize", "expect": "truth.1.ksize"},
    {"name": "mem", "kind": "value", "value": "reading.mem.total + reading.mem.free",
     "at_least": "0x1c", "at_most": "28"},
]'
	km --course dk check ksize --source "$TOP/modules/exercises/ksize/solution" --json
	expect_rc 0
	expect_json '[c["observed"] for c in j["checks"] if c["name"] == "mem"] == ["28"]'
	crafted offbyone 's/test, size, size, real, wasted,/test, size, size, real, wasted + 1,/' 'wasted + 1'
	km --course dk check ksize --source offbyone --json
	expect_rc 1
	expect_json '[(c["name"], c["status"]) for c in j["checks"] if c["status"] != "pass"] == [("waste", "fail"), ("consistent", "fail")]'
	crafted hex 's/ksize=%zu wasted/ksize=0x%zx wasted/' 'ksize=0x%zx'
	km --course dk check ksize --source hex --json
	expect_rc 0
	# A value that names what is not there fails with the reason.
	rm -rf dk
	dk_copy 'g["checks"] += [{"name": "none", "kind": "value", "value": "learner.99.ksize", "expect": "1"}]'
	km --course dk check ksize --source "$TOP/modules/exercises/ksize/solution" --json
	expect_rc 1
	expect_json '[c["observed"] for c in j["checks"] if c["name"] == "none"] == ["the values could not be computed: value: your result 99 has no number %sksize%s" % (chr(39), chr(39))]'
}

# A guest program of the pack's own: built from its folder, put in the VM
# as /lab/NAME before the first reading, and run there by a reading.  One
# that does not compile is an error that names it, never a pass.
test_declared_pack_program() {
	dk_copy '
g["programs"] = [{"name": "hog", "dir": "hog"}]
g["read"] = [{"name": "hog", "when": "before", "run": "/lab/hog 8"}]
g["checks"] += [{"name": "held", "kind": "value", "value": "reading.hog.rss_kb",
                 "at_least": "8 * 1024"}]'
	mkdir dk/lessons/01-ksize/hog
	cat > dk/lessons/01-ksize/hog/hog.c <<'C'
/* Takes and touches N MiB, then says how much of it is resident. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	size_t bytes = (argc > 1 ? strtoul(argv[1], NULL, 10) : 1) << 20;
	char *p = malloc(bytes), line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!p || !f)
		return 1;
	memset(p, 1, bytes);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			printf("rss_kb=%ld\n", strtol(line + 6, NULL, 10));
	return 0;
}
C
	km --course dk check ksize --source "$TOP/modules/exercises/ksize/solution" --json
	expect_rc 0
	expect_json '[c["status"] for c in j["checks"] if c["name"] == "held"] == ["pass"]'
	expect_json 'int([c["observed"] for c in j["checks"] if c["name"] == "held"][0]) >= 8192'
	echo 'int broken(' >> dk/lessons/01-ksize/hog/hog.c
	km --course dk check ksize --source "$TOP/modules/exercises/ksize/solution" --json
	expect_rc 2
	expect_err "the course's program 'hog' of exercise 'ksize' does not build \(from '.*/dk/lessons/01-ksize/hog'\)"
	rm -rf dk/lessons/01-ksize/hog
	km --course dk lessons
	expect_rc 2
	expect_err "'exercises\[0\].grade.programs\[0\].dir': '.*/hog' is not a folder"
}

# Templates name a list's element ({sizes[0]}) and a number read earlier
# ({reading.NAME.KEY}), inputs may be negative, and a program's run is
# given arguments read in the VM just before it.
test_declared_templates_negative_inputs_and_readings() {
	dk_copy '
g["inputs"].append({"name": "adj", "int": [[-5000, -1002], [-1001, -1001]]})
g["read"] = [{"name": "first", "when": "before", "run": "echo size={sizes[0]} adj={adj}"},
             {"name": "again", "when": "after", "run": "echo size={reading.first.size}"}]
g["checks"] += [
    {"name": "element", "kind": "value", "value": "reading.again.size", "expect": "truth.1.requested"},
    {"name": "negative", "kind": "value", "value": "reading.first.adj", "at_least": "-5000",
     "at_most": "-1001"}]'
	km --course dk check ksize --source "$TOP/modules/exercises/ksize/solution" --json
	expect_rc 0
	expect_json '[c["status"] for c in j["checks"] if c["name"] in ("element", "negative")] == ["pass", "pass"]'
	expect_json '" adj=-" in j["inputs"]'
	# The slabinfo pack, its "top" run told N by a reading made just before it.
	cp -r "$DS_PACK" ds
	python3 - ds/lessons/02-slabinfo/lesson.json "$DS_PACK" "$PWD/ds" <<'PY'
import json, os, sys
p, was, now = sys.argv[1:4]
j = json.load(open(p))
ex = j["exercises"][0]
for k in ("skeleton", "solution"):
    ex[k] = os.path.relpath(os.path.join(was, ex[k]), now)
ex.pop("wrong")
g = ex["grade"]
g["read"].append({"name": "nn", "when": "before top", "run": "echo n={n}"})
g["runs"][1]["args"] = "{nonce} top {reading.nn.n}"
# Patterns with placeholders load, and are filled in when graded; one that
# breaks once filled in fails its check with the reason.
g["inputs"].append({"name": "paren", "choice": ["("]})
g["checks"] += [
    {"name": "said", "kind": "output", "require": "^# slabinfo_ex nonce={nonce}$", "in": ["top"]},
    {"name": "broken", "kind": "output", "forbid": "x{paren}"}]
json.dump(j, open(p, "w"), indent=2)
PY
	km --course ds check slabinfo --source "$TOP/modules/exercises/slabinfo/solution" --json
	expect_rc 1
	expect_json '[(c["name"], c["status"]) for c in j["checks"] if c["status"] != "pass"] == [("broken", "fail")]'
	expect_json '"filled in, is not an extended regular expression" in [c["observed"] for c in j["checks"] if c["name"] == "broken"][0]'
	expect_json 'any(l.startswith("== your program: ") and " top " in l and l.split(" top ")[1].strip().isdigit() for l in j["transcript"].splitlines())'
}

# A program that takes the lab VM down in its second run: that run is not
# taken for a clean exit, the rest is not graded, and the C checker agrees.
test_declared_run_that_kills_the_vm() {
	mkdir -p killer
	sed 's|^\tif (read_slabinfo("/proc/slabinfo", &now) < 0)|\tif (!strcmp(argv[2], "top")) { sync(); reboot(RB_POWER_OFF); }\n&|' \
		"$TOP/modules/exercises/slabinfo/solution/slabinfo_ex.c" |
		sed 's|^#include <unistd.h>|&\n#include <sys/reboot.h>|' > killer/slabinfo_ex.c
	grep -q 'RB_POWER_OFF' killer/slabinfo_ex.c || fail "the killer program was not made"
	# The C checker and the declarations both say what happened.
	km check slabinfo --source killer --json
	expect_rc 1
	c=$(dk_statuses)
	km --course "$DS_PACK" check slabinfo --source killer --json
	expect_rc 1
	[ "$c" = "$(dk_statuses)" ] || fail "the C checker says '$c', the declarations '$(dk_statuses)'"
	expect_json '[c["observed"] for c in j["checks"] if c["name"] == "runs"] == ["the lab VM stopped while it ran: it powered the VM off, rebooted it or crashed its kernel"]'
	expect_json '[c["status"] for c in j["checks"] if c["name"] == "top"] == ["skip"]'
	# The next check has a lab VM again.
	km --course "$DS_PACK" check slabinfo --source "$TOP/modules/exercises/slabinfo/solution" --json
	expect_rc 0
}

# The program exercise oomscore written as declarations: the pack's own
# guest program starts four memory holders (one at -1000) and reads the
# scores and memory of every one before and after the learner's program,
# which is told the target holder's PID by that reading; a script grades
# each check.  Every variant gets the C checker's statuses, check by
# check, and the pack proves clean.
DO_PACK=$TOP/tests/packs/oomscore-declared

test_declared_oomscore_matches_the_c_checker() {
	same_as_c oomscore "$DO_PACK" "$TOP/modules/exercises/oomscore/solution" \
		"$TOP/modules/exercises/oomscore/skeleton/oomscore_ex.c" \
		"$SOLUTIONS/oomscore/remembered" "$SOLUTIONS/oomscore/noadj" \
		"$SOLUTIONS/oomscore/nofclose"
	# The script's hints name the mistake, as the C checker's do.
	km --course "$DO_PACK" check oomscore --source "$SOLUTIONS/oomscore/noadj" --json
	expect_json '"without the adjustment" in [c for c in j["checks"] if c["name"] == "predict"][0]["hint"]'
	km --course "$DO_PACK" check oomscore --source "$SOLUTIONS/oomscore/nofclose" --json
	expect_json '"fclose" in [c for c in j["checks"] if c["name"] == "einval"][0]["hint"]'
	expect_json '"Invalid argument" in [c for c in j["checks"] if c["name"] == "einval"][0]["expected"]'
	km course prove "$DO_PACK"
	expect_rc 0
	expect_out 'wrong/nofclose +fail on einval +fail on einval +ok'
	expect_out '5 of 5 held'
}
