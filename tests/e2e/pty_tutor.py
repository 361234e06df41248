"""Scenarios of the tutor shell at a real terminal: pty_tutor.py KMEMLAB TOP NAME."""
import json
import os
import shutil
import sys
import time

from ptylib import Session

KMEMLAB, TOP, NAME = sys.argv[1:4]
HOME = os.environ["KMEMLAB_HOME"]
SOLUTION = os.path.join(TOP, "modules/exercises/vmalloc/solution")
PROMPT = "kmemlab> "
# The VM boots in seconds; a loaded CI machine may need far longer.
SLOW = 240


def leave(s):
    s.send("quit\r")
    if s.wait() != 0:
        raise SystemExit("quit did not leave cleanly")


def started(lesson):
    """A session at the prompt, with lesson started."""
    s = Session(KMEMLAB)
    s.expect(PROMPT)
    s.send("start %s\r" % lesson)
    s.expect(PROMPT)
    return s


def interrupt():
    # The solution, made to sleep in init: a check that is surely still
    # running when Ctrl-C comes, however fast the lab answers.
    slow = os.path.abspath("slow-vmalloc")
    shutil.copytree(SOLUTION, slow)
    path = os.path.join(slow, "vmalloc_ex.c")
    text = open(path).read()
    text = text.replace("static int __init vmalloc_ex_init(void)\n{\n",
                        "#include <linux/delay.h>\nstatic int __init vmalloc_ex_init(void)\n{\n"
                        "\tmsleep(20000);\n", 1)
    open(path, "w").write(text)
    s = Session(KMEMLAB)
    s.expect(PROMPT)
    s.send("check vmalloc --source %s\r" % slow)
    s.expect("loading your module", SLOW)
    time.sleep(1)
    s.send("\x03", raw=False)
    s.expect("interrupted: the check of 'vmalloc' stopped and nothing was saved", 30)
    s.expect(PROMPT, 30)
    # The shell still works after it.
    s.send("lessons\r")
    s.expect("vmalloc")
    s.expect(PROMPT)
    # Ctrl-C at the prompt explains; a second one leaves.
    s.send("\x03")
    s.expect("Ctrl-C again, Ctrl-D or 'quit' leaves kmemlab")
    s.expect(PROMPT)
    s.send("\x03")
    if s.wait() != 0:
        raise SystemExit("a second Ctrl-C did not leave cleanly")


def watch():
    s = started("vmalloc")
    s.send("watch\r")
    s.expect("vmalloc: not yet", SLOW)
    s.expect("watching ")
    # Save the solution over the skeleton, as an editor would.
    mine = os.path.join(HOME, "workspace/vmalloc/vmalloc_ex.c")
    tmp = mine + ".new"
    shutil.copy(os.path.join(SOLUTION, "vmalloc_ex.c"), tmp)
    os.rename(tmp, mine)
    s.expect("vmalloc: passed", SLOW)
    s.expect("watching ")
    # The same content saved again (or a save seen twice) checks nothing.
    shutil.copy(mine, tmp)
    os.rename(tmp, mine)
    time.sleep(3)
    s._read(0.5)
    if b"checking 'vmalloc'" in s.seen or b"watching " in s.seen:
        raise SystemExit("an unchanged save was checked again:\n%s" % s.tail())
    # q leaves at once, without Enter.
    s.send("q", raw=False)
    s.expect(PROMPT)
    # The solution opens once passed; diff shows the change.
    s.send("solution\r")
    s.expect("The reference solution of 'vmalloc'")
    s.expect(PROMPT)
    leave(s)


def vm():
    s = Session(KMEMLAB, size=(31, 97))
    s.expect(PROMPT)
    s.send("start vmalloc\r")
    s.expect(PROMPT)
    s.send("vm\r")
    s.expect("/lab/vmalloc_ex.ko", SLOW)
    s.expect("lab-vm:/lab# ", SLOW)
    # The guest's console has the terminal's size.
    s.send("stty size\r", raw=False)
    s.expect("31 97")
    s.expect("lab-vm:/lab# ")
    s.send("ls /lab; sleep 600\r", raw=False)
    s.expect("vmalloc_ex.ko")
    time.sleep(1)
    # Ctrl-C belongs to the guest: it stops sleep, not kmemlab.
    s.send("\x03", raw=False)
    s.expect("lab-vm:/lab# ", 60)
    s.send("echo answer-$((40 + 2))\r", raw=False)
    s.expect("answer-42", 60)
    s.send("exit\r", raw=False)
    s.expect("Back in kmemlab", 60)
    s.expect(PROMPT)
    s.send("lessons\r")
    s.expect("vmalloc")
    s.expect(PROMPT)
    leave(s)


def vmquiet():
    # A first boot (no saved state yet) shows the learner the shell, not
    # the kernel's boot messages or QEMU's own lines.
    s = Session(KMEMLAB)
    s.expect(PROMPT)
    s.send("vm\r")
    s.expect("lab-vm:/lab# ", SLOW)
    s.send("exit\r", raw=False)
    s.expect("Back in kmemlab", 60)
    s.expect(PROMPT)
    screen = s.log.decode(errors="replace")
    for noise in ("PCI: Fatal", "Probing EDD", "qemu-system", "terminating on signal"):
        if noise in screen:
            raise SystemExit("the terminal showed %r:\n%s" % (noise, s.tail()))
    leave(s)


