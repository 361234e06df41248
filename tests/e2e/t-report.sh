# kmemlab report: a learner's own progress after real checks, and a class
# database (built here with SQL in the binary's own schema) in all four
# formats; the CSV goes back through sqlite3's CSV import, and the HTML
# is rendered by headless Chromium.

# The class, every kind of cell: ada passes vmalloc (regraded, agreed)
# and fails devres (regraded, agreed); the second learner's name is
# hostile (markup, a comma, quotes and a line break), passes ksize on her
# own machine but fails the clean regrade (a disagreement: the regrade
# counts), and her submitted ksize source is not the one she graded; cy
# imported nothing yet; dee passes vmalloc and devres after failing once
# each; eve passed ksize and started nothing else; fay failed slabinfo on
# her own machine and passed the clean regrade (a disagreement that counts
# as passed), and checked a source of her own outside the workspace at
# ksize (an attempt of origin 'experiment', which reports count apart and
# in no verdict or score).
REPORT_HOSTILE='<script>alert("pwned")</script>, "Bobby"
Tables'

# The course's size, from kmemlab itself: a lesson added changes no test here.
RP_NEX=$("$KMEMLAB" lessons --json | python3 -c 'import json,sys; print(sum(len(l["exercises"]) for l in json.load(sys.stdin)["lessons"]))')
RP_PTS=$("$KMEMLAB" lessons --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["points"])')
RP_ORDER=$("$KMEMLAB" lessons --json | python3 -c 'import json,sys; print(" ".join(e["id"] for l in json.load(sys.stdin)["lessons"] for e in l["exercises"]))')

