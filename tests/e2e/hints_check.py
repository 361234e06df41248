"""Every hint can be followed as written, and an exercise's hints progress:
hints_check.py TOP [LESSON.json...]

Checks the lessons under TOP, or only the lesson files named (their
skeleton and solution paths are taken relative to TOP).

Followed as written: a command a hint quotes ('lab run X ...', 'check X')
names an exercise or a file of its skeleton, so it works as typed in the
tutor shell, where the learner's files are in the workspace and not in the
current directory.  A name a hint gives that the reference solution
defines itself (a function or a variable of the exercise, not the
kernel's) is in the skeleton too: the learner cannot find what only the
solution has.

Progress: every exercise has exactly three hints, each saying more.
  1. A nudge: no code, and no name the solution's code uses that the
     skeleton's code does not (kernel and libc APIs included): the nudge
     says where to look and what to think about, hint 2 names the API.
  2. The approach: it may name every API, but it writes none of the
     solution's statements: no line the solution adds to the skeleton, no
     statement or call (with its arguments) that is only in the solution,
     no 'x = f' assignment of the solution.
  3. Near-code: not empty, not a repeat, and with some code in it.
Names are C identifiers of the code with comments and string literals
removed, C keywords left out.  One-letter names are not checked in hint 1:
"a" is English too.  Code and statements are compared with all whitespace
removed; fragments shorter than 12 characters are not compared.

Prints one line per problem; exits 1 if there is any."""
import glob
import json
import os
import re
import sys

TOP = sys.argv[1]
MIN_FRAGMENT = 12
IDENT = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\b")
# Definitions at the start of a line: "static int f(", "long kb[N] =", "unsigned x;"
DEFINED = re.compile(r"^(?:static\s+|const\s+)*[A-Za-z_][\w\s\*]*?\b([A-Za-z_]\w*)\s*(?:\(|\[|=|;)",
                     re.M)
# A command typed in the tutor shell, quoted in a hint.
COMMAND = re.compile(r"'((?:kmemlab )?(?:lab run|check|edit|diff|reset) [^']*)'")
C_KEYWORDS = set("""auto break case char const continue default do double else enum
extern float for goto if inline int long register restrict return short signed
sizeof static struct switch typedef union unsigned void volatile while _Alignas
_Alignof _Atomic _Bool _Complex _Generic _Imaginary _Noreturn _Static_assert
_Thread_local""".split())
# What makes a piece of text code rather than prose.  A function named
# with empty parentheses, report_ok(), or an array as bounds[] is prose.
CODE = [
    (r"\b[A-Za-z_]\w*\([^()]*[^\s()][^()]*\)", "a call with arguments"),
    (r"\b[A-Za-z_]\w*\[[^\]]+\]", "an array element"),
    (r"->", "'->'"),
    (r"[=!<>+\-*/%&|^]=|&&|\|\||\+\+|\w--|<<|>>", "a C operator"),
    (r"\s=\s|\w=\w", "an assignment"),
    (r"&[A-Za-z_]", "an address-of '&'"),
    (r"[{}]", "a brace"),
    (r"\w\(\)\s*;|\]\s*;|\b(?:return|continue|break)\b[^.,;]*;", "a statement's ';'"),
    (r"\b(?:if|for|while|switch|sizeof)\s*\(", "a C construct"),
    (r"\((?:const\s+)?(?:unsigned\s+)?(?:char|short|int|long|void|size_t|bool)(?:\s+long)?\s*\**\)",
     "a cast"),
]

problems = []


LITERAL = re.compile(r"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'", re.S)


def strip_comments(src, strings=False):
    """The C source with its comments blanked out and, if strings is set,
    the contents of its string and character literals too.  Blanking keeps
    every character where it was: a comment becomes spaces and its
    newlines, a literal's contents become spaces between the quotes."""
    def repl(m):
        s = m.group(0)
        if s.startswith("/"):
            return re.sub(r"[^\n]", " ", s)
        return s[0] + " " * (len(s) - 2) + s[-1] if strings else s
    return LITERAL.sub(repl, src)


def squeeze(s):
    return re.sub(r"\s+", "", s)


def names(code):
    return set(IDENT.findall(strip_comments(code, strings=True))) - C_KEYWORDS


def statements(code):
    """Statements and headers (if, for: up to their brace), split at ';',
    '{' and '}' outside parentheses and literals, without whitespace."""
    text, blank = strip_comments(code), strip_comments(code, strings=True)
    out, begin, depth = [], 0, 0
    for i, ch in enumerate(blank):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and ch in ";{}":
            out.append(squeeze(text[begin:i]))
            begin = i + 1
    out.append(squeeze(text[begin:]))
    return {s for s in out if s}


def calls(code):
    """Every call with its arguments, without whitespace: f(a, g(b)) and g(b)."""
    text, blank = strip_comments(code), strip_comments(code, strings=True)
    out = set()
    for m in re.finditer(r"\b([A-Za-z_]\w*)\s*\(", blank):
        if m.group(1) in C_KEYWORDS:
            continue
        depth, i = 0, m.end() - 1
        while i < len(blank):
            depth += {"(": 1, ")": -1}.get(blank[i], 0)
            if depth == 0:
                break
            i += 1
        call = squeeze(text[m.start():i + 1])
        if not call.endswith("()"):
            out.add(call)
    return out


