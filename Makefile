# kmemlab: one non-recursive Makefile.  `make V=1` shows full commands.
#
#   make            build build/kmemlab and the guest agent
#   make run        install missing Debian packages, build, open the tutor
#   make test       install, build, run every test (unit, then the real lab VM)
#   make bench      measure build, boot, load, grading and report times
#   make fuzz       build the libFuzzer targets (clang) in build/asan/fuzz
#   make unit-asan  build the unit tests under ASan and UBSan in build/asan/tests
#   make install    PREFIX=/usr/local (DESTDIR honoured): binary, data, agent, man page

VERSION := 0.1.0
PREFIX ?= /usr/local
BUILD := build

CC ?= cc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-missing-field-initializers
INCLUDES := -Icommon -Ilabvm -Igrader -Ishell
DATADIR ?= $(CURDIR)
AGENT_PATH ?= $(abspath $(BUILD))/kmemlab-agent
PREBUILT_DIR ?= $(abspath $(BUILD))/prebuilt
CPPFLAGS += -D_GNU_SOURCE $(INCLUDES) -DKMEMLAB_VERSION='"$(VERSION)"'
LIBS := -ledit -lsqlite3 -ljson-c -larchive -lmd -lmd4c -lm -lpthread

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-7s %s\n' $(1) $(2);
endif

# Debian packages kmemlab needs to build, run and test.
PKGS := build-essential pkg-config libedit-dev libsqlite3-dev libmd4c-dev \
	libcmocka-dev libjson-c-dev libarchive-dev libmd-dev qemu-system-x86 \
	busybox-static linux-image-cloud-amd64 linux-headers-cloud-amd64 sqlite3 procps \
	python3 patch groff-base man-db less bubblewrap binutils clang \
	libclang-rt-14-dev
# What only the tests need: a browser for the HTML report, a Slurm cluster
# of their own (started and stopped by tests/e2e/slurm-cluster), GNU time
# for make bench's peak RSS.
TEST_PKGS := chromium slurmctld slurmd slurm-client munge time

COMMON_SRC := common/util.c common/run.c common/paths.c
LABVM_SRC := labvm/proto.c labvm/kernel.c labvm/initramfs.c labvm/kbuild.c labvm/kbuild-dir.c labvm/kbuild-fast.c labvm/kbuild-job.c labvm/sandbox.c labvm/kbuild-tree.c \
	labvm/vm.c labvm/vm-qmp.c labvm/vm-agent.c labvm/session.c labvm/modrun.c
GRADER_SRC := grader/record.c grader/ktap.c grader/store.c grader/store-bundle.c grader/bundle.c grader/bundle-read.c grader/text.c grader/class.c grader/regrade.c grader/slurm.c grader/slurm-task.c grader/course.c grader/course-question.c grader/schema.c grader/grading.c grader/expr.c grader/check.c grader/check-run.c grader/check-declared.c grader/check-record.c grader/leaks.c grader/question.c \
	grader/check-ksize.c grader/check-slabinfo.c grader/check-ceiling.c grader/check-vmalloc.c grader/check-layout.c grader/check-slabcache.c grader/check-stacks.c \
	grader/check-oomscore.c \
	grader/check-devres.c \
	grader/check-memwatch.c \
	grader/check-oomkill.c \
	grader/report.c grader/report-text.c grader/report-html.c grader/report-css.c \
	grader/store-read.c
SHELL_SRC := shell/main.c shell/cmd.c shell/repl.c shell/tutor.c \
	shell/cmd-help.c shell/cmd-lessons.c shell/cmd-start.c shell/cmd-show.c \
	shell/cmd-answer.c shell/cmd-check.c shell/cmd-hint.c shell/cmd-progress.c shell/cmd-lab.c \
	shell/cmd-vm.c shell/cmd-quit.c shell/cmd-report.c \
	shell/cmd-next.c shell/cmd-back.c shell/cmd-edit.c shell/cmd-watch.c shell/cmd-reset.c \
	shell/cmd-solution.c shell/cmd-diff.c shell/cmd-dmesg.c shell/cmd-doctor.c shell/cmd-clear.c \
	shell/cmd-whoami.c shell/cmd-submit.c shell/cmd-class.c shell/cmd-course.c \
	shell/render.c shell/pager.c
LIB_SRC := $(COMMON_SRC) $(LABVM_SRC) $(GRADER_SRC) $(filter-out shell/main.c,$(SHELL_SRC))
AGENT_SRC := labvm/agent.c labvm/proto.c

UNIT_TESTS := test_ktap test_proto test_store test_course test_cmd test_report test_render test_bundle \
	test_grade

OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIB_OBJ := $(call OBJ,$(LIB_SRC))
MAIN_OBJ := $(call OBJ,shell/main.c)
AGENT_OBJ := $(patsubst %.c,$(BUILD)/agent-obj/%.o,$(AGENT_SRC))
UNIT_BIN := $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))
DEP := $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(AGENT_OBJ:.o=.d) \
	$(patsubst %,$(BUILD)/obj/tests/unit/%.d,$(UNIT_TESTS))