# rp_cells DEFAULT ID=CELL...: the regex of a matrix row's cells in the
# course's order, DEFAULT (a regex) for each exercise not given.
rp_cells() {
	local d=$1 id cell out=
	shift
	for id in $RP_ORDER; do
		cell=$d
		for a in "$@"; do
			[ "${a%%=*}" = "$id" ] && cell=${a#*=}
		done
		out="$out +$cell"
	done
	printf '%s' "$out"
}


# report_class_db DIR: make DIR/class.db.
report_class_db() {
	mkdir -p "$1"
	"$KMEMLAB" class init "$1" > /dev/null || fail "cannot create '$1/class.db'"
	sqlite3 "$1/class.db" <<'SQL'
DELETE FROM learner WHERE is_self = 1;
INSERT INTO learner (id, login, name, created_at, is_self) VALUES
 (10, 'ada', 'Ada Lovelace', '2026-03-01T00:00:00Z', 0),
 (11, 'bob', '<script>alert("pwned")</script>, "Bobby"' || char(10) || 'Tables',
  '2026-03-01T00:00:00Z', 0),
 (12, 'cy', 'Cy Young', '2026-03-01T00:00:00Z', 0),
 (13, 'dee', 'Dee Dee', '2026-03-01T00:00:00Z', 0),
 (14, 'eve', 'Eve Online', '2026-03-01T00:00:00Z', 0),
 (15, 'fay', 'Fay Wray', '2026-03-01T00:00:00Z', 0);
INSERT INTO submission (id, learner_id, bundle_sha256, submitted_at, imported_at,
  kmemlab_version, kernel, manifest) VALUES
 (1, 10, 'aa', '2026-03-05T00:00:00Z', '2026-03-06T00:00:00Z', '0.1.0', 'k', '{}'),
 (2, 11, 'bb', '2026-03-05T00:00:00Z', '2026-03-06T00:00:00Z', '0.1.0', 'k', '{}'),
 (3, 15, 'ff', '2026-03-05T00:00:00Z', '2026-03-06T00:00:00Z', '0.1.0', 'k', '{}');
INSERT INTO submission_exercise VALUES (1, 'vmalloc', 'h1', 'pass', 0),
 (1, 'devres', 'h2', 'fail', 0), (2, 'ksize', 'h3', 'pass', 1), (3, 'slabinfo', 'h9', 'fail', 0);
INSERT INTO attempt (id, learner_id, exercise, started_at, source_hash, verdict, score,
  max_score, transcript, origin, submission_id) VALUES
 (1, 10, 'vmalloc', '2026-03-01T10:00:00Z', 'h0', 'fail', 7, 10, '', 'self', NULL),
 (2, 10, 'vmalloc', '2026-03-01T11:00:00Z', 'h1', 'pass', 10, 10, '', 'self', NULL),
 (3, 10, 'devres', '2026-03-02T10:00:00Z', 'h2', 'fail', 5, 10, '', 'self', NULL),
 (4, 10, 'devres', '2026-03-02T10:30:00Z', 'h2', 'fail', 8, 10, '', 'self', NULL),
 (5, 10, 'devres', '2026-03-02T11:00:00Z', 'h2', 'fail', 6, 10, '', 'self', NULL),
 (6, 11, 'ksize', '2026-03-01T09:00:00Z', 'h3', 'pass', 8, 8, '', 'self', NULL),
 (7, 13, 'vmalloc', '2026-03-02T09:00:00Z', 'h4', 'fail', 9, 10, '', 'self', NULL),
 (8, 13, 'vmalloc', '2026-03-03T09:00:00Z', 'h5', 'pass', 10, 10, '', 'self', NULL),
 (9, 13, 'devres', '2026-03-03T10:00:00Z', 'h6', 'fail', 9, 10, '', 'self', NULL),
 (10, 13, 'devres', '2026-03-04T10:00:00Z', 'h7', 'pass', 10, 10, '', 'self', NULL),
 (11, 10, 'vmalloc', '2026-03-06T00:00:00Z', 'h1', 'pass', 10, 10, '', 'regrade', 1),
 (12, 10, 'devres', '2026-03-06T00:01:00Z', 'h2', 'fail', 6, 10, '', 'regrade', 1),
 (13, 11, 'ksize', '2026-03-06T00:02:00Z', 'h3x', 'fail', 6, 8, '', 'regrade', 2),
 (14, 14, 'ksize', '2026-03-02T09:00:00Z', 'h8', 'pass', 8, 8, '', 'self', NULL),
 (15, 15, 'slabinfo', '2026-03-02T09:00:00Z', 'h9', 'fail', 3, 5, '', 'self', NULL),
 (16, 15, 'slabinfo', '2026-03-06T00:03:00Z', 'h9', 'pass', 5, 5, '', 'regrade', 3),
 (17, 15, 'ksize', '2026-03-04T09:00:00Z', 'hx', 'pass', 8, 8, '', 'experiment', NULL);
INSERT INTO check_result (attempt_id, seq, name, status, expected, observed, hint) VALUES
 (1, 1, 'pfns', 'fail', 'vmalloc_to_pfn', 'virt_to_phys', 'use vmalloc_to_pfn'),
 (3, 1, 'allocs', 'fail', 'three', 'none', 'TODO 1'),
 (4, 1, 'allocs', 'fail', 'three', 'two', 'TODO 1'),
 (5, 1, 'allocs', 'fail', 'three', 'one', 'TODO 1'),
 (7, 1, 'pfns', 'fail', 'vmalloc_to_pfn', 'page_to_pfn', 'use vmalloc_to_pfn'),
 (9, 1, 'allocs', 'fail', 'three', 'none', 'TODO 1'),
 (12, 1, 'build', 'pass', NULL, NULL, NULL),
 (12, 2, 'devres_add', 'fail', 'devm allocations', '<img src=x onerror=alert(1)>', 'devm_kmalloc'),
 (13, 1, 'sizes', 'fail', '192', '160', 'ksize rounds up'),
 (15, 1, 'top', 'fail', 'dentry', 'inode_cache', 'sort by memory');
SQL
}

# report_csv_import CSV: load the CSV into a table t of a fresh database.
report_csv_import() {
	rm -f "$T_DIR/import.db"
	sqlite3 "$T_DIR/import.db" ".import --csv $1 t" || fail "sqlite3 cannot import '$1'"
}

# report_csv_sql QUERY: run it on the imported CSV.
report_csv_sql() {
	sqlite3 "$T_DIR/import.db" "$1"
}

report_expect_eq() {
	[ "$1" = "$2" ] || fail "$3: '$1', expected '$2'"
}

# report_course_points: the course's total, as lessons --json says it.
report_course_points() {
	"$KMEMLAB" lessons --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["points"])'
}

