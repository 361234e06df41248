# Helpers for tests/e2e: run kmemlab, then assert on what it did.
# A failed assertion prints why and marks the test failed; the test goes
# on so that one run shows every problem.

# km ARGS...: run kmemlab; sets RC, OUT (stdout file), ERR (stderr file).
km() {
	OUT=$T_DIR/out.$$.$RANDOM
	ERR=$OUT.err
	echo "\$ kmemlab $*"
	timeout 600 "$KMEMLAB" "$@" > "$OUT" 2> "$ERR"
	RC=$?
	sed 's/^/  out: /' "$OUT" | head -n 80
	sed 's/^/  err: /' "$ERR" | head -n 40
}

fail() {
	echo "FAILED: $*"
	touch "$T_DIR/.failed"
}

expect_rc() {
	[ "$RC" -eq "$1" ] || fail "exit status $RC, expected $1"
}

# expect_out REGEX: stdout has a line matching the extended regex.
expect_out() {
	grep -Eq -- "$1" "$OUT" || fail "stdout has no line matching /$1/"
}

expect_no_out() {
	! grep -Eq -- "$1" "$OUT" || fail "stdout has a line matching /$1/"
}

expect_err() {
	grep -Eq -- "$1" "$ERR" || fail "stderr has no line matching /$1/"
}

# expect_json PYTHON-EXPR: the expression is true of the JSON on stdout (as j).
expect_json() {
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)
' "$OUT" "$1" || fail "JSON on stdout does not satisfy: $1"
}

# sql QUERY: run it on the learner's database, print the result.
sql() {
	sqlite3 "$KMEMLAB_HOME/kmemlab.db" "$1"
}
