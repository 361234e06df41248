# class regrade --slurm on a real Slurm: a one-node cluster of the test's
# own (munged, slurmctld, slurmd, private slurm.conf), started by the test
# and stopped when it returns.
SL_CLUSTER=$TOP/tests/e2e/slurm-cluster

# sl_start: the cluster up and SLURM_CONF set (stop it with sl_stop).
sl_start() {
	local line
	line=$("$SL_CLUSTER" start "$T_DIR/slurm" 2> "$T_DIR/slurm-start.err") ||
		{ fail "the Slurm cluster did not start: $(cat "$T_DIR/slurm-start.err")"; return 1; }
	eval "$line"
}

sl_stop() {
	"$SL_CLUSTER" stop "$T_DIR/slurm"
}

# sl_class: three learners' real checks and bundles, imported into
# $T_DIR/class: s1 passes ksize and vmalloc, s2 passes ksize and not
# vmalloc, s3 submits the ksize skeleton and claims a pass.
sl_class() {
	cl_learner s1 'Ada Lovelace' ksize:solution vmalloc:solution
	cl_submit s1
	cl_learner s2 'Grace Hopper' ksize:solution vmalloc:skeleton
	cl_submit s2
	cl_learner s3 'Edsger Dijkstra' ksize:skeleton
	sql "update attempt set verdict = 'pass', score = max_score"
	sql "update check_result set status = 'pass'"
	cl_submit s3
	km class init "$T_DIR/class"
	export KMEMLAB_CLASS=$T_DIR/class
	km class import "$T_DIR/s1.tar.gz" "$T_DIR/s2.tar.gz" "$T_DIR/s3.tar.gz"
	expect_rc 0
}