# report_gradescope JSON: every learner's results in JSON (a class report,
# or one results document) has only the fields Gradescope documents for
# results.json, of their types, its score and max_score the sums of its
# tests'.
report_gradescope() {
	python3 - "$1" <<'PY' || fail "'$1' is not Gradescope's results.json"
import json, numbers, sys
j = json.load(open(sys.argv[1]))
docs = [l["results"] for l in j["learners"]] if "learners" in j else [j]
top = {"score", "max_score", "execution_time", "output", "output_format", "test_output_format",
       "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
test = {"score", "max_score", "status", "name", "name_format", "number", "output",
        "output_format", "tags", "visibility", "extra_data"}
vis = {"hidden", "after_due_date", "after_published", "visible"}
num = lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool)
for d in docs:
    assert set(d) <= top, set(d) - top
    assert num(d["score"]) and num(d["max_score"]) and isinstance(d["output"], str)
    assert d.get("visibility", "visible") in vis
    for t in d["tests"]:
        assert set(t) <= test, set(t) - test
        assert num(t["score"]) and num(t["max_score"]) and 0 <= t["score"] <= t["max_score"]
        assert t["status"] in ("passed", "failed")
        assert isinstance(t["name"], str) and isinstance(t["output"], str)
        assert isinstance(t.get("number", ""), str)
        assert t.get("visibility", "visible") in vis
    assert abs(d["score"] - sum(t["score"] for t in d["tests"])) < 0.005, "score is not the tests' sum"
    assert abs(d["max_score"] - sum(t["max_score"] for t in d["tests"])) < 0.005, "max_score is not the tests' sum"
PY
}

# report_sums_match CSV JSON: the CSV (imported into sqlite3) has a number
# in every score cell, and each learner's sums of score and max_score are
# the JSON's score and max_score.
report_sums_match() {
	report_csv_import "$1"
	report_expect_eq "$(report_csv_sql "SELECT count(*) FROM t WHERE NOT (score GLOB '[0-9]*'
		AND score NOT GLOB '*[^0-9.]*' AND max_score GLOB '[0-9]*' AND max_score NOT GLOB '*[^0-9]*')")" 0 \
		"CSV rows whose score or max_score is not a number"
	report_csv_sql "SELECT id, printf('%.2f', sum(CAST(score AS REAL))), sum(CAST(max_score AS INTEGER))
		FROM t GROUP BY id ORDER BY id" > "$T_DIR/csv-sums"
	python3 - "$2" <<'PY' > "$T_DIR/json-sums"
import json, sys
j = json.load(open(sys.argv[1]))
for l in sorted(j["learners"], key=lambda l: l["id"]):
    print("%s|%.2f|%d" % (l["id"], l["results"]["score"], l["results"]["max_score"]))
PY
	[ -s "$T_DIR/csv-sums" ] || fail "no learner in the CSV"
	diff "$T_DIR/csv-sums" "$T_DIR/json-sums" > "$T_DIR/sums.diff" ||
		fail "the CSV's sums are not the JSON's: $(cat "$T_DIR/sums.diff")"
}

test_report_in_a_class_directory() {
	# Where 'class import' and 'class regrade' find ./class.db, report does too.
	km class init cls
	expect_rc 0
	(cd cls && km report && [ "$RC" = 0 ] && grep -q '^class report: 0 learners' "$OUT") ||
		fail "report in a class directory did not report the class"
	km report
	expect_rc 0
	expect_out '^progress report: 1 learner'
}

