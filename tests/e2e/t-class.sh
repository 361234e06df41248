# The instructor's side: learners submit bundles, the class imports them,
# validates them and regrades them in clean VMs.  Learners do real checks
# of ksize and vmalloc, each under their own KMEMLAB_HOME.
CL_TAMPER=$TOP/tests/e2e/class_tamper.py

# cl_learner ID NAME EXERCISE:WHICH...: a learner (WHICH is solution or
# skeleton) who copies the sources into the workspace, checks each there
# and submits to $T_DIR/ID.tar.gz.
cl_learner() {
	local id=$1 name=$2 spec ex which
	shift 2
	export KMEMLAB_HOME=$T_DIR/$id
	km whoami --id "$id" --name "$name"
	expect_rc 0
	for spec in "$@"; do
		ex=${spec%%:*}
		which=${spec#*:}
		mkdir -p "$KMEMLAB_HOME/workspace"
		cp -r "$TOP/modules/exercises/$ex/$which" "$KMEMLAB_HOME/workspace/$ex"
		km check "$ex" --source "$KMEMLAB_HOME/workspace/$ex" --json
		[ "$which" = solution ] && expect_rc 0 || expect_rc 1
	done
}

cl_submit() {
	km submit --out "$T_DIR/$1.tar.gz"
	expect_rc 0
	expect_out "wrote .*$1.tar.gz for $1"
}

# cl_descendants PID: every process under PID.
cl_descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		cl_descendants "$c"
	done
}

csql() {
	sqlite3 "$T_DIR/class/class.db" "$1"
}

# cl_counts: how many of each thing the class database holds, to compare.
cl_counts() {
	csql 'select count(*) from learner; select count(*) from submission;
		select count(*) from attempt; select count(*) from answer;
		select count(*) from submitted_file'
}

test_class_whoami_id_set_once() {
	km whoami
	expect_rc 0
	expect_out "^id: +$(id -un) \(from your login"
	km whoami --id 'bad id!'
	expect_rc 2
	expect_err "learner id 'bad id!' may hold only letters"
	km whoami --id s1234 --name 'Ada Lovelace'
	expect_rc 0
	km whoami --id s9999
	expect_rc 2
	expect_err "already 's1234' and cannot change: your instructor matches submissions by id"
	km whoami --name 'Ada King'
	expect_rc 0
	km whoami
	expect_out '^id: +s1234$'
	expect_out '^name: +Ada King$'
}

test_class_no_class_database() {
	km class import --class "$T_DIR/nowhere" x.tar.gz
	expect_rc 2
	expect_err "no class database in '.*nowhere': 'kmemlab class init"
	km class regrade
	expect_rc 2
	expect_err "no class database in '.'"
	# A learner's database is not a class database.
	km whoami
	mkdir -p "$T_DIR/fake"
	cp "$KMEMLAB_HOME/kmemlab.db" "$T_DIR/fake/class.db"
	km class regrade --class "$T_DIR/fake"
	expect_rc 2
	expect_err "is a learner's database, not a class database"
}

