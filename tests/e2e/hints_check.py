"""Every hint can be followed as written: hints_check.py TOP.

A command a hint quotes ('lab run X ...', 'check X') names an exercise or a
file of its skeleton, so it works as typed in the tutor shell, where the
learner's files are in the workspace and not in the current directory.  A
name a hint gives that the reference solution defines itself (a function or
a variable of the exercise, not the kernel's) is in the skeleton too: the
learner cannot find what only the solution has.  Prints one line per
problem; exits 1 if there is any."""
import glob
import json
import os
import re
import sys

TOP = sys.argv[1]
IDENT = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\b")
# Definitions at the start of a line: "static int f(", "long kb[N] =", "unsigned x;"
DEFINED = re.compile(r"^(?:static\s+|const\s+)*[A-Za-z_][\w\s\*]*?\b([A-Za-z_]\w*)\s*(?:\(|\[|=|;)",
                     re.M)
problems = []
ids = set()
lessons = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(TOP, "lessons/*/lesson.json")))]
for l in lessons:
    for e in l.get("exercises", []):
        ids.add(e["id"])


def text_of(d):
    return "".join(open(f, errors="replace").read()
                   for f in sorted(glob.glob(os.path.join(TOP, d, "*.c"))))


for l in lessons:
    for e in l.get("exercises", []):
        skel = text_of(e["skeleton"])
        sol = text_of(e["solution"])
        sol_defs = set(DEFINED.findall(sol))
        files = {os.path.basename(f) for f in glob.glob(os.path.join(TOP, e["skeleton"], "*"))}
        for n, hint in enumerate(e.get("hints", []), 1):
            where = "%s hint %d" % (e["id"], n)
            for cmd in re.findall(r"'((?:kmemlab )?(?:lab run|check|edit|diff|reset) [^']*)'", hint):
                words = cmd.split()
                if words[0] == "kmemlab":
                    words = words[1:]
                arg = words[2] if words[0] == "lab" else words[1]
                if arg not in ids and arg not in files:
                    problems.append("%s: '%s' names '%s', which is no exercise (typed in the "
                                    "shell it finds no file)" % (where, cmd, arg))
                if arg in files and words[0] == "lab":
                    problems.append("%s: '%s' works only in the workspace directory: name "
                                    "the exercise ('lab run %s')" % (where, cmd, e["id"]))
            for name in set(IDENT.findall(hint)):
                if name in sol_defs and not re.search(r"\b%s\b" % re.escape(name), skel):
                    problems.append("%s: names '%s', which only the reference solution has"
                                    % (where, name))
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