test_report_own_database() {
	local db=$KMEMLAB_HOME/kmemlab.db
	local ws=$KMEMLAB_HOME/workspace
	mkdir -p "$ws"
	cp -r "$TOP/modules/exercises/vmalloc/skeleton" "$ws/vmalloc"
	cp -r "$TOP/modules/exercises/devres/skeleton" "$ws/devres"
	km check vmalloc
	expect_rc 1
	cp "$TOP/modules/exercises/vmalloc/solution/vmalloc_ex.c" "$ws/vmalloc/"
	km check vmalloc
	expect_rc 0
	km check devres
	expect_rc 1
	# An experiment is counted apart, in no verdict.
	km check devres --source "$TOP/modules/exercises/devres/solution"
	expect_rc 0
	local me=$(sql "SELECT login FROM learner WHERE is_self = 1")

	km report
	expect_rc 0
	expect_out "^progress report: 1 learner, $RP_NEX exercises"
	expect_out "^$me$(rp_cells · vmalloc=✓2 devres=✗1) +1/$RP_NEX +10/$RP_PTS$"
	expect_out "^score 10 of $RP_PTS points \\(all-or-nothing credit\\)$"
	expect_out "^1 of $RP_NEX learner-exercises passed \\($((100 / RP_NEX))%\\), 2 started"
	expect_no_out $'\033'		# not a terminal: no colour

	km report --format csv
	expect_rc 0
	cp "$OUT" "$T_DIR/own.csv"
	report_csv_import "$T_DIR/own.csv"
	report_expect_eq "$(report_csv_sql 'SELECT count(*) FROM t')" "$RP_NEX" "CSV rows"
	report_expect_eq "$(report_csv_sql "SELECT attempts, self_verdict, regrade_verdict FROM t WHERE exercise = 'vmalloc'")" \
		"2|pass|" "vmalloc row"
	report_expect_eq "$(report_csv_sql "SELECT first_attempt, passed_at FROM t WHERE exercise = 'vmalloc'")" \
		"$(sql "SELECT min(started_at), max(started_at) FROM attempt WHERE exercise = 'vmalloc'")" \
		"vmalloc times"
	# Points, not checks: a failed exercise scores 0 of its 10 (all-or-nothing).
	report_expect_eq "$(report_csv_sql "SELECT attempts, passed_at, self_verdict, score || '/' || max_score FROM t WHERE exercise = 'devres'")" \
		"1||fail|0/10" "devres row"
	report_expect_eq "$(report_csv_sql "SELECT count(*) FROM t WHERE attempts = 0 AND self_verdict = '' AND score = '0' AND max_score = '10'")" 9 \
		"exercises not started"
	# The experiment: counted in the last column, and in nothing else.
	head -n 1 "$T_DIR/own.csv" | grep -q ',max_score,experiments'$'\r''$' ||
		fail "the CSV's last column is not experiments: $(head -n 1 "$T_DIR/own.csv")"
	report_expect_eq "$(report_csv_sql "SELECT exercise, experiments FROM t WHERE experiments != '0'")" \
		"devres|1" "experiments"

	km report --format json
	expect_rc 0
	expect_json "len(j['learners']) == 1 and len(j['learners'][0]['results']['tests']) == $RP_NEX"
	expect_json '[t["status"] for t in j["learners"][0]["results"]["tests"]].count("passed") == 1'
	expect_json '[t for t in j["learners"][0]["results"]["tests"] if t["status"] == "passed"][0]["name"].startswith("Find your vmalloc areas")'
	local devres_fail=$(sql "SELECT name FROM check_result WHERE status = 'fail' AND attempt_id = (SELECT id FROM attempt WHERE exercise = 'devres' AND origin = 'self') ORDER BY seq LIMIT 1")
	[ -n "$devres_fail" ] || fail "the devres skeleton failed no check"
	expect_json "'- $devres_fail: ' in j['learners'][0]['results']['tests'][7]['output']"
	expect_json 'j["learners"][0]["results"]["score"] == sum(t["score"] for t in j["learners"][0]["results"]["tests"])'
	expect_json "j['learners'][0]['results']['score'] == 10 and j['learners'][0]['results']['max_score'] == $RP_PTS"
	report_gradescope "$OUT"
	cp "$OUT" "$T_DIR/own.json"
	report_sums_match "$T_DIR/own.csv" "$T_DIR/own.json"

	km report --format json --learner "$me"
	expect_rc 0
	expect_json "'tests' in j and 'learners' not in j and len(j['tests']) == $RP_NEX"

	km report --out "$T_DIR/me.html"
	expect_rc 0
	expect_out "^report: html report of 1 learner written to '$T_DIR/me.html' \([0-9]+ bytes\)$"
	grep -q 'class="c pass"' "$T_DIR/me.html" || fail "no passed cell in the HTML"
	grep -q 'class="c fail"' "$T_DIR/me.html" || fail "no failed cell in the HTML"
	grep -q "<b>$devres_fail</b>" "$T_DIR/me.html" || fail "the failing check is not in the HTML"
	grep -q '<td class="n">1<span class="muted"[^>]*>, 1 experiment</span></td>' "$T_DIR/me.html" ||
		fail "the devres experiment is not beside its attempt in the HTML"
	! grep -qi '<script' "$T_DIR/me.html" || fail "the HTML has a script"
	ls "$T_DIR" | grep -q '\.tmp\.' && fail "a temporary file was left behind"
	true
}