test_slurm_regrade_a_class() {
	sl_class
	sl_start || return
	trap sl_stop RETURN
	# The README's check of a node: kmemlab doctor through srun.
	srun --partition lab "$KMEMLAB" doctor > doctor.out 2>&1 || fail "doctor on a node failed: $(cat doctor.out)"
	grep -q '^lab kernel ' doctor.out && grep -q '^QEMU ' doctor.out || fail "doctor on a node: $(cat doctor.out)"
	km class regrade --slurm --partition lab --time 20
	expect_rc 1	# s3's claim disagrees
	expect_out '^regrade through Slurm: 5 jobs of 5 to run'
	expect_out '^plan: 1 array of up to 5 tasks, 1 job per task \(5 tasks; MaxArraySize 1001, MaxJobCount 10000, from scontrol show config\)'
	expect_out '^submitted 1 array \(Slurm job [0-9]+\); run folder .*/class/slurm/'
	expect_out '^regraded 5 jobs through Slurm in [0-9.]+ s \([0-9.]+ jobs/min\): 3 passed, 2 not passed, 0 could not be graded$'
	expect_out '^s3 ksize: self pass, regrade fail'
	[ "$(csql "select count(*) from attempt where origin = 'regrade'")" = 5 ] ||
		fail "not 5 regrades stored: $(csql "select count(*) from attempt where origin = 'regrade'")"
	[ "$(csql "select group_concat(v, ' ') from (select l.login || ':' || a.exercise || ':' || a.verdict as v from attempt a join learner l on l.id = a.learner_id where a.origin = 'regrade' order by 1)")" \
		= "s1:ksize:pass s1:vmalloc:pass s2:ksize:pass s2:vmalloc:fail s3:ksize:fail" ] ||
		fail "regrade verdicts: $(csql "select exercise, verdict from attempt where origin = 'regrade'")"
	ls "$T_DIR"/class/slurm/*/results/*.json > /dev/null || fail "no result files"
	grep -q "Slurm task" "$T_DIR/class/regrade-logs/s1-ksize.log" || fail "no job log from the node"
	# Collecting again, or regrading again, changes nothing.
	local before=$(cl_counts)
	km class regrade --collect
	expect_rc 0
	expect_out '^collected 0 new regrade results \(5 already in the class database\)$'
	km class regrade --slurm
	expect_out '^regrade through Slurm: 0 jobs of 5 to run \(5 already regraded'
	[ "$(cl_counts)" = "$before" ] || fail "collecting twice changed the class database"

	# A task killed in the middle leaves no result: named, and run once more.
	(
		for _ in $(seq 600); do
			pid=$(pgrep -f 'kmemlab class slurm-task' | head -n 1)
			if [ -n "$pid" ]; then
				kill -9 "$pid"
				echo "killed task process $pid" > killed
				exit 0
			fi
			sleep 0.05
		done
	) &
	local killer=$!
	km class regrade --slurm --force --learner s1 --exercise ksize
	wait $killer
	[ -e killed ] || fail "no task process was seen to kill"
	expect_out '^regraded 1 job through Slurm .*: 1 passed, 0 not passed, 0 could not be graded$'
	expect_err 's1 ksize could not be graded \(task [0-9]+_0: JobState=(FAILED|CANCELLED).*\); running it once more'
	[ "$(csql "select count(*) from attempt a join learner l on l.id = a.learner_id where a.origin = 'regrade' and l.login = 's1' and a.exercise = 'ksize'")" = 2 ] ||
		fail "the retried job was not stored once more"
	! pgrep -f 'class slurm-task' > /dev/null || fail "a task outlived the regrade"
}

test_slurm_interrupted_regrade_cancels_and_resumes() {
	sl_class
	sl_start || return
	trap sl_stop RETURN
	"$KMEMLAB" class regrade --slurm > run1.out 2> run1.err &
	local pid=$!
	for _ in $(seq 600); do
		[ -n "$(ls "$T_DIR"/class/slurm/*/results/*.json 2> /dev/null)" ] && break
		sleep 0.2
	done
	kill -INT $pid
	wait $pid
	local rc=$?
	[ $rc = 1 ] || fail "an interrupted Slurm regrade exited $rc"
	grep -q "^interrupted: the Slurm arrays were cancelled; [1-4] of 5 jobs graded and saved" run1.out ||
		fail "no interruption summary: $(cat run1.out)"
	for _ in $(seq 100); do
		[ -z "$(squeue -h -n kmemlab-regrade)" ] && break
		sleep 0.2
	done
	[ -z "$(squeue -h -n kmemlab-regrade)" ] || fail "the arrays were not cancelled: $(squeue)"
	local had=$(csql "select count(*) from attempt where origin = 'regrade'") late
	km class regrade --slurm
	# A task that was finishing when the arrays were cancelled may have
	# left its result after the interrupted run ended: this run collects
	# it first, and counts it as already regraded.
	late=$(sed -n 's/^regrade: \([0-9]*\) results\{0,1\} of an earlier run collected$/\1/p' "$OUT")
	had=$((had + ${late:-0}))
	expect_out "^regrade through Slurm: $((5 - had)) jobs? of 5 to run \($had already regraded"
	expect_out '^regraded [0-9]+ jobs? through Slurm .* 0 could not be graded$'
	[ "$(csql "select count(*) from attempt where origin = 'regrade'")" = 5 ] ||
		fail "the resumed regrade did not finish the class"
}

test_slurm_dry_run_plans_a_big_class() {
	sl_start || return
	trap sl_stop RETURN
	"$TOP/tests/gen-class-db" "$KMEMLAB" "$T_DIR/big" 10000 1 1 > /dev/null || fail "gen-class-db failed"
	km class regrade --slurm --force --dry-run --class "$T_DIR/big" --sbatch-arg=--mem=2G
	expect_rc 0
	expect_out '^regrade through Slurm: 110000 jobs of 110000 to run'
	expect_out '^plan: 5 arrays of up to 1001 tasks, 22 jobs per task \(5000 tasks; MaxArraySize 1001, MaxJobCount 10000, from scontrol show config\)'
	expect_out '^  array 0: tasks 0-1000, jobs 0-22021$'
	expect_out '^  array 4: tasks 0-995, jobs 88088-109999$'
	expect_out '^#SBATCH --array=0-1000$'
	expect_out '^#SBATCH --mem=2G$'
	expect_out "^KMEMLAB_COURSE='$TOP'$"
	expect_out "^exec '.*kmemlab' class slurm-task 'CLASS/slurm/RUN' 0 \"\\\$SLURM_ARRAY_TASK_ID\"$"
	expect_out '^dry run: nothing was written or submitted$'
	[ ! -e "$T_DIR/big/slurm" ] || fail "a dry run wrote a run folder"
	[ -z "$(squeue -h)" ] || fail "a dry run submitted something"
}