# Three learners: submit -> class import -> class regrade --jobs 2.
test_class_three_learners() {
	cl_learner s1 'Ada Lovelace' ksize:solution vmalloc:solution
	cl_submit s1
	cl_learner s2 'Alan Turing' ksize:solution vmalloc:skeleton
	cl_submit s2
	# s3 failed with the skeleton, then edited their own database to claim a
	# pass, checks and score too: the bundle is consistent with itself.
	cl_learner s3 'Eve Mallory' ksize:skeleton
	sql "update attempt set verdict = 'pass', score = max_score"
	sql "update check_result set status = 'pass'"
	cl_submit s3

	km class init "$T_DIR/class"
	expect_rc 0
	km class init "$T_DIR/class"
	expect_rc 0
	export KMEMLAB_CLASS=$T_DIR/class
	km class import "$T_DIR/s1.tar.gz" "$T_DIR/s2.tar.gz" "$T_DIR/s3.tar.gz"
	expect_rc 0
	expect_out "imported '.*s1.tar.gz': learner s1 \(Ada Lovelace\), 2 exercises, 2 new attempts"
	expect_out "3 imported, 0 already imported, 0 rejected"
	[ "$(csql 'select count(*) from learner where is_self = 0')" = 3 ] || fail "not 3 learners"
	[ "$(csql 'select count(*) from submission')" = 3 ] || fail "not 3 submissions"
	[ "$(csql "select group_concat(l.login || ':' || se.exercise || ':' || se.self_verdict || ':' || se.self_stale, ' ') from submission_exercise se join submission s on s.id = se.submission_id join learner l on l.id = s.learner_id order by 1")" \
		= "s1:ksize:pass:0 s1:vmalloc:pass:0 s2:ksize:pass:0 s2:vmalloc:fail:0 s3:ksize:pass:0" ] ||
		fail "self verdicts: $(csql 'select * from submission_exercise')"
	[ "$(csql "select count(*) from submitted_file where exercise = 'ksize' and path = 'ksize_ex.c'")" = 3 ] ||
		fail "sources not stored"

	# The same bundle again changes nothing.
	before=$(cl_counts)
	km class import "$T_DIR/s2.tar.gz"
	expect_rc 0
	expect_out "already imported \(learner s2\)"
	[ "$(cl_counts)" = "$before" ] ||
		fail "a re-import changed the class database"
	# A newer bundle of s1 with one more attempt adds only that attempt.
	export KMEMLAB_HOME=$T_DIR/s1
	km check ksize --source "$T_DIR/s1/workspace/ksize" --json
	expect_rc 0
	km submit --out "$T_DIR/s1b.tar.gz"
	km class import "$T_DIR/s1b.tar.gz"
	expect_rc 0
	expect_out "learner s1 \(Ada Lovelace\), 2 exercises, 1 new attempt,"
	[ "$(csql "select count(*) from attempt a join learner l on l.id = a.learner_id where l.login = 's1'")" = 3 ] ||
		fail "attempts of s1 not deduplicated"

	km class regrade --jobs 2
	expect_rc 1
	expect_out "regrade: 5 jobs of 5 to run"
	expect_out "regraded 5 jobs in .*: 3 passed, 2 not passed, 0 could not be graded"
	expect_out "^s3 ksize: self pass, regrade fail$"
	expect_no_out "^s2 vmalloc: self"
	expect_err "s1 ksize: pass [0-9]+/[0-9]+"
	[ "$(csql "select group_concat(l.login || ':' || a.exercise || ':' || a.verdict, ' ') from (select * from attempt order by learner_id, exercise) a join learner l on l.id = a.learner_id where a.origin = 'regrade'")" \
		= "s1:ksize:pass s1:vmalloc:pass s2:ksize:pass s2:vmalloc:fail s3:ksize:fail" ] ||
		fail "regrade verdicts: $(csql "select learner_id, exercise, verdict from attempt where origin = 'regrade'")"
	# Regraded against the latest submission, from the submitted sources.
	[ "$(csql "select count(*) from attempt a join submission_exercise se on se.submission_id = a.submission_id and se.exercise = a.exercise where a.origin = 'regrade' and a.source_hash = se.source_hash")" = 5 ] ||
		fail "regrade attempts do not carry the submitted source hash"
	[ -s "$T_DIR/class/regrade-logs/s3-ksize.log" ] || fail "no log of the s3 ksize job"

	# The class's reports, from what was really imported and regraded.
	km report --format csv
	expect_rc 0
	expect_out '^s3,Eve Mallory,ksize,1,[^,]+,[^,]+,pass,fail,'
	expect_out '^s2,Alan Turing,vmalloc,1,[^,]*,,fail,fail,'
	km report --format json --learner s1
	expect_rc 0
	expect_json 'sum(t["status"] == "passed" for t in j["tests"]) == 2 and j["score"] > 0'
	km report --out "$T_DIR/class.html"
	expect_rc 0
	for who in 'Ada Lovelace' 'Alan Turing' 'Eve Mallory'; do
		grep -q "$who" "$T_DIR/class.html" || fail "the HTML report lacks $who"
	done
	! grep -qi '<script' "$T_DIR/class.html" || fail "the HTML report has a script"

	# Done jobs are not run again; --force with filters redoes one.
	km class regrade
	expect_rc 1
	expect_out "regrade: 0 jobs of 5 to run \(5 already regraded"
	km class regrade --learner s1 --exercise ksize --force
	expect_rc 0
	expect_out "regrade: 1 job of 1 to run"
	[ "$(csql "select count(*) from attempt where origin = 'regrade'")" = 6 ] || fail "--force did not regrade"
	km class regrade --learner nobody
	expect_rc 2
	expect_err "no submission from learner 'nobody'"

	# Interrupted, then resumed where it stopped, in a second class.
	km class init "$T_DIR/class2"
	KMEMLAB_CLASS=$T_DIR/class2 km class import "$T_DIR/s1.tar.gz" "$T_DIR/s2.tar.gz" "$T_DIR/s3.tar.gz"
	tmps_before=$(ls -d /tmp/kmemlab-regrade-* 2>/dev/null | wc -l)
	KMEMLAB_CLASS=$T_DIR/class2 "$KMEMLAB" class regrade --jobs 1 > "$T_DIR/int.out" 2> "$T_DIR/int.err" &
	pid=$!
	# Wait for one saved verdict and a lab VM of the next job under way.
	vms=
	for _ in $(seq 1 600); do
		n=$(sqlite3 "$T_DIR/class2/class.db" "select count(*) from attempt where origin = 'regrade'" 2>/dev/null)
		vms=$(cl_descendants $pid | xargs -r ps -o pid=,comm= -p | awk '$2 ~ /qemu/ {print $1}')
		[ "${n:-0}" -ge 1 ] && [ -n "$vms" ] && break
		sleep 0.2
	done
	[ -n "$vms" ] || fail "no lab VM seen under the regrade"
	workers=$(pgrep -P $pid)
	kill -INT $pid
	wait $pid
	rc=$?
	# The workers and their VMs go with it (polled, not timed: up to 10 s).
	for _ in $(seq 1 50); do
		left=$(for p in $workers $vms; do kill -0 $p 2>/dev/null && echo $p; done)
		[ -z "$left" ] && break
		sleep 0.2
	done
	[ -z "$left" ] || fail "processes left after the interrupt: $left"
	# The stopped worker removed its copy of the learner's sources.
	[ "$(ls -d /tmp/kmemlab-regrade-* 2>/dev/null | wc -l)" = "$tmps_before" ] ||
		fail "an interrupted regrade left its sources in /tmp: $(ls -d /tmp/kmemlab-regrade-*)"
	cat "$T_DIR/int.out" "$T_DIR/int.err"
	[ $rc = 1 ] || fail "interrupted regrade exit status $rc"
	grep -q "regrade interrupted: .* run 'kmemlab class regrade' again to resume" "$T_DIR/int.out" ||
		fail "no resume hint"
	n=$(sqlite3 "$T_DIR/class2/class.db" "select count(*) from attempt where origin = 'regrade'")
	[ "$n" -ge 1 ] && [ "$n" -lt 5 ] || fail "$n regrade attempts after the interrupt"
	KMEMLAB_CLASS=$T_DIR/class2 km class regrade --jobs 2
	expect_out "regrade: $((5 - n)) jobs? of 5 to run \($n already regraded"
	[ "$(sqlite3 "$T_DIR/class2/class.db" "select count(*) from attempt where origin = 'regrade'")" = 5 ] ||
		fail "the resumed regrade did not finish the rest"
}