test_report_class() {
	local cls=$T_DIR/class
	report_class_db "$cls"

	km report --class "$cls"
	expect_rc 0
	expect_out "^class report: 6 learners, $RP_NEX exercises"
	# Sorted by name: the hostile one first ('<'), its escape-free label.
	expect_out '^<script>alert\("pwned"\)</scr… '
	expect_out "^Ada Lovelace \\(ada\\)$(rp_cells · vmalloc=✓2 devres=✗3) +1/$RP_NEX +10/$RP_PTS$"
	expect_out "^<script>.*$(rp_cells · ksize='!1\*')"	# disagreement and stale, at ksize
	expect_out "^Cy Young \\(cy\\)$(rp_cells ·) +0/$RP_NEX +0/$RP_PTS$"
	expect_out "^Eve Online \\(eve\\)$(rp_cells · ksize=✓1) +1/$RP_NEX +10/$RP_PTS$"
	# fay's regrade passed where her own runs failed: a disagreement, passed.
	expect_out "^Fay Wray \\(fay\\)$(rp_cells · slabinfo=!1) +1/$RP_NEX +10/$RP_PTS$"
	expect_out "^passed$(rp_cells 0/6 ksize=1/6 slabinfo=1/6 vmalloc=2/6 devres=1/6)"
	expect_out "^5 of $((6 * RP_NEX)) learner-exercises passed \\($((500 / (6 * RP_NEX)))%\\), 7 started, 2 where self and regrade disagree, 1 stale$"
	expect_out "^mean score 8.33 of $RP_PTS points \\(all-or-nothing credit\\)$"

	# The same through the environment, and one learner.
	KMEMLAB_CLASS=$cls km report --learner dee
	expect_rc 0
	expect_out "^class report: 1 learner, $RP_NEX exercises"
	expect_out "^Dee Dee \\(dee\\) .* 2/$RP_NEX +20/$RP_PTS$"

	km report --class "$cls" --out "$T_DIR/class.csv"
	expect_rc 0
	expect_out "^report: csv report of 6 learners written to '$T_DIR/class.csv'"
	report_csv_import "$T_DIR/class.csv"
	report_expect_eq "$(report_csv_sql 'SELECT count(*) FROM t')" 66 "CSV rows"
	report_expect_eq "$(report_csv_sql 'SELECT count(DISTINCT id) FROM t')" \
		"$(sqlite3 "$cls/class.db" 'SELECT count(*) FROM learner')" "learners"
	report_expect_eq "$(report_csv_sql "SELECT name FROM t WHERE id = 'bob' LIMIT 1")" "$REPORT_HOSTILE" "hostile name"
	report_expect_eq "$(report_csv_sql "SELECT name FROM t WHERE id = 'bob' LIMIT 1")" \
		"$(sqlite3 "$cls/class.db" "SELECT name FROM learner WHERE login = 'bob'")" "name as stored"
	report_expect_eq "$(report_csv_sql "SELECT attempts, first_attempt, passed_at, self_verdict, regrade_verdict, score, max_score FROM t WHERE id = 'ada' AND exercise = 'vmalloc'")" \
		"2|2026-03-01T10:00:00Z|2026-03-01T11:00:00Z|pass|pass|10|10" "ada vmalloc"
	report_expect_eq "$(report_csv_sql "SELECT self_verdict, regrade_verdict, score, max_score FROM t WHERE id = 'bob' AND exercise = 'ksize'")" \
		"pass|fail|0|10" "bob ksize (the regrade's verdict counts)"
	report_expect_eq "$(report_csv_sql "SELECT self_verdict, regrade_verdict, score, max_score FROM t WHERE id = 'fay' AND exercise = 'slabinfo'")" \
		"fail|pass|10|10" "fay slabinfo (the regrade's verdict counts)"
	report_expect_eq "$(report_csv_sql "SELECT attempts, self_verdict, score, experiments FROM t WHERE id = 'fay' AND exercise = 'ksize'")" \
		"0||0|1" "fay ksize (an experiment is not an attempt)"
	report_expect_eq "$(report_csv_sql "SELECT sum(experiments) FROM t")" 1 "experiments"
	report_expect_eq "$(report_csv_sql "SELECT attempts, passed_at, self_verdict, regrade_verdict, score FROM t WHERE id = 'ada' AND exercise = 'devres'")" \
		"3||fail|fail|0" "ada devres"
	report_expect_eq "$(report_csv_sql "SELECT attempts, passed_at FROM t WHERE id = 'dee' AND exercise = 'devres'")" \
		"2|$(sqlite3 "$cls/class.db" "SELECT min(started_at) FROM attempt WHERE learner_id = 13 AND exercise = 'devres' AND verdict = 'pass'")" "dee devres"
	report_expect_eq "$(report_csv_sql "SELECT sum(attempts) FROM t")" \
		"$(sqlite3 "$cls/class.db" "SELECT count(*) FROM attempt WHERE origin = 'self'")" "attempts"
	report_expect_eq "$(report_csv_sql "SELECT count(*) FROM t WHERE id = 'cy' AND attempts = 0 AND score = '0'")" 11 "cy"
	# One exercise passed of eleven: its points, of the course's total.
	report_expect_eq "$(report_csv_sql "SELECT sum(score), sum(max_score) FROM t WHERE id = 'eve'")" \
		"10|$(report_course_points)" "eve's sums"
	report_expect_eq "$(report_csv_sql "SELECT count(DISTINCT max_score) FROM (SELECT id, sum(max_score) AS max_score FROM t GROUP BY id)")" 1 \
		"every learner's maximum is the same"

	km report --class "$cls" --format json --out "$T_DIR/class.json"
	expect_rc 0
	cp "$T_DIR/class.json" "$OUT"
	expect_json '[l["id"] for l in j["learners"]] == ["bob", "ada", "cy", "dee", "eve", "fay"]'
	expect_json 'j["learners"][0]["name"] == """'"$REPORT_HOSTILE"'"""'
	expect_json "all(len(l['results']['tests']) == $RP_NEX for l in j['learners'])"
	expect_json 'all(t["status"] in ("passed", "failed") for l in j["learners"] for t in l["results"]["tests"])'
	expect_json '[t["status"] for t in j["learners"][1]["results"]["tests"]].count("passed") == 1'
	expect_json '"clean regrade says fail" in j["learners"][0]["results"]["tests"][0]["output"]'
	expect_json '"not the one the learner graded" in j["learners"][0]["results"]["tests"][0]["output"]'
	expect_json '"devres_add: <img" in j["learners"][1]["results"]["tests"][7]["output"]'
	expect_json 'j["learners"][3]["results"]["score"] == 20 and j["learners"][3]["results"]["tests"][7]["max_score"] == 10'
	expect_json 'j["learners"][4]["results"]["score"] == 10 and j["learners"][4]["results"]["max_score"] == '"$(report_course_points)"
	expect_json 'all(t["score"] == 0 and t["max_score"] == 10 for t in j["learners"][2]["results"]["tests"])'
	expect_json '[t["status"] for t in j["learners"][5]["results"]["tests"]][1] == "passed"'
	expect_json '"clean regrade says pass" in j["learners"][5]["results"]["tests"][1]["output"]'
	report_gradescope "$T_DIR/class.json"
	! grep -qi experiment "$T_DIR/class.json" || fail "the JSON speaks of experiments"
	report_sums_match "$T_DIR/class.csv" "$T_DIR/class.json"

	km report --class "$cls" --format json --learner ada
	expect_rc 0
	expect_json "j['score'] == 10 and j['max_score'] == $RP_PTS and [t['status'] for t in j['tests']].count('passed') == 1"
	report_gradescope "$OUT"

	km report --class "$cls" --format html --out "$T_DIR/class.page"
	expect_rc 0
	local h=$T_DIR/class.page
	! grep -qi '<script' "$h" || fail "the HTML has a <script> element"
	! grep -q '<img' "$h" || fail "a check's output became markup"
	! grep -Eqi '(src|href)="?(https?:|//)|url\(' "$h" || fail "the HTML loads something from elsewhere"
	grep -q '&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;' "$h" || fail "the hostile name is not escaped text"
	grep -q '<td class="c dis stale"' "$h" || fail "no disagreeing, stale cell"
	[ "$(grep -o '<section class="learner"' "$h" | wc -l)" = 6 ] || fail "not one section per learner"
	grep -q 'href="#l-13"' "$h" && grep -q 'id="l-13"' "$h" || fail "no anchor from the matrix to dee's section"
	[ "$(grep -o ', 1 experiment</span>' "$h" | wc -l)" = 1 ] || fail "fay's experiment is not in her section alone"
	grep -q '@media print' "$h" || fail "no print style"
	grep -q '<svg' "$h" || fail "no chart"

	# Bad input: clear errors, and nothing written or lost.
	km report --class "$T_DIR/nowhere"
	expect_rc 2
	expect_err "'$T_DIR/nowhere' is not a kmemlab class directory \(no class.db\): create one with kmemlab class init"
	[ ! -e "$T_DIR/nowhere" ] || fail "a class directory was created"
	km report --class "$cls" --format pdf
	expect_rc 2
	expect_err "unknown format 'pdf': use table, csv, html or json"
	km report --class "$cls" --learner zed
	expect_rc 2
	expect_err "no learner 'zed' in '$cls/class.db'"
	km report --class "$cls" --out "$T_DIR/no/such/dir/r.csv"
	expect_rc 2
	expect_err "cannot write '$T_DIR/no/such/dir/r.csv': directory '$T_DIR/no/such/dir' does not exist"
	echo keep > "$T_DIR/keep.csv"
	km report --class "$cls" --learner zed --out "$T_DIR/keep.csv"
	expect_rc 2
	[ "$(cat "$T_DIR/keep.csv")" = keep ] || fail "a failed report replaced the file"
	km report --class "$cls" stray
	expect_rc 2
	expect_err "unexpected argument 'stray'"
}

