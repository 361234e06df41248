# Lesson text rendered for the terminal, and the pager.  No VM needed.

# on_pty ROWS COLS OUTFILE [STEPS...] -- CMD...: run on a pseudo-terminal
# with a clean environment for width and colour; sets RC.
on_pty() {
	env -u COLUMNS -u LINES -u NO_COLOR python3 "$TOP/tests/e2e/pty_run.py" "$@"
	RC=$?
}

# check_screen FILE WIDTH: the heading is bold and every line but code
# block lines fits WIDTH columns; some paragraph line is close to it.
check_screen() {
	python3 - "$1" "$2" <<'PY' || fail "the lesson on a $2-column terminal: see above"
import re, sys
raw = open(sys.argv[1], "rb").read()
width = int(sys.argv[2])
ok = True
if not re.search(rb"\x1b\[1m(\x1b\[[0-9;]*m)*Lesson 1: kmalloc and ksize", raw):
    print("the lesson heading is not bold (ESC[1m)"); ok = False
longest = 0
for line in raw.decode().replace("\r", "").split("\n"):
    code = re.match(r"^[ \x1b\[0-9m\u2502\u2022-]*    \x1b\[36m", line)
    text = re.sub(r"\x1b\[[0-9;]*m", "", line)
    if not code:
        longest = max(longest, len(text))
    if len(text) > width and not code:
        print("line of %d columns: %r" % (len(text), text)); ok = False
if longest < width - 12:
    print("no line comes near the width (longest %d): not wrapped to it" % longest); ok = False
sys.exit(0 if ok else 1)
PY
}

test_render_show_on_a_terminal() {
	for w in 60 91; do
		PAGER=cat COLUMNS= on_pty 50 $w screen.$w -- "$KMEMLAB" show 1
		[ "$RC" -eq 0 ] || fail "show 1 on a pty exited with $RC"
		check_screen screen.$w $w
		grep -q "your file: " screen.$w || fail "no exercise footer on the terminal"
	done
	# COLUMNS wins over the terminal's own width.
	PAGER=cat on_pty 50 120 screen.c -- env COLUMNS=50 "$KMEMLAB" show 1
	check_screen screen.c 50
	# NO_COLOR (non-empty) on a terminal: no escape byte at all.
	PAGER=cat on_pty 50 80 screen.nc -- env NO_COLOR=1 "$KMEMLAB" show 1
	! grep -q $'\x1b' screen.nc || fail "escape bytes with NO_COLOR=1"
	grep -q '^Lesson 1: kmalloc and ksize' screen.nc || fail "no heading with NO_COLOR=1"
}

test_render_show_piped_is_plain() {
	COLUMNS= km show 1
	expect_rc 0
	expect_out '^Lesson 1: kmalloc and ksize'
	expect_out '^=+$'
	expect_out '^    ok <i> size_<size> # requested=<size> ksize=<ksize> wasted=<ksize-size> waste_pct=<wasted\*100/ksize>$'
	! grep -q $'\x1b' "$OUT" || fail "escape bytes in piped output"
	# Not a terminal and no COLUMNS: 80 columns; code blocks are not wrapped.
	python3 -c '
import sys
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if len(line) > 80 and not line.startswith("    "):
        sys.exit("wider than 80 columns: %r" % line)
' "$OUT" || fail "piped output not wrapped to 80 columns"
	# The shell reading a script renders the same way.
	printf 'show 2\n' | "$KMEMLAB" > script.out 2>&1
	grep -q '^Lesson 2: ' script.out || fail "show in a script: no heading"
	! grep -q $'\x1b' script.out || fail "escape bytes in the script's output"
}