# Tampered bundles: each rejected with its reason and nothing stored, or
# (a source changed after grading) imported and flagged.
test_class_tampered_bundles() {
	local kind
	cl_learner s7 'Tam Perer' ksize:solution
	cl_submit s7
	km class init "$T_DIR/class"
	export KMEMLAB_CLASS=$T_DIR/class
	for kind in badhash traversal absolute symlink huge verdict stale; do
		python3 "$CL_TAMPER" "$T_DIR/s7.tar.gz" "$T_DIR/$kind.tar.gz" $kind ||
			fail "cannot make the $kind bundle"
	done
	echo 'not a bundle' > "$T_DIR/junk.tar.gz"
	cl_reject() {
		km class import "$T_DIR/$1.tar.gz"
		expect_rc 1
		expect_err "rejected '.*$1.tar.gz': $2.*; nothing of it was stored"
	}
	cl_reject badhash "member 'sources/ksize/ksize_ex.c' has sha256 [0-9a-f]{64} but the manifest says [0-9a-f]{64}: it was changed after the bundle was made"
	cl_reject traversal "member '../evil.c' has a '..' component"
	cl_reject absolute "member '/tmp/evil.c' has an absolute path"
	cl_reject symlink "member 'sources/ksize/link.c' is a symbolic link: only regular files"
	cl_reject huge "member 'sources/ksize/huge.c' is 5242880 bytes, over the 4 MiB limit"
	cl_reject verdict "attempt at 'ksize' of [0-9TZ:-]+ says 'pass' but its check '[a-z_]+' is 'fail': the attempt was edited"
	cl_reject junk "not a readable bundle"
	[ "$(csql 'select (select count(*) from learner) + (select count(*) from submission) + (select count(*) from attempt) + (select count(*) from submitted_file) + (select count(*) from answer)')" = 0 ] ||
		fail "a rejected bundle left rows in the class database"
	[ ! -e "$T_DIR/evil.c" ] && [ ! -e /tmp/evil.c ] || fail "a member was written out"

	km class import "$T_DIR/stale.tar.gz"
	expect_rc 0
	expect_err "learner 's7', exercise 'ksize': the submitted source [0-9a-f]{64} is not the source [0-9a-f]{64} that was graded 'pass': it changed after grading"
	[ "$(csql "select self_verdict || ':' || self_stale from submission_exercise")" = "pass:1" ] ||
		fail "the changed source is not flagged"
	# The honest bundle is a second submission that brings nothing new.
	km class import "$T_DIR/s7.tar.gz"
	expect_rc 0
	expect_out "0 new attempts"
	[ "$(csql 'select count(*) from submission')" = 2 ] || fail "not 2 submissions"
}