# report_png_count PNG: pixels of the passed, failed and disagreement
# colours of the HTML report (exact, give or take 3 per channel).
report_png_count() {
	python3 - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
assert depth == 8 and ctype in (2, 6) and interlace == 0, "unexpected PNG format"
bpp = 4 if ctype == 6 else 3
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
want = {"pass": (0x2f, 0x9e, 0x57), "fail": (0xd6, 0x45, 0x45), "dis": (0xf2, 0xb7, 0x05)}
count = dict.fromkeys(want, 0)
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    if f == 1:
        for i in range(bpp, stride):
            line[i] = (line[i] + line[i - bpp]) & 255
    elif f == 2:
        line = bytearray((a + b) & 255 for a, b in zip(line, prev))
    elif f == 3:
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
    elif f == 4:
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        px = line[x:x + 3]
        for k, (r, g, b) in want.items():
            if abs(px[0] - r) <= 3 and abs(px[1] - g) <= 3 and abs(px[2] - b) <= 3:
                count[k] += 1
    prev = line
print(w, h, count["pass"], count["fail"], count["dis"])
PY
}

test_report_html_chromium() {
	local cls=$T_DIR/class chromium=/usr/bin/chromium
	[ -x "$chromium" ] || { fail "no $chromium: make deps installs the chromium package"; return; }
	report_class_db "$cls"
	km report --class "$cls" --out "$T_DIR/class.html"
	expect_rc 0
	# Chromium wants a writable profile and home of its own; no network is needed.
	mkdir -p "$T_DIR/chromium-home"
	HOME=$T_DIR/chromium-home timeout 300 "$chromium" --headless --no-sandbox --disable-gpu \
		--user-data-dir="$T_DIR/chromium-profile" --hide-scrollbars --window-size=1280,900 \
		--screenshot="$T_DIR/shot.png" "file://$T_DIR/class.html" > "$T_DIR/chromium.log" 2>&1
	[ -s "$T_DIR/shot.png" ] || { fail "chromium made no screenshot"; tail -n 20 "$T_DIR/chromium.log"; return; }
	HOME=$T_DIR/chromium-home timeout 300 "$chromium" --headless --no-sandbox --disable-gpu \
		--user-data-dir="$T_DIR/chromium-profile" --dump-dom "file://$T_DIR/class.html" \
		> "$T_DIR/dom.html" 2> "$T_DIR/chromium-dom.log"
	grep -q '<table class="matrix">' "$T_DIR/dom.html" || fail "the DOM has no matrix"
	! grep -qi '<script' "$T_DIR/dom.html" || fail "the DOM has a script"
	# The hostile name stayed text in the DOM.
	grep -q '&lt;script&gt;alert("pwned")&lt;/script&gt;' "$T_DIR/dom.html" ||
		fail "the hostile name is not text in the DOM"
	[ "$(grep -o '<td class="c ' "$T_DIR/dom.html" | wc -l)" = $((6 * RP_NEX)) ] || fail "the matrix has not 6 x $RP_NEX cells"

	local w h pass failc dis
	read -r w h pass failc dis < <(report_png_count "$T_DIR/shot.png")
	echo "screenshot ${w}x${h}: $pass passed-cell pixels, $failc failed, $dis disagreement"
	[ "$w" = 1280 ] || fail "screenshot width $w"
	# Four passed cells (and a disagreement that counts as passed), one
	# failed and two disagreements, each cell about 64 x 30 pixels less
	# its text.
	[ "${pass:-0}" -gt 3000 ] || fail "the passed cells are not visible ($pass pixels)"
	[ "${failc:-0}" -gt 1000 ] || fail "the failed cells are not visible ($failc pixels)"
	[ "${dis:-0}" -gt 600 ] || fail "the disagreement cell is not visible ($dis pixels)"
}

test_report_html_folder() {
	local cls=$T_DIR/class site=$T_DIR/site
	report_class_db "$cls"
	km report --class "$cls" --out "$site/"
	expect_rc 0
	expect_out "^report: html folder of 6 learners written to '$site/': index.html and a page per learner in learners/$"
	[ -f "$site/index.html" ] && [ -f "$site/style.css" ] || fail "no index.html or style.css in '$site'"
	grep -q '<table class="matrix">' "$site/index.html" || fail "no matrix in the index"
	grep -q '<svg' "$site/index.html" || fail "no chart in the index"
	grep -q 'The checks failed most' "$site/index.html" || fail "no failed checks in the index"
	! grep -q '<section class="learner"' "$site/index.html" || fail "the learners' sections are in the index"
	[ "$(grep -o '<td class="c ' "$site/index.html" | wc -l)" = $((6 * RP_NEX)) ] || fail "the index's matrix has not 6 x $RP_NEX cells"
	local ids=$(sqlite3 "$cls/class.db" "SELECT id FROM learner WHERE is_self = 0 ORDER BY id")
	for id in $ids; do
		local page=$site/learners/$id.html
		[ -f "$page" ] || { fail "no page for learner $id"; continue; }
		grep -q "href=\"learners/$id.html\"" "$site/index.html" || fail "the index does not link to $page"
		grep -q 'href="../index.html#matrix"' "$page" || fail "$page does not link back to the index"
		grep -q '<section class="learner"' "$page" || fail "$page has no learner section"
		! grep -qi '<script' "$page" || fail "$page has a script"
	done
	[ "$(ls "$site/learners" | wc -l)" = "$(echo $ids | wc -w)" ] || fail "not one page per learner: $(ls "$site/learners")"
	grep -q '&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;' "$site/learners/11.html" ||
		fail "the hostile name is not escaped text on its page"
	! grep -Eqi '(src|href)="?(https?:|//)|url\(' "$site"/index.html "$site"/learners/*.html ||
		fail "the folder loads something from elsewhere"
	ls -a "$site" "$site/learners" | grep -q '\.tmp\.' && fail "a temporary file was left behind"

	# A directory that exists is a folder too, slash or not; written again in place.
	km report --class "$cls" --out "$site"
	expect_rc 0
	expect_out "written to '$site': index.html"
	km report --class "$cls" --format csv --out "$site/"
	expect_rc 2
	expect_err "--out '$site/' is a folder, which holds an html report, not csv: name a file for csv"
	km report --class "$cls" --out "$T_DIR/no/such/site/"
	expect_rc 2
	expect_err "cannot write '$T_DIR/no/such/site/': directory '$T_DIR/no/such' does not exist"
	[ ! -e "$T_DIR/no" ] || fail "a missing parent directory was created"
}

# Partial credit, declared once in the course's course.json (a copy of the
# course here): an exercise not passed earns its share of its checks.
test_report_partial_credit() {
	local cls=$T_DIR/class data=$T_DIR/data
	mkdir -p "$data"
	cp -r "$TOP/lessons" "$TOP/modules" "$data/"
	echo '{ "credit": "partial" }' > "$data/lessons/course.json"
	# A class of that course: its reports follow the course's credit.
	KMEMLAB_DATA=$data report_class_db "$cls"
	KMEMLAB_DATA=$data km lessons --json
	expect_rc 0
	expect_json 'j["credit"] == "partial" and j["points"] == 110'
	# bob's ksize: the regrade failed with 6 of 8 checks: 7.5 of 10.
	KMEMLAB_DATA=$data km report --class "$cls" --format json --learner bob
	expect_rc 0
	report_gradescope "$OUT"
	expect_json 'j["tests"][0]["score"] == 7.5 and j["score"] == 7.5 and j["max_score"] == 110'
	expect_json '"partial credit: 6 of 8 checks of the clean regrade" in j["tests"][0]["output"]'
	# ada's devres: the regrade failed with 6 of 10 checks (her best own
	# attempt had 8, but the regrade counts): 6 of 10 points.
	KMEMLAB_DATA=$data km report --class "$cls" --format csv --out "$T_DIR/partial.csv"
	expect_rc 0
	KMEMLAB_DATA=$data km report --class "$cls" --format json --out "$T_DIR/partial.json"
	expect_rc 0
	report_csv_import "$T_DIR/partial.csv"
	report_expect_eq "$(report_csv_sql "SELECT score, max_score FROM t WHERE id = 'ada' AND exercise = 'devres'")" \
		"6|10" "ada devres, partial"
	report_sums_match "$T_DIR/partial.csv" "$T_DIR/partial.json"
	KMEMLAB_DATA=$data km report --class "$cls"
	expect_rc 0
	expect_out '^mean score 10.58 of 110 points \(partial credit\)$'

	echo '{ "credit": "half" }' > "$data/lessons/course.json"
	KMEMLAB_DATA=$data km report --class "$cls"
	expect_rc 2
	expect_err "course file '$data/lessons/course.json': 'credit' must be \"all-or-nothing\" or \"partial\", not \"half\""
}

test_report_refuses_a_learner_database_as_a_class() {
	mkdir -p "$T_DIR/mine"
	KMEMLAB_DB=$T_DIR/mine/class.db km progress
	expect_rc 0
	km report --class "$T_DIR/mine"
	expect_rc 2
	expect_err "is a learner's database, not a class database"
}
