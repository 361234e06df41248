# The grading fixtures of tests/unit/test_grade.c still match reality: a
# check made now in the lab VM, with KMEMLAB_RECORD, leaves a record that
# grades again to the same result without the VM, and its checks have the
# statuses that the fixture recorded for the same source has.  One module
# exercise passing, one failing, one program exercise.
REC_GRADE=$(dirname "$KMEMLAB")/tests/test_grade

# record_matches FIXTURE EXERCISE SOURCE: record a check of SOURCE and
# hold it against tests/unit/fixtures/FIXTURE.
record_matches() {
	local name=$1 id=$2 src=$3 dir=$T_DIR/records
	mkdir -p "$dir"
	KMEMLAB_RECORD=$dir/$name km check "$id" --source "$src" --json
	[ -f "$dir/$name/record.json" ] || { fail "check $id left no record in $dir/$name"; return; }
	[ -x "$REC_GRADE" ] || { fail "no $REC_GRADE: 'make unit' builds it"; return; }
	# Graded again from the record alone: the same verdict and checks, texts and all.
	KMEMLAB_RECORDS=$dir "$REC_GRADE" > "$dir/grade.out" 2>&1 ||
		{ sed 's/^/  grade: /' "$dir/grade.out"; fail "the record of $name grades otherwise"; }
	python3 -c '
import json, sys
now = json.load(open(sys.argv[1]))
fixture = json.load(open(sys.argv[2]))["graded"]
def shape(j):
    return [j["verdict"]] + [(c["name"], c["status"]) for c in j["checks"]]
if shape(now) != shape(fixture):
    print("now:    ", shape(now))
    print("fixture:", shape(fixture))
    sys.exit(1)
' "$OUT" "$TOP/tests/unit/fixtures/$name/record.json" ||
		fail "check $id of $name no longer grades as tests/unit/fixtures/$name"
}

test_record_module_solution_matches_fixture() {
	record_matches ksize-solution ksize "$TOP/modules/exercises/ksize/solution"
	expect_rc 0
}

test_record_module_mistake_matches_fixture() {
	record_matches ksize-pow2 ksize "$SOLUTIONS/ksize/pow2"
	expect_rc 1
}

test_record_program_matches_fixture() {
	record_matches slabinfo-solution slabinfo "$TOP/modules/exercises/slabinfo/solution"
	expect_rc 0
}