# A regrade builds on the instructor's machine: it takes only the learner's
# .c and .h files, with the course's own Kbuild, so a hostile Kbuild or
# Makefile in a bundle runs nothing there.
test_class_regrade_ignores_learner_build_files() {
	cl_learner s4 'Mallory Make' ksize:solution
	printf 'obj-m := ksize_ex.o\n$(shell touch %s/pwned)\n' "$T_DIR" > "$KMEMLAB_HOME/workspace/ksize/Kbuild"
	cp "$KMEMLAB_HOME/workspace/ksize/Kbuild" "$KMEMLAB_HOME/workspace/ksize/Makefile"
	rm -f "$T_DIR/pwned"
	cl_submit s4
	km class init "$T_DIR/class"
	export KMEMLAB_CLASS=$T_DIR/class
	km class import "$T_DIR/s4.tar.gz"
	expect_rc 0
	km class regrade
	expect_out "regraded 1 job .*: 1 passed"
	[ ! -e "$T_DIR/pwned" ] || fail "the learner's Kbuild ran on the instructor's machine"
	grep -q "left out submitted file 'Kbuild'" "$T_DIR/class/regrade-logs/s4-ksize.log" ||
		fail "the regrade log does not say the Kbuild was left out"
}

# A job that could not be graded (here its worker is killed, as a VM that
# never came up would end it) runs once more before it counts as an error.
test_class_regrade_runs_a_lost_job_again() {
	cl_learner s5 'Retry Rita' vmalloc:solution
	cl_submit s5
	km class init "$T_DIR/class"
	export KMEMLAB_CLASS=$T_DIR/class
	km class import "$T_DIR/s5.tar.gz"
	expect_rc 0
	"$KMEMLAB" class regrade > "$T_DIR/re.out" 2> "$T_DIR/re.err" &
	pid=$!
	worker=
	for _ in $(seq 1 600); do
		worker=$(pgrep -P $pid | head -n 1)
		[ -n "$worker" ] && break
		sleep 0.1
	done
	[ -n "$worker" ] || fail "no regrade worker seen"
	kill -9 "$worker"
	wait $pid
	RC=$?
	OUT=$T_DIR/re.out
	ERR=$T_DIR/re.err
	cat "$OUT" "$ERR"
	expect_rc 0
	expect_err "s5 vmalloc could not be graded; running it once more"
	expect_out "regraded 1 job .*: 1 passed, 0 not passed, 0 could not be graded"
	[ "$(csql "select count(*) from attempt where origin = 'regrade'")" = 1 ] || fail "not one regrade saved"
}

