# Course packs for instructors: course new writes one that proves clean,
# a learner takes it with KMEMLAB_COURSE, and a broken pack is named.

test_course_new_proves_clean_and_catches_a_broken_solution() {
	km course new pk
	expect_rc 0
	expect_out "^course pack 'pk' written"
	[ "$(python3 -c 'import json; print(json.load(open("pk/lessons/course.json"))["id"])')" = pk ] ||
		fail "the course's id is not its folder's name"
	km course prove pk
	expect_rc 0
	expect_out '^first +solution +pass +pass 9/9 +ok$'
	expect_out '^first +skeleton +fail +fail on objects +ok$'
	expect_out '^first +wrong/leak +fail on cleanup +fail on cleanup +ok$'
	expect_out '^first +wrong/nonce +fail on nonce +fail on nonce +ok$'
	expect_out '^lesson 1 +pagesize +a measured answer +4096 +ok$'
	expect_out '^5 of 5 held$'
	# A solution that is the skeleton: the proof fails, and says where.
	cp pk/modules/exercises/first/skeleton/first_ex.c pk/modules/exercises/first/solution/
	km course prove pk
	expect_rc 1
	expect_out '^first +solution +pass +fail 7/9 +WRONG$'
	# The wrong solutions are patches of the solution: they no longer apply.
	expect_out '^first +wrong/leak +the patch applies +no \(above\) +WRONG$'
	expect_err "the wrong solution '.*wrong/leak.patch' does not apply to the solution of exercise 'first'"
	expect_out '^2 of 5 held: the lines marked WRONG did not$'
	km course new pk
	expect_rc 2
	expect_err "'pk' exists already"
}

test_course_learner_takes_the_example() {
	km course new pk
	export KMEMLAB_COURSE=$T_DIR/pk
	km lessons
	expect_out '^ +1 +first +Objects and their real size'
	km start 1
	expect_rc 0
	# A pack's work is kept apart from the shipped course's.
	[ -f "$KMEMLAB_HOME/courses/pk/workspace/first/first_ex.c" ] || fail "start copied no skeleton"
	km check
	expect_rc 1
	cp pk/modules/exercises/first/solution/first_ex.c "$KMEMLAB_HOME/courses/pk/workspace/first/"
	km check --json
	expect_rc 0
	expect_json 'j["verdict"] == "pass" and [c["name"] for c in j["checks"]] == ["build", "load", "ktap", "nonce", "objects", "total", "no_warning", "unload", "cleanup"]'
	km progress --json
	expect_json 'j["progress"][0]["exercise"] == "first" and j["progress"][0]["passed"]'
}

# Two courses with an exercise of one id (the shipped ksize, and the
# ksize-declared pack's): each keeps its own attempts, progress and
# workspace, and the learner is the same person in both.
test_course_work_is_kept_apart() {
	local pack=$TOP/tests/packs/ksize-declared pws=$KMEMLAB_HOME/courses/ksize-declared
	km whoami --id alice --name 'Alice A'
	km start 1
	cp "$TOP/modules/exercises/ksize/solution/ksize_ex.c" "$KMEMLAB_HOME/workspace/ksize/"
	km check ksize --json
	expect_rc 0
	km --course "$pack" progress --json
	expect_json 'j["progress"] == []'
	km --course "$pack" whoami
	expect_out '^id: +alice$'
	km --course "$pack" start 1
	expect_rc 0
	cmp -s "$pws/workspace/ksize/ksize_ex.c" "$TOP/modules/exercises/ksize/skeleton/ksize_ex.c" ||
		fail "the pack's workspace does not hold the skeleton"
	km --course "$pack" check ksize --json
	expect_rc 1
	km --course "$pack" progress --json
	expect_json '[(p["exercise"], p["passed"], p["attempts"]) for p in j["progress"]] == [("ksize", False, 1)]'
	km progress --json
	expect_json '[(p["exercise"], p["passed"], p["attempts"]) for p in j["progress"]] == [("ksize", True, 1)]'
	cmp -s "$KMEMLAB_HOME/workspace/ksize/ksize_ex.c" "$TOP/modules/exercises/ksize/solution/ksize_ex.c" ||
		fail "the shipped course's workspace copy changed"
	[ "$(sql "SELECT count(*) FROM attempt")" = 1 ] || fail "the shipped course's database has other attempts"
	[ "$(sqlite3 "$pws/kmemlab.db" "SELECT count(*) FROM attempt")" = 1 ] || fail "the pack's database has other attempts"
	# The pack's bundle names the pack, and the learner chosen once.
	km --course "$pack" submit --out pk.tar.gz
	expect_rc 0
	[ "$(tar -xzOf pk.tar.gz manifest.json | python3 -c 'import json,sys; m=json.load(sys.stdin); print(m["course"]["id"], m["learner"]["id"])')" = "ksize-declared alice" ] ||
		fail "the pack's bundle: $(tar -xzOf pk.tar.gz manifest.json)"
}