def labshell():
    # lab run --shell: the vm shell with the module loaded; leaving unloads it.
    s = Session(KMEMLAB)
    s.expect(PROMPT)
    s.send("lab run %s --shell\r" % os.path.join(TOP, "tests/modules/procfile"))
    s.expect("with procfile loaded", SLOW)
    s.expect("lab-vm:/lab# ", SLOW)
    s.send("cat /proc/kmemlab_procfile\r", raw=False)
    s.expect("hello from /proc/kmemlab_procfile", 60)
    s.expect("lab-vm:/lab# ", 60)
    s.send("exit\r", raw=False)
    s.expect("lab: procfile: loaded and unloaded cleanly", 60)
    s.expect(PROMPT)
    leave(s)


def answer():
    lesson = json.load(open(os.path.join(TOP, "lessons/01-ksize/lesson.json")))
    choice = [q for q in lesson["questions"] if q["kind"] == "choice"]
    s = started("1")
    s.send("answer\r")
    # Skip the questions before the first multiple-choice one.
    for q in lesson["questions"]:
        s.expect("%s: " % q["id"])
        s.expect("your answer (Enter skips, q stops): ")
        if q is choice[0]:
            break
        s.send("\n", raw=False)
    wrong = (choice[0]["answer"] + 1) % len(choice[0]["choices"])
    s.send("%s\n" % "abcdefgh"[wrong], raw=False)
    s.expect("Not quite")
    s.expect("your answer (Enter skips, q stops): ")
    s.send("%s\n" % "abcdefgh"[choice[0]["answer"]], raw=False)
    s.expect("Right")
    s.expect("your answer (Enter skips, q stops): ")
    s.send("q\n", raw=False)
    s.expect(PROMPT)
    leave(s)
    print("answered %s" % choice[0]["id"])


def resume():
    os.chdir(TOP)   # for the path completed below
    s = Session(KMEMLAB)
    s.expect("New here?")
    s.expect(PROMPT)
    # Tab completes a path after --source.
    s.send("check --source modules/exercises/vmall\t")
    s.expect("oc/")
    # An option's name, a subcommand, and an option's value.
    s.send("\x15check --exp\t")
    s.expect("eriment ")
    s.send("\x15class im\t")
    s.expect("port ")
    s.send("\x15report --format h\t")
    s.expect("tml ")
    s.send("\x15start 2\r")   # Ctrl-U drops the line first
    s.expect("Lesson 2: ")
    s.expect(PROMPT)
    s.send("quit\r")
    s.wait()
    s = Session(KMEMLAB)
    s.expect("Welcome back: you are on lesson 2")
    s.expect(PROMPT)
    leave(s)


def lesson1():
    """A newcomer gets through lesson 1 with help, Tab and hints alone."""
    editor = os.path.join(os.getcwd(), "solve.sh")
    with open(editor, "w") as f:
        # An "editor" that writes the reference solution into the file it is given.
        f.write("#!/bin/sh\ncp '%s' \"$1\"\n"
                % os.path.join(TOP, "modules/exercises/ksize/solution/ksize_ex.c"))
    os.chmod(editor, 0o755)
    s = Session(KMEMLAB, {"VISUAL": editor})
    s.expect("Type 'start 1'")
    s.expect(PROMPT)
    s.send("sta\t")
    s.expect("rt ")
    s.send("1\r")
    s.expect("Copied the skeleton of 'ksize'")
    s.expect("then type: answer")
    s.expect(PROMPT)
    s.send("help check\r")
    s.expect("usage: kmemlab check")
    s.expect(PROMPT)
    s.send("hint\r")
    s.expect("Hint 1 of 3 for 'ksize'")
    s.expect(PROMPT)
    s.send("edit\r")
    s.expect("Type 'check' to grade ksize")
    s.expect(PROMPT)
    s.send("check\r")
    s.expect("the lab VM...", SLOW)
    s.expect("ksize: passed", SLOW)
    s.expect(PROMPT)
    s.send("solution\r")
    s.expect("The reference solution of 'ksize'")
    s.expect(PROMPT)
    s.send("lessons\r")
    s.expect("kmalloc and ksize")
    s.expect("passed")
    s.expect(PROMPT)
    s.send("next\r")
    s.expect("Copied the skeleton of 'slabinfo'")
    s.expect(PROMPT)
    leave(s)


def spare():
    # The layout exercise needs a new boot (a new KASLR offset) for every
    # check: the shell boots the next one in the background meanwhile.
    sol = os.path.join(TOP, "modules/exercises/layout/solution")
    s = Session(KMEMLAB)
    s.expect(PROMPT)
    s.send("check layout --source %s\r" % sol)
    s.expect("] booting the lab VM", SLOW)
    s.expect("layout: passed", SLOW)
    s.expect(PROMPT)
    time.sleep(5)
    s.send("check layout --source %s\r" % sol)
    s.expect("] taking the lab VM booted in the background", SLOW)
    s.expect("layout: passed", SLOW)
    s.expect(PROMPT)
    leave(s)


{"spare": spare, "lesson1": lesson1, "resume": resume, "interrupt": interrupt, "watch": watch, "vm": vm, "vmquiet": vmquiet, "labshell": labshell, "answer": answer}[NAME]()
print("pty %s ok" % NAME)