# The tests below need no lab VM: their learners submit files and answers,
# never a graded attempt, and their regrades find no C source to build.

# cl_files ID NAME FILE...: a learner whose workspace holds FILEs (paths
# under the workspace, each with a line of text), with id and name set.
cl_files() {
	local id=$1 name=$2 f
	shift 2
	export KMEMLAB_HOME=$T_DIR/$id
	km whoami --id "$id" --name "$name"
	expect_rc 0
	for f in "$@"; do
		mkdir -p "$(dirname "$KMEMLAB_HOME/workspace/$f")"
		echo "$f" > "$KMEMLAB_HOME/workspace/$f"
	done
}

# A wrong or forged learner clock decides nothing: the bundle imported last
# is the learner's latest submission, the one the regrade takes.
test_class_latest_submission_is_the_last_imported() {
	cl_files s8 'Ada Lovelace' ksize/notes.txt
	cl_submit s8
	python3 "$CL_TAMPER" "$T_DIR/s8.tar.gz" "$T_DIR/s8-2099.tar.gz" future ||
		fail "cannot make the future bundle"
	km class init "$T_DIR/class"
	export KMEMLAB_CLASS=$T_DIR/class
	km class import "$T_DIR/s8-2099.tar.gz"
	expect_rc 0
	expect_err "warning: '.*s8-2099.tar.gz': it says it was made at 2099-01-01T00:00:00Z, [0-9]+ days ahead of this machine's clock: learner s8's clock is wrong or the bundle was edited"
	expect_out "imported '.*s8-2099.tar.gz'"
	# The learner's real, later work, under a corrected name.
	echo 'the real one' > "$KMEMLAB_HOME/workspace/ksize/notes.txt"
	km whoami --name 'Ada King'
	km submit --out "$T_DIR/s8-real.tar.gz"
	expect_rc 0
	km class import "$T_DIR/s8-real.tar.gz"
	expect_rc 0
	expect_err "warning: '.*s8-real.tar.gz': learner s8 changed name: 'Ada Lovelace' -> 'Ada King'"
	expect_err "warning: '.*s8-real.tar.gz': learner s8 made it at [0-9T:-]+Z, before their bundle made at 2099-01-01T00:00:00Z that was imported at [0-9T:-]+Z: this one, imported last, is now their latest submission"
	[ "$(csql "select name from learner where login = 's8'")" = 'Ada King' ] || fail "the new name is not kept"
	real=$(csql "select max(id) from submission")
	# No C source: each job is an 'error' saved without booting a VM.
	km class regrade
	expect_rc 0
	expect_out "regrade: 1 job of 1 to run"
	[ "$(csql "select submission_id from attempt where origin = 'regrade'")" = "$real" ] ||
		fail "the regrade took submission $(csql "select submission_id from attempt where origin = 'regrade'"), not the one imported last ($real)"
	# Importing the 2099 bundle again changes nothing, and so decides nothing.
	km class import "$T_DIR/s8-2099.tar.gz"
	expect_rc 0
	expect_out "already imported \(learner s8\); nothing changed"
	km class regrade --force
	[ "$(csql "select submission_id from attempt where origin = 'regrade' order by id desc limit 1")" = "$real" ] ||
		fail "a re-import changed the latest submission"
}