# A pack whose course.json gives no id (so its course id is 'kmemlab')
# still keeps its work apart: the shipped course is the one in kmemlab's
# own folder.  And a seed that is not a number is refused.
test_course_pack_without_id_is_apart() {
	cp -r "$TOP/tests/packs/ksize-declared" noid
	python3 - noid "$TOP/tests/packs/ksize-declared" <<'PY'
import json, os, sys
now, was = os.path.abspath(sys.argv[1]), sys.argv[2]
c = json.load(open(now + "/lessons/course.json"))
del c["id"]
json.dump(c, open(now + "/lessons/course.json", "w"))
p = now + "/lessons/01-ksize/lesson.json"
j = json.load(open(p))
for k in ("skeleton", "solution"):
    j["exercises"][0][k] = os.path.relpath(os.path.join(was, j["exercises"][0][k]), now)
json.dump(j, open(p, "w"))
PY
	km --course noid check ksize --source "$TOP/modules/exercises/ksize/solution" --experiment
	expect_rc 0
	[ ! -e "$KMEMLAB_HOME/kmemlab.db" ] || fail "the pack wrote the shipped course's database"
	[ -f "$KMEMLAB_HOME/courses/kmemlab/kmemlab.db" ] || fail "the pack's database is not in courses/kmemlab"
	for bad in ' -1' '5y' 'x'; do
		KMEMLAB_SEED=$bad km check ksize --source "$TOP/modules/exercises/ksize/solution"
		expect_rc 2
		expect_err "KMEMLAB_SEED \('$bad'\) must be a decimal number"
	done
}

test_course_broken_packs_are_named() {
	km course new pk
	local lj=pk/lessons/01-first/lesson.json
	cp "$lj" lesson.json.good
	# Not JSON.
	echo '{ "id": ' > "$lj"
	km --course pk lessons
	expect_rc 2
	expect_err "lesson '.*pk/lessons/01-first/lesson.json': "
	km course prove pk
	expect_rc 2
	expect_err "course pack '.*pk' is not valid"
	# An unknown kind of check, a bad expression, a probe that is not there.
	sed 's/"kind": "nonce"/"kind": "nonces"/' lesson.json.good > "$lj"
	km --course pk lessons
	expect_rc 2
	expect_err "'exercises\[0\].grade.checks\[1\].kind' \(\"nonces\"\) is not a kind of check"
	sed 's/"input.count"/"input.count +"/' lesson.json.good > "$lj"
	km --course pk lessons
	expect_rc 2
	expect_err "'exercises\[0\].grade.tests' is not an integer expression"
	sed 's/"dir": "probe"/"dir": "noprobe"/' lesson.json.good > "$lj"
	km --course pk lessons
	expect_rc 2
	expect_err "'exercises\[0\].grade.probe.dir': '.*noprobe' is not a folder"
	sed 's/"fails": "nonce"/"fails": "nonsense"/' lesson.json.good > "$lj"
	km --course pk lessons
	expect_rc 2
	expect_err "'exercises\[0\].wrong\[1\].fails': exercise 'first' has no check 'nonsense'"
	cp lesson.json.good "$lj"
	# A probe that does not build: an error naming it, never a pass.
	echo 'this is not C' >> pk/lessons/01-first/probe/first_truth.c
	km --course pk check first --source pk/modules/exercises/first/solution
	expect_rc 2
	expect_err "the course's probe '.*pk/lessons/01-first/probe' of exercise 'first' does not build"
	git -C "$TOP" show HEAD:templates/course/lessons/01-first/probe/first_truth.c > pk/lessons/01-first/probe/first_truth.c 2>/dev/null ||
		cp "$TOP/templates/course/lessons/01-first/probe/first_truth.c" pk/lessons/01-first/probe/
	# A declared number of results past what can be graded: named, never a pass.
	sed 's/"input.count"/"input.count * 1000000"/' lesson.json.good > "$lj"
	km --course pk check first --source pk/modules/exercises/first/solution --json
	expect_rc 1
	expect_json 'any("from 0 to 4096 results can be graded" in (c["observed"] or "") for c in j["checks"])'
	# ... and no plan line then is no match for the plan that cannot be said.
	cp -r pk/modules/exercises/first/solution noplan
	sed -i '/pr_info("1\.\./d' noplan/first_ex.c
	grep -q '"1\.\.' noplan/first_ex.c && fail "the plan line was not removed"
	km --course pk check first --source noplan --json
	expect_rc 1
	expect_json '[c["status"] for c in j["checks"] if c["name"] == "ktap"] == ["fail"]'
	cp lesson.json.good "$lj"
	# A grading script that prints no KTAP, or never ends: the check fails.
	printf '#!/bin/sh\necho all good\n' > pk/lessons/01-first/total.sh
	km --course pk check first --source pk/modules/exercises/first/solution --json
	expect_rc 1
	expect_json '[c["status"] for c in j["checks"] if c["name"] == "total"] == ["fail"]'
	expect_json '"no KTAP results from the grading script" in [c for c in j["checks"] if c["name"] == "total"][0]["observed"]'
	printf '#!/bin/sh\nsleep 600\n' > pk/lessons/01-first/total.sh
	km --course pk check first --source pk/modules/exercises/first/solution --json
	expect_rc 1
	expect_json '[c["observed"] for c in j["checks"] if c["name"] == "total"] == ["timed out"]'
}