def assignments(code):
    """(target, first token of the value) of every assignment and
    initialisation: 'bufs[i] = kmalloc(...)' gives ('bufs[i]', 'kmalloc'),
    'f = fopen(...)' ('f', 'fopen'); a string value is its opening quote."""
    flat = re.sub(r"\s+", " ", strip_comments(code, strings=True))
    return set(re.findall(r"([A-Za-z_][\w.\[\]>-]*?(?:\[[^\]]*\])*)\s*(?<![=!<>+\-*/%&|^])=(?!=)\s*"
                          r"([&!*-]?\(?[A-Za-z_]\w*|\d+|\")", flat))


def code_in(text):
    """The first code-like fragment of text (quoted shell commands aside)."""
    text = COMMAND.sub("'command'", text)
    for pat, what in CODE:
        m = re.search(pat, text)
        if m:
            a, b = max(m.start() - 12, 0), min(m.end() + 12, len(text))
            return "%s: '%s%s%s'" % (what, "..." if a else "", text[a:b].strip(),
                                     "..." if b < len(text) else "")
    return None


def text_of(d):
    return "".join(open(f, errors="replace").read()
                   for f in sorted(glob.glob(os.path.join(TOP, d, "*.c"))))


def check_followed(e, skel, sol, ids):
    sol_defs = set(DEFINED.findall(sol))
    files = {os.path.basename(f) for f in glob.glob(os.path.join(TOP, e["skeleton"], "*"))}
    for n, hint in enumerate(e.get("hints", []), 1):
        where = "%s hint %d" % (e["id"], n)
        for cmd in COMMAND.findall(hint):
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


def check_progress(e, skel, sol):
    hints = e.get("hints", [])
    ex = e["id"]
    if len(hints) != 3:
        problems.append("%s: %d hints: an exercise has three (a nudge, the approach, "
                        "near-code)" % (ex, len(hints)))
        return
    for n, hint in enumerate(hints, 1):
        if not hint.strip():
            problems.append("%s hint %d is empty" % (ex, n))
    h1, h2, h3 = hints
    # 1: no name only the solution's code uses, no code.
    new = names(sol) - names(skel)
    for name in sorted(set(IDENT.findall(COMMAND.sub("", h1))) & new):
        if len(name) > 1:
            problems.append("%s hint 1: names '%s', which the solution's code uses and the "
                            "skeleton's does not: leave it to hint 2" % (ex, name))
    what = code_in(h1)
    if what:
        problems.append("%s hint 1: has code (%s): a nudge is prose" % (ex, what))
    # 2: none of the solution's statements.
    hint = squeeze(h2)
    skel_lines = {squeeze(l) for l in strip_comments(skel).splitlines()}
    skel_code = squeeze(strip_comments(skel))
    pieces = {squeeze(l).rstrip(";{") for l in strip_comments(sol).splitlines()
              if squeeze(l) not in skel_lines}
    pieces |= statements(sol) - statements(skel)
    pieces |= {c for c in calls(sol) if c not in skel_code}
    for piece in sorted(pieces, key=len, reverse=True):
        if len(piece) >= MIN_FRAGMENT and piece in hint:
            problems.append("%s hint 2: writes the solution's '%s': the approach says which "
                            "APIs and how they fit, hint 3 gives the code" % (ex, piece))
            break
    for target, value in sorted(assignments(sol) - assignments(skel)):
        pat = r"(?<![\w.>\]])%s\s*=\s*%s" % (re.escape(target), re.escape(value))
        if re.search(pat + (r"\b" if value[-1].isalnum() or value[-1] == "_" else ""), h2):
            problems.append("%s hint 2: writes the solution's assignment '%s = %s...'"
                            % (ex, target, value))
    # 3: more than the others, and code.
    for n, other in ((1, h1), (2, h2)):
        if squeeze(h3).lower() == squeeze(other).lower():
            problems.append("%s hint 3 repeats hint %d" % (ex, n))
    if squeeze(h2).lower() == squeeze(h1).lower():
        problems.append("%s hint 2 repeats hint 1" % ex)
    if h3.strip() and not code_in(h3):
        problems.append("%s hint 3: has no code: the last hint gives statements or a "
                        "sketch of them" % ex)


def main():
    paths = sys.argv[2:] or sorted(glob.glob(os.path.join(TOP, "lessons/*/lesson.json")))
    every = sorted(glob.glob(os.path.join(TOP, "lessons/*/lesson.json")))
    ids = {e["id"] for p in every + paths for e in json.load(open(p)).get("exercises", [])}
    for p in paths:
        for e in json.load(open(p)).get("exercises", []):
            # A course pack's lesson may leave the folders to their defaults.
            e.setdefault("skeleton", "modules/exercises/%s/skeleton" % e["id"])
            e.setdefault("solution", "modules/exercises/%s/solution" % e["id"])
            skel = text_of(e["skeleton"])
            sol = text_of(e["solution"])
            check_followed(e, skel, sol, ids)
            check_progress(e, skel, sol)
    for p in problems:
        print(p)
    return 1 if problems else 0


sys.exit(main())