# Submit and import judge file names by one rule: UTF-8 is carried as it
# is, whatever the locale; a tab (or any control) is refused by both.
test_class_file_names_one_rule() {
	cl_files s9 'Zoë Name' "ksize/été.c" ksize/plain.c
	LC_ALL=C km submit --out "$T_DIR/s9.tar.gz"
	expect_rc 0
	python3 -c 'import sys, tarfile; n = tarfile.open(sys.argv[1]).getnames(); sys.exit("sources/ksize/été.c" not in n)' "$T_DIR/s9.tar.gz" ||
		fail "the bundle does not carry sources/ksize/été.c"
	km class init "$T_DIR/class"
	export KMEMLAB_CLASS=$T_DIR/class
	LC_ALL=C km class import "$T_DIR/s9.tar.gz"
	expect_rc 0
	expect_out "imported '.*s9.tar.gz': learner s9 \(Zoë Name\), 1 exercise"
	[ "$(csql "select group_concat(path, ',') from (select path from submitted_file order by path)")" = "plain.c,été.c" ] ||
		fail "stored names: $(csql 'select path from submitted_file')"

	# A tab in a name: submit says which file and writes nothing.
	printf 'int x;\n' > "$KMEMLAB_HOME/workspace/ksize/a$(printf '\t')b.c"
	printf 'int y;\n' > "$KMEMLAB_HOME/workspace/ksize/$(printf 'bad\xe9').c"
	km submit --out "$T_DIR/s9-tab.tar.gz"
	expect_rc 2
	expect_err "cannot submit '.*/workspace/ksize/a\\\\tb.c': the name has the control character U\+0009 at byte 2, so your instructor's 'class import' would refuse the bundle: rename or remove the file, then submit again"
	expect_err "cannot submit '.*/workspace/ksize/bad\\\\xe9.c': the name has the byte 0xE9 at byte 4, which is not UTF-8"
	expect_err "2 file names cannot go into a bundle: nothing was written"
	[ -z "$(ls "$T_DIR" | grep 's9-tab')" ] || fail "submit left a bundle or a temporary file: $(ls "$T_DIR")"
	! grep -q "$(printf '\t')" "$ERR" || fail "the tab reached the terminal as it is"

	# The import refuses the same name by the same rule.
	python3 "$CL_TAMPER" "$T_DIR/s9.tar.gz" "$T_DIR/s9-tabbed.tar.gz" tabname ||
		fail "cannot make the tabname bundle"
	before=$(cl_counts)
	km class import "$T_DIR/s9-tabbed.tar.gz"
	expect_rc 1
	expect_err "rejected '.*s9-tabbed.tar.gz': member 'sources/ksize/a\\\\tb.c' has a name no bundle may have: the name has the control character U\+0009 at byte 2 .*; nothing of it was stored"
	[ "$(cl_counts)" = "$before" ] ||
		fail "a rejected bundle changed the class database"
}

