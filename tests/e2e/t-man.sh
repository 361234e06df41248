# kmemlab --help, the man page kmemlab(1) and make install.  No VM needed.

# The command names kmemlab --help lists.
help_commands() {
	"$KMEMLAB" --help | sed -n '/^Commands/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'
}

test_man_page_valid_and_complete() {
	# groff's own check: no warning at all (-ww), nothing printed (-z).
	groff -man -ww -z "$TOP/shell/kmemlab.1" > groff.out 2>&1 || fail "groff failed"
	groff -man -ww -z "$TOP/shell/kmemlab-course.5" >> groff.out 2>&1 || fail "groff failed on kmemlab-course.5"
	[ ! -s groff.out ] || fail "groff warns about kmemlab.1: $(cat groff.out)"
	MANWIDTH=80 man -l "$TOP/shell/kmemlab.1" > man.txt 2> man.err || fail "man -l failed: $(cat man.err)"
	for section in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS ENVIRONMENT FILES 'EXIT STATUS' EXAMPLES; do
		grep -q "^$section" man.txt || fail "the man page has no $section section"
	done
	n=0
	for c in $(help_commands); do
		n=$((n + 1))
		grep -Eq "^\.SS \"$c( |\")" "$TOP/shell/kmemlab.1" || fail "'$c' is in --help but not in the man page"
	done
	[ "$n" -ge 8 ] || fail "--help lists only $n commands"
	# Every block in COMMANDS is a command kmemlab has.
	for c in $(sed -n 's/^\.SS "\([a-z][a-z-]*\).*/\1/p' "$TOP/shell/kmemlab.1"); do
		help_commands | grep -qx "$c" || fail "the man page documents '$c', which --help does not list"
	done
	for v in KMEMLAB_HOME KMEMLAB_DB KMEMLAB_CACHE KMEMLAB_DATA KMEMLAB_ACCEL KMEMLAB_KERNEL \
		KMEMLAB_KDIR KMEMLAB_MODDIR KMEMLAB_VM_STATE KMEMLAB_KBUILD_FAST KMEMLAB_PREBUILT KMEMLAB_SANDBOX \
		NO_COLOR PAGER $(grep -rhoE 'getenv\("KMEMLAB_[A-Z_]+"\)' "$TOP/common" "$TOP/grader" \
			"$TOP/labvm" "$TOP/shell" | sed 's/getenv("\(.*\)")/\1/' | sort -u); do
		grep -q "^$v" man.txt || grep -q "^       $v" man.txt || fail "the man page does not describe $v"
	done
}

test_help_lists_every_command() {
	km --help
	expect_rc 0
	expect_out '^  --home DIR'
	expect_out '^  --accel tcg\|kvm'
	expect_out '^Exit status: 0'
	# Each command --help lists is one kmemlab knows: 'help NAME' explains it.
	for c in $(help_commands); do
		km help "$c"
		expect_rc 0
		expect_out "^usage: kmemlab $c"
	done
}

test_make_install_with_man_page() {
	root=$T_DIR/root
	make -s -C "$TOP" install BUILD="$(dirname "$KMEMLAB")" PREFIX=/opt/km DESTDIR="$root" \
		> install.log 2>&1 || fail "make install failed: $(tail -n 20 install.log)"
	for f in bin/kmemlab lib/kmemlab/kmemlab-agent share/man/man1/kmemlab.1 \
		share/man/man5/kmemlab-course.5 share/kmemlab/templates/course/lessons/course.json \
		share/kmemlab/lessons/01-ksize/lesson.md share/kmemlab/modules; do
		[ -e "$root/opt/km/$f" ] || fail "make install did not install $f"
	done
	[ -x "$root/opt/km/bin/kmemlab" ] || fail "the installed kmemlab is not executable"
	MANWIDTH=80 man -l "$root/opt/km/share/man/man1/kmemlab.1" > man.txt 2>&1 ||
		fail "the installed man page does not format"
	grep -q "kmemlab $("$KMEMLAB" --version | cut -d' ' -f2)" man.txt ||
		fail "the installed man page does not carry the version"
	# The installed binary looks for its data under PREFIX; with DESTDIR in
	# between, KMEMLAB_DATA points it there.
	"$root/opt/km/bin/kmemlab" lessons > lessons.out 2> lessons.err
	grep -q "/opt/km/share/kmemlab/lessons" lessons.err || fail "the installed binary does not look under PREFIX: $(cat lessons.err)"
	KMEMLAB_DATA=$root/opt/km/share/kmemlab "$root/opt/km/bin/kmemlab" lessons > lessons.out 2>&1 ||
		fail "the installed kmemlab cannot list the installed lessons: $(cat lessons.out)"
	grep -q 'ksize' lessons.out || fail "no lesson in the installed data"
	# The installed template makes a pack the installed binary can read.
	KMEMLAB_DATA=$root/opt/km/share/kmemlab "$root/opt/km/bin/kmemlab" course new "$T_DIR/ipk" > new.out 2>&1 ||
		fail "the installed 'course new' failed: $(cat new.out)"
	KMEMLAB_DATA=$root/opt/km/share/kmemlab "$root/opt/km/bin/kmemlab" --course "$T_DIR/ipk" lessons > ipk.out 2>&1 ||
		fail "the installed kmemlab cannot read a new pack: $(cat ipk.out)"
	# The build's own binary still finds the source tree.
	km lessons
	expect_rc 0
}