.PHONY: all run test unit e2e bench deps test-deps install-pkgs install clean prebuilt FORCE fuzz unit-asan
all: $(BUILD)/kmemlab $(BUILD)/kmemlab-agent prebuilt

# What a first check would otherwise build on first use (the initramfs, the
# grader's probe and its guest programs), built here for the lab kernel in
# build/prebuilt, laid out as the cache is.  Skipped, with a note, until
# the lab kernel is installed.
PREBUILT_SRC := $(wildcard modules/probe/* modules/helpers/*/*)
prebuilt: $(BUILD)/prebuilt/.stamp
$(BUILD)/prebuilt/.stamp: $(BUILD)/kmemlab $(BUILD)/kmemlab-agent $(PREBUILT_SRC)
	$(call msg,PREPARE,$(BUILD)/prebuilt)
	$(Q)if [ -n "$$KMEMLAB_KERNEL" ] || ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1; then \
		KMEMLAB_CACHE=$(abspath $(BUILD))/prebuilt KMEMLAB_PREBUILT=$(abspath $(BUILD))/prebuilt \
			$(BUILD)/kmemlab lab prepare > $(BUILD)/prebuilt.log && touch $@; \
	else \
		echo "  (no lab kernel yet: 'make deps' installs it; until then the first check builds the probe)"; \
	fi

$(BUILD)/obj/shell/paths.o $(BUILD)/obj/common/paths.o: CPPFLAGS += \
	-DKMEMLAB_DATADIR='"$(DATADIR)"' -DKMEMLAB_AGENT_PATH='"$(AGENT_PATH)"' \
	-DKMEMLAB_PREBUILT_DIR='"$(PREBUILT_DIR)"'