# Nothing a learner wrote drives the instructor's terminal: names with C1,
# raw 0x9B or bidirectional controls are refused (and shown escaped), free
# text keeps its words with U+FFFD where such a character was.
test_class_import_refuses_terminal_controls() {
	cl_files s10 'Eve Mallory' ksize/notes.txt
	cl_submit s10
	km class init "$T_DIR/class"
	export KMEMLAB_CLASS=$T_DIR/class
	for kind in bidiname c1name rawname escapes; do
		python3 "$CL_TAMPER" "$T_DIR/s10.tar.gz" "$T_DIR/$kind.tar.gz" $kind ||
			fail "cannot make the $kind bundle"
	done
	cl_refused() {
		km class import "$T_DIR/$1.tar.gz"
		expect_rc 1
		expect_err "rejected '.*$1.tar.gz': $2.*; nothing of it was stored"
		# No C1 (as UTF-8 or a raw byte), no bidi control, no ESC.
		! LC_ALL=C grep -qaP '\xc2[\x80-\x9f]|\x9b|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]|\x1b' "$OUT" "$ERR" ||
			fail "a terminal control of the $1 bundle reached the output"
	}
	cl_refused bidiname "its manifest's learner name 'Eve \\\\u202eevE' has the bidirectional control U\+202E at byte 5: the learner sets a plain one with 'kmemlab whoami --name NAME'"
	cl_refused c1name "its manifest's learner name 'Eve \\\\u009b2J' has the C1 control character U\+009B at byte 5"
	cl_refused rawname "its manifest's learner name 'Eve \\\\x9b2J' has the byte 0x9B at byte 5, which is not UTF-8"
	[ "$(csql 'select (select count(*) from learner) + (select count(*) from submission)')" = 0 ] ||
		fail "a rejected bundle left rows in the class database"

	# Free text is kept, made harmless, and the instructor is told.
	km class import "$T_DIR/escapes.tar.gz"
	expect_rc 0
	expect_err "warning: '.*escapes.tar.gz': learner s10's summaries, transcripts, check results or answers had 5 characters that could drive a terminal \(control or bidirectional characters, bytes that are not UTF-8\), stored as U\+FFFD"
	[ "$(csql "select summary from attempt")" = "build: �]0;pwned� failed" ] ||
		fail "summary stored as: $(csql 'select summary from attempt')"
	[ "$(csql "select observed from check_result")" = "�[2J�terces" ] ||
		fail "observed stored as: $(csql 'select observed from check_result')"
	[ "$(csql "select answer from answer")" = "6�3" ] || fail "answer stored as: $(csql 'select answer from answer')"

	# whoami refuses such a name; one already stored (an older kmemlab took
	# it), submit refuses before it makes a bundle the import refuses.
	km whoami --name "$(printf 'Eve \xe2\x80\xaeevE')"
	expect_rc 2
	sql "update learner set name = '$(printf 'Eve \xe2\x80\xaeevE')' where is_self = 1"
	km submit --out "$T_DIR/s10-bidi.tar.gz"
	expect_rc 2
	expect_err "your learner name 'Eve \\\\u202eevE' has the bidirectional control U\+202E at byte 5, which your instructor's 'class import' would refuse: set a plain one with 'whoami --name NAME'"
	[ ! -e "$T_DIR/s10-bidi.tar.gz" ] || fail "submit wrote a bundle with that name"
}

# Impossible times, answers to questions the course lacks and verdicts that
# contradict their checks are refused, named, and store nothing.
test_class_import_refuses_impossible_content() {
	cl_files s11 'Ima Possible' ksize/notes.txt
	cl_submit s11
	km class init "$T_DIR/class"
	export KMEMLAB_CLASS=$T_DIR/class
	for kind in badtime noquestion errorverdict; do
		python3 "$CL_TAMPER" "$T_DIR/s11.tar.gz" "$T_DIR/$kind.tar.gz" $kind ||
			fail "cannot make the $kind bundle"
	done
	km class import "$T_DIR/badtime.tar.gz"
	expect_rc 1
	expect_err "rejected '.*badtime.tar.gz': answer 1 in answers.json \(question 'waste65' of lesson 'ksize'\): its answered_at '9999-99-99T99:99:99Z' is not a real UTC time like 2026-01-31T12:00:00Z; nothing of it was stored"
	km class import "$T_DIR/noquestion.tar.gz"
	expect_rc 1
	expect_err "rejected '.*noquestion.tar.gz': answer 1 in answers.json is to question 'no_such_q' of lesson 'ksize', which this course does not have; nothing of it was stored"
	km class import "$T_DIR/errorverdict.tar.gz"
	expect_rc 1
	expect_err "rejected '.*errorverdict.tar.gz': attempt at 'ksize' of 2026-01-01T00:00:00Z says 'error' but all its 1 checks passed: the attempt was edited; nothing of it was stored"
	[ "$(csql 'select (select count(*) from learner) + (select count(*) from submission) + (select count(*) from attempt) + (select count(*) from answer)')" = 0 ] ||
		fail "a rejected bundle left rows in the class database"
}