test_course_submissions_know_their_course() {
	km course new pk
	# A learner of the pack passes its exercise and submits.
	export KMEMLAB_HOME=$T_DIR/l1 KMEMLAB_COURSE=$T_DIR/pk
	km whoami --id l1 --name 'Lin One'
	km start 1
	cp pk/modules/exercises/first/solution/first_ex.c "$KMEMLAB_HOME/courses/pk/workspace/first/"
	km check
	expect_rc 0
	km submit --out l1.tar.gz
	expect_rc 0
	[ "$(tar -xzOf l1.tar.gz manifest.json | python3 -c 'import json,sys; c=json.load(sys.stdin)["course"]; print(c["id"], c["version"], len(c["hash"]))')" = "pk 1 64" ] ||
		fail "the bundle does not name its course: $(tar -xzOf l1.tar.gz manifest.json)"
	unset KMEMLAB_COURSE
	# A class of the shipped course refuses it, and stores nothing.
	km class init shipped
	expect_out "ready for course 'kmemlab'"
	km class import --class shipped l1.tar.gz
	expect_rc 1
	expect_err "rejected 'l1.tar.gz': it is the work of a learner of course 'pk' \(version 1\), and this class teaches course 'kmemlab'"
	[ "$(sqlite3 shipped/class.db 'select count(*) from submission')" = 0 ] || fail "a refused bundle was stored"
	# The pack's class takes it, and regrades by the pack, whatever --course says.
	km --course "$T_DIR/pk" class init pkclass
	expect_out "ready for course 'pk'"
	km class init pkclass
	expect_rc 2
	expect_err "this class teaches course 'pk', not 'kmemlab'"
	km class import --class pkclass l1.tar.gz
	expect_rc 0
	km class regrade --class pkclass
	expect_rc 0
	expect_out '1 passed, 0 not passed, 0 could not be graded'
	# Reports name the class's course, and count its exercises' points.
	km report --class pkclass
	expect_rc 0
	expect_out '^class report: 1 learner, 1 exercises$'
	expect_out '^course pk: An example course, version 1$'
	km report --class pkclass --format json
	expect_json 'j["course"] == {"id": "pk", "title": "An example course", "version": "1"} and j["learners"][0]["results"]["score"] == 10'
	# A bundle graded under other grading files is flagged, not refused.
	sed -i 's/"version": "1"/"version": "2"/' pk/lessons/course.json
	export KMEMLAB_COURSE=$T_DIR/pk
	km submit --out l1b.tar.gz
	unset KMEMLAB_COURSE
	sed -i 's/"version": "2"/"version": "1"/' pk/lessons/course.json
	km class import --class pkclass l1b.tar.gz
	expect_rc 0
	expect_err "graded it under another version of course 'pk' \(this class has version 1\): the regrade decides"
}