test_render_pager_for_long_lessons() {
	cat > pager.sh <<PAGER
#!/bin/sh
echo "called \$# \$*" >> "$T_DIR/pager.log"
[ -t 1 ] && echo "stdout is a tty" >> "$T_DIR/pager.log"
cat
PAGER
	chmod +x pager.sh
	# Lesson 1 is far taller than 24 rows: it goes through the pager.
	PAGER="$T_DIR/pager.sh" on_pty 24 80 screen.long -- "$KMEMLAB" show 1
	[ "$RC" -eq 0 ] || fail "show 1 with a pager exited with $RC"
	grep -q '^called 0' pager.log 2>/dev/null || fail "the pager was not called"
	grep -q 'stdout is a tty' pager.log 2>/dev/null || fail "the pager did not get the terminal"
	grep -q 'Review questions' screen.long || fail "the text did not reach the pager's output"
	grep -q $'\x1b\[1m' screen.long || fail "the pager got no colours"
	rm -f pager.log
	# The same lesson on a 1000-row terminal fits: no pager.
	PAGER="$T_DIR/pager.sh" on_pty 1000 80 screen.tall -- "$KMEMLAB" show 1
	[ ! -e pager.log ] || fail "the pager ran for text that fits the screen"
	grep -q 'Review questions' screen.tall || fail "no lesson text without the pager"
	# Piped output never pages.
	PAGER="$T_DIR/pager.sh" km show 1
	[ ! -e pager.log ] || fail "the pager ran for piped output"
	# A pager that is not there: a warning, and the text all the same.
	PAGER=/nonexistent/pager on_pty 24 80 screen.missing -- "$KMEMLAB" show 1
	[ "$RC" -eq 0 ] || fail "a missing pager made show fail ($RC)"
	grep -q "cannot run the pager '/nonexistent/pager'" screen.missing ||
		fail "no warning for a missing pager"
	grep -q 'Review questions' screen.missing || fail "no text when the pager is missing"
	# PAGER= (empty) means no pager.
	PAGER= on_pty 24 80 screen.none -- "$KMEMLAB" show 1
	grep -q 'Review questions' screen.none || fail "no text with PAGER empty"
}

test_render_pager_inside_the_shell() {
	cat > pager.sh <<PAGER
#!/bin/sh
echo called >> "$T_DIR/pager.log"
cat
PAGER
	chmod +x pager.sh
	# The shell hands the terminal to the pager and gets it back: the
	# line editor reads keys again and the next command works.
	PAGER="$T_DIR/pager.sh" on_pty 24 80 screen.shell \
		--expect 'kmemlab> ' --send $'show 1\r' --expect 'Review questions' \
		--expect 'kmemlab> ' --send $'help\r' --expect 'Commands' \
		--expect 'kmemlab> ' --send $'quit\r' -- "$KMEMLAB"
	[ "$RC" -eq 0 ] || fail "the shell exited with $RC: $(tail -c 600 screen.shell | cat -v)"
	[ "$(grep -c called pager.log 2>/dev/null)" = 1 ] || fail "the pager was not called once"
	# The default pager, less: Ctrl-C there is the pager's, not the shell's.
	rm -f pager.log
	env -u PAGER -u LESS on_pty 24 80 screen.less \
		--expect 'kmemlab> ' --send $'show 1\r' --expect 'Lesson 1' --send $'\x03' --send q \
		--expect 'kmemlab> ' --send $'help\r' --expect 'Commands' \
		--expect 'kmemlab> ' --send $'quit\r' -- "$KMEMLAB"
	[ "$RC" -eq 0 ] || fail "the shell did not survive less and Ctrl-C ($RC): $(tail -c 600 screen.less | cat -v)"
	# A pager that leaves the terminal in cooked mode: Ctrl-C goes to the
	# whole foreground group and ends the pager, but the shell ignores it
	# while the pager runs and comes back to its prompt.
	cat > slow-pager.sh <<'PAGER'
#!/bin/sh
cat
echo "pager waiting"
exec sleep 15
PAGER
	chmod +x slow-pager.sh
	PAGER="$T_DIR/slow-pager.sh" on_pty 24 80 screen.intr \
		--expect 'kmemlab> ' --send $'show 1\r' --expect 'pager waiting' --key $'\x03' \
		--expect 'kmemlab> ' --send $'help\r' --expect 'Commands' \
		--expect 'kmemlab> ' --send $'quit\r' -- "$KMEMLAB"
	[ "$RC" -eq 0 ] || fail "Ctrl-C in the pager ended the shell ($RC): $(tail -c 600 screen.intr | cat -v)"
}