# A FIFO or a directory named as a bundle is refused at once, by name.
test_class_import_refuses_non_regular_files() {
	km class init "$T_DIR/class"
	export KMEMLAB_CLASS=$T_DIR/class
	mkfifo "$T_DIR/inbox.fifo"
	mkdir "$T_DIR/inbox.d"
	start=$(date +%s)
	km class import "$T_DIR/inbox.fifo" "$T_DIR/inbox.d"
	expect_rc 1
	[ $(( $(date +%s) - start )) -lt 30 ] || fail "the FIFO kept the import waiting"
	expect_err "rejected '.*inbox.fifo': it is a FIFO, not a regular file: give the bundle's own file; nothing of it was stored"
	expect_err "rejected '.*inbox.d': it is a directory, not a regular file"
	expect_out "0 imported, 0 already imported, 2 rejected"
}

# Ctrl-C stops an import between bundles (each all or nothing) and says what
# was not imported; each line is out as soon as it is known, so a pipe
# keeps it even when kmemlab is killed.
test_class_import_ctrl_c_and_lines_on_a_pipe() {
	local who
	for who in s12 s13 s14; do
		cl_files $who "Learner $who" ksize/notes.txt
		cl_submit $who
	done
	km class init "$T_DIR/class"
	export KMEMLAB_CLASS=$T_DIR/class
	# The open of s13's bundle waits (a lease on it) until Ctrl-C.
	python3 "$CL_TAMPER" hold "$T_DIR/s13.tar.gz" INT "$T_DIR/int.out" "$T_DIR/int.err" -- \
		"$KMEMLAB" class import "$T_DIR/s12.tar.gz" "$T_DIR/s13.tar.gz" "$T_DIR/s14.tar.gz"
	RC=$?
	OUT=$T_DIR/int.out
	ERR=$T_DIR/int.err
	cat "$OUT" "$ERR"
	expect_rc 1
	expect_out "^imported '.*s12.tar.gz': learner s12"
	expect_out "^interrupted: 1 imported, 0 already imported, 0 rejected; 2 not imported: '.*s13.tar.gz' '.*s14.tar.gz'"
	expect_out "the same 'class import' again imports the rest"
	[ "$(csql "select group_concat(login) from learner")" = s12 ] ||
		fail "learners after the interrupt: $(csql 'select login from learner')"
	# Again: what is there changes nothing, the rest comes in.
	km class import "$T_DIR/s12.tar.gz" "$T_DIR/s13.tar.gz" "$T_DIR/s14.tar.gz"
	expect_rc 0
	expect_out "1 already imported"
	expect_out "2 imported, 1 already imported, 0 rejected"

	# Killed outright: the line already printed reached the pipe.
	km class init "$T_DIR/class2"
	KMEMLAB_CLASS=$T_DIR/class2 python3 "$CL_TAMPER" hold "$T_DIR/s13.tar.gz" KILL \
		"$T_DIR/kill.out" "$T_DIR/kill.err" -- \
		"$KMEMLAB" class import "$T_DIR/s12.tar.gz" "$T_DIR/s13.tar.gz"
	RC=$?
	OUT=$T_DIR/kill.out
	ERR=$T_DIR/kill.err
	cat "$OUT" "$ERR"
	expect_rc 137
	expect_out "^imported '.*s12.tar.gz': learner s12"
}

test_whoami_refuses_terminal_controls() {
	# The rule submit and the import apply: C1, bidi overrides, not UTF-8.
	km whoami --id s77 --name "$(printf 'Ada \342\200\256ecalevoL')"
	expect_rc 2
	expect_err 'this name cannot be used'
	km whoami --name "$(printf 'Ada \302\233Lovelace')"
	expect_rc 2
	km whoami --name 'Ada Lovelace'
	expect_rc 0
	expect_out '^name: Ada Lovelace$'
}