$(BUILD)/obj/%.o: %.c
	$(call msg,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=c11 $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c $< -o $@

$(BUILD)/kmemlab: $(MAIN_OBJ) $(LIB_OBJ)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# The guest agent is the VM's /init: static, so the initramfs needs no libc.
$(BUILD)/agent-obj/%.o: %.c
	$(call msg,CC,$< '(guest)')
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=c11 $(CPPFLAGS) -O2 $(WARN) -MMD -MP -c $< -o $@

$(BUILD)/kmemlab-agent: $(AGENT_OBJ)
	$(call msg,LINK,$@)
	$(Q)$(CC) -static -o $@ $^

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIB_OBJ)
	$(call msg,LINK,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

# Install whatever Debian packages are missing (once), or say how to.
deps:
	@$(MAKE) --no-print-directory install-pkgs PKGS_WANTED="$(PKGS)"

test-deps:
	@$(MAKE) --no-print-directory install-pkgs PKGS_WANTED="$(PKGS) $(TEST_PKGS)"

install-pkgs:
	@missing=$$(for p in $(PKGS_WANTED); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; \
	done | tr '\n' ' '); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then \
			echo "kmemlab needs these Debian packages: $$missing"; \
			echo "run as root: apt-get update && apt-get install -y --no-install-recommends $$missing"; \
			exit 1; \
		fi; \
		echo "installing: $$missing"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends $$missing; \
	fi

run: deps
	@$(MAKE) --no-print-directory all
	@$(BUILD)/kmemlab

unit: all $(UNIT_BIN)

test: test-deps
	@$(MAKE) --no-print-directory all unit unit-asan fuzz
	@tests/run-all $(BUILD)

bench: test-deps
	@$(MAKE) --no-print-directory all $(BUILD)/tests/kbuild_once
	@tests/bench $(BUILD)

# The installed binary differs from $(BUILD)/kmemlab only in where it finds
# its data and the guest agent: its own paths.o, rebuilt for every install.
INSTALL_DATADIR = $(PREFIX)/share/kmemlab
INSTALL_AGENT = $(PREFIX)/lib/kmemlab/kmemlab-agent
INSTALL_PREBUILT = $(PREFIX)/lib/kmemlab/prebuilt
MAN1DIR = $(PREFIX)/share/man/man1
MAN5DIR = $(PREFIX)/share/man/man5

$(BUILD)/install/paths.o: common/paths.c FORCE
	$(call msg,CC,$< '(installed)')
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=c11 $(CPPFLAGS) -DKMEMLAB_DATADIR='"$(INSTALL_DATADIR)"' \
		-DKMEMLAB_AGENT_PATH='"$(INSTALL_AGENT)"' \
		-DKMEMLAB_PREBUILT_DIR='"$(INSTALL_PREBUILT)"' $(CFLAGS) $(WARN) -c $< -o $@

$(BUILD)/install/kmemlab: $(MAIN_OBJ) $(filter-out $(call OBJ,common/paths.c),$(LIB_OBJ)) \
		$(BUILD)/install/paths.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

install: all $(BUILD)/install/kmemlab
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(INSTALL_DATADIR) \
		$(DESTDIR)$(dir $(INSTALL_AGENT)) $(DESTDIR)$(MAN1DIR) $(DESTDIR)$(MAN5DIR)
	install -m 755 $(BUILD)/install/kmemlab $(DESTDIR)$(PREFIX)/bin/kmemlab
	install -m 755 $(BUILD)/kmemlab-agent $(DESTDIR)$(INSTALL_AGENT)
	cp -r lessons modules templates $(DESTDIR)$(INSTALL_DATADIR)/
	if [ -f $(BUILD)/prebuilt/.stamp ]; then \
		install -d $(DESTDIR)$(INSTALL_PREBUILT) && \
		cp -r $(BUILD)/prebuilt/kbuild $(BUILD)/prebuilt/progs $(BUILD)/prebuilt/initramfs \
			$(DESTDIR)$(INSTALL_PREBUILT)/; \
	fi
	sed 's/"kmemlab [0-9][0-9.]*"/"kmemlab $(VERSION)"/' shell/kmemlab.1 > $(DESTDIR)$(MAN1DIR)/kmemlab.1
	chmod 644 $(DESTDIR)$(MAN1DIR)/kmemlab.1
	sed 's/"kmemlab [0-9][0-9.]*"/"kmemlab $(VERSION)"/' shell/kmemlab-course.5 > $(DESTDIR)$(MAN5DIR)/kmemlab-course.5
	chmod 644 $(DESTDIR)$(MAN5DIR)/kmemlab-course.5

# ---- sanitizers and fuzzing ----
#
# One more build of the library, with clang under AddressSanitizer and
# UndefinedBehaviorSanitizer (any report ends the program) and libFuzzer's
# coverage hooks, in $(SAN_BUILD).  The unit tests linked against it run
# once in `make test`; so does each fuzzer in tests/fuzz, for a few seconds
# from its seed corpus tests/fuzz/corpus/NAME (tests/fuzz/README).
SAN_CC ?= clang
SAN_BUILD := $(BUILD)/asan
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all
SAN_CFLAGS := -O1 -g -fno-omit-frame-pointer $(SAN_FLAGS) -fsanitize=fuzzer-no-link
FUZZERS := fuzz_ktap fuzz_proto fuzz_lesson fuzz_bundle fuzz_bundle_members

SAN_LIB_OBJ := $(patsubst %.c,$(SAN_BUILD)/obj/%.o,$(LIB_SRC))
SAN_UNIT_BIN := $(addprefix $(SAN_BUILD)/tests/,$(UNIT_TESTS))
FUZZ_BIN := $(addprefix $(SAN_BUILD)/fuzz/,$(FUZZERS))
DEP += $(SAN_LIB_OBJ:.o=.d) $(patsubst %,$(SAN_BUILD)/obj/tests/unit/%.d,$(UNIT_TESTS)) \
	$(patsubst %,$(SAN_BUILD)/obj/tests/fuzz/%.d,$(FUZZERS))

$(SAN_BUILD)/obj/common/paths.o: CPPFLAGS += \
	-DKMEMLAB_DATADIR='"$(DATADIR)"' -DKMEMLAB_AGENT_PATH='"$(AGENT_PATH)"' \
	-DKMEMLAB_PREBUILT_DIR='"$(PREBUILT_DIR)"'
# The fuzzers read the course (lessons/, modules/) of this tree.
$(SAN_BUILD)/obj/tests/fuzz/%.o: CPPFLAGS += -DFUZZ_DATADIR='"$(DATADIR)"'

$(SAN_BUILD)/obj/%.o: %.c
	$(call msg,SAN-CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(SAN_CC) -std=c11 $(CPPFLAGS) $(SAN_CFLAGS) $(WARN) -MMD -MP -c $< -o $@

$(SAN_BUILD)/libkmemlab.a: $(SAN_LIB_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(SAN_BUILD)/tests/%: $(SAN_BUILD)/obj/tests/unit/%.o $(SAN_BUILD)/libkmemlab.a
	$(call msg,LINK,$@)
	@mkdir -p $(dir $@)
	$(Q)$(SAN_CC) $(SAN_FLAGS) -o $@ $^ $(LIBS) -lcmocka

$(SAN_BUILD)/fuzz/%: $(SAN_BUILD)/obj/tests/fuzz/%.o $(SAN_BUILD)/libkmemlab.a
	$(call msg,LINK,$@)
	@mkdir -p $(dir $@)
	$(Q)$(SAN_CC) -fsanitize=fuzzer $(SAN_FLAGS) -o $@ $^ $(LIBS)

unit-asan: $(SAN_UNIT_BIN)
fuzz: $(FUZZ_BIN)

FORCE:

clean:
	rm -rf $(BUILD)

-include $(DEP)
