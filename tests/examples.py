#!/usr/bin/python3
"""tests/examples.py - run every example of the README and the manual pages.

Usage: examples.py SRC CTI WORLD SANDBOX FILE...

An example is taken from the file itself, so the documentation and the tool
cannot drift apart:
  - README: indented blocks (four spaces); in man/*.[0-9]: the .Bd -literal
    blocks of the EXAMPLES section.
  - A line starting with "$ " is a command; a command line ending in "\\" or
    "|" (or with an unclosed quote) goes on to the next line. The lines after
    a command, up to the next command, are its output as the file shows it.
  - A block without "$ " lines that starts with "cti " is a script and runs
    as a whole; a crontab(5) line runs its command, which must print
    nothing (cron would mail it).
  - `export NAME=VALUE` keeps NAME for the commands after it, as the
    reader's shell would.
  - Commands of the build (make ..., sh tests/setup.sh) are checked with
    `make -n`: the test suite itself is what they run.

Each file's examples run in order in one fresh directory that WORLD (a shell
script) fills with what the examples name (indicator lists, keys, bundles),
with HOME, XDG_CONFIG_HOME and XDG_STATE_HOME inside it and
CTI_PASSPHRASE_FILE set, as a user following the text would. Absolute paths
of the examples under /media, /srv, /etc/cti and /var/lib/cti are taken
inside the directory, and the environment variable EX_REWRITE may name
more: lines of FROM, a tab and TO (the tests point the hosts of the
examples at servers of their own this way). A command must exit 0 (an example that shows a failure
writes `|| echo ...` or `; echo $?`), and every output line shown must appear
in what it printed, compared after key ids, times and UUIDs are made
generic; "..." in a shown line matches anything. `cti diff` may also exit 1,
its "differences found". WORLD may leave a file "env" of NAME=VALUE lines
in the directory, added to the environment of the examples.

Prints TAP lines ("ok - ..." / "not ok - ...") for tests/lib.sh's counting.
"""

import os
import re
import subprocess
import sys

REWRITE = ("/media/", "/srv/", "/etc/cti/", "/var/lib/cti/")
EXPORT = re.compile(r"^export ([A-Za-z_][A-Za-z0-9_]*)=([^\s;&|'\"`$]*)$")
CRONTAB = re.compile(r"^(?:\S+\s+){5}(cti .*)$")


def readme_blocks(path):
    """Indented blocks of the README: lists of (line number, text)."""
    blocks, cur = [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith("    "):
                cur.append((n, line[4:]))
            elif line.strip() == "" and cur:
                cur.append((n, ""))
            else:
                if cur:
                    blocks.append(cur)
                cur = []
    if cur:
        blocks.append(cur)
    # blank lines inside a block are kept, trailing ones dropped
    out = []
    for b in blocks:
        while b and b[-1][1] == "":
            b.pop()
        if b:
            out.append(b)
    return out


def man_unescape(s):
    s = s.replace("\\e", "\\").replace("\\-", "-").replace("\\&", "")
    s = s.replace("\\(aq", "'").replace("\\(dq", '"').replace("\\(ga", "`")
    s = s.replace("\\(ti", "~").replace("\\(ha", "^").replace("\\ ", " ")
    return s


def man_blocks(path):
    """The .Bd -literal blocks of a manual page's EXAMPLES section."""
    blocks, cur, in_ex, in_bd = [], None, False, False
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith(".Sh "):
                in_ex = line == ".Sh EXAMPLES"
                continue
            if not in_ex:
                continue
            if line.startswith(".Bd ") and "-literal" in line:
                in_bd, cur = True, []
                continue
            if line.startswith(".Ed") and in_bd:
                in_bd = False
                blocks.append(cur)
                continue
            if in_bd and not line.startswith('.\\"'):
                cur.append((n, man_unescape(line)))
    return [b for b in blocks if b]


def unfinished(cmd):
    """Whether a command goes on to the next line."""
    s = cmd.rstrip()
    if s.endswith("\\") or s.endswith("|") or s.endswith("&&") or \
            s.endswith("||"):
        return True
    # an unclosed quote (crudely: outside double quotes, count single ones)
    q, dq = 0, 0
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and not q:
            i += 2
            continue
        if c == "'" and not dq:
            q ^= 1
        elif c == '"' and not q:
            dq ^= 1
        i += 1
    return bool(q or dq)


def examples(block):
    """(line, command, shown output lines) of a block, or a script."""
    if not any(t.startswith("$ ") for _, t in block):
        first = block[0][1]
        cron = CRONTAB.match(first)
        if cron and len(block) == 1:
            return [(block[0][0], cron.group(1), [], "crontab")]
        if first.startswith("cti "):
            return [(block[0][0], "\n".join(t for _, t in block), [],
                     "script")]
        return []
    out, i = [], 0
    while i < len(block):
        n, t = block[i]
        if not t.startswith("$ "):
            i += 1
            continue
        cmd = t[2:]
        i += 1
        while unfinished(cmd) and i < len(block) and \
                not block[i][1].startswith("$ "):
            cmd += "\n" + block[i][1]
            i += 1
        shown = []
        while i < len(block) and not block[i][1].startswith("$ "):
            if block[i][1].strip():
                shown.append(block[i][1])
            i += 1
        out.append((n, cmd, shown, "command"))
    return out


GENERIC = [
    (re.compile(r"\b[0-9A-F]{16}\b"), "KEYID"),
    (re.compile(r"\b[0-9A-F]{4}\.\.\."), "KEYID"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"), "TIME"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                r"[0-9a-f]{12}\b"), "UUID"),
    (re.compile(r"\s+"), " "),
]


def generic(s):
    for r, w in GENERIC:
        s = r.sub(w, s)
    return s.strip()


def pattern(line):
    """A shown line as a pattern: "..." matches anything."""
    parts = [re.escape(p.strip()) for p in line.split("...")]
    return re.compile(r".*?".join(parts))


def shown_ok(shown, got):
    """Every shown line is in got: as it is, or with both made generic;
    "..." matches anything."""
    forms = []
    for conv in (lambda x: re.sub(r"\s+", " ", x).strip(), generic):
        lines = [conv(x) for x in got.splitlines()]
        forms.append((conv, lines, " ".join(lines)))
    for s in shown:
        if s.strip() in ("...", ""):
            continue
        found = False
        for conv, lines, text in forms:
            pat = pattern(conv(s))
            # a shown line may be one wrapped for the page: also look in
            # the whole output
            if any(pat.search(x) for x in lines) or pat.search(text):
                found = True
                break
        if not found:
            return s
    return None


def build_command(src, cmd):
    """A build command (make, setup.sh) as a dry run, or None."""
    c = re.sub(r"\s*#.*$", "", cmd).strip()
    c = re.sub(r"^sh tests/setup\.sh( --test)?\s*(&&\s*)?", "", c)
    if c == "":
        return "true"
    if not c.startswith("make"):
        return None
    parts = [p.strip() for p in c.split("&&")]
    if not all(p.startswith("make") for p in parts):
        return None
    return " && ".join("make -n -s -C %s %s >/dev/null" %
                       (src, p[4:].strip()) for p in parts)


def main():
    src, cti, world, sandbox = sys.argv[1:5]
    files = sys.argv[5:]
    bindir = os.path.dirname(cti)
    failed = 0
    more = [tuple(x.split("\t", 1)) for x in
            os.environ.get("EX_REWRITE", "").splitlines() if "\t" in x]
    for doc in files:
        rel = os.path.relpath(doc, src)
        blocks = man_blocks(doc) if re.search(r"\.\d$", doc) else \
            readme_blocks(doc)
        exs = [e for b in blocks for e in examples(b)]
        if not exs:
            print("not ok - %s: no examples found" % rel)
            failed += 1
            continue
        home = os.path.join(sandbox, re.sub(r"[^A-Za-z0-9.-]", "_", rel))
        os.makedirs(home)
        env = dict(os.environ)
        env.update({
            "HOME": home + "/home",
            "XDG_CONFIG_HOME": home + "/home/.config",
            "XDG_STATE_HOME": home + "/home/.local/state",
            "CTI_PASSPHRASE_FILE": home + "/passphrase",
            "PATH": "%s/shims:%s:%s" % (home, bindir, env.get("PATH", "")),
            "W": home,
            "LC_ALL": "C",
        })
        env.pop("SOURCE_DATE_EPOCH", None)
        r = subprocess.run(["bash", world, home, src, rel], env=env,
                           capture_output=True, text=True)
        if r.returncode:
            print("not ok - %s: setting up its world failed:\n#   %s" %
                  (rel, r.stderr.replace("\n", "\n#   ")))
            failed += 1
            continue
        if os.path.exists(home + "/env"):
            with open(home + "/env", encoding="utf-8") as f:
                for line in f:
                    k, _, v = line.rstrip("\n").partition("=")
                    if k:
                        env[k] = v
        for n, cmd, shown, kind in exs:
            run = cmd
            for f, t in more:
                run = run.replace(f, t)
            for p in REWRITE:
                run = run.replace(p, home + "/root" + p)
            b = build_command(src, cmd)
            if b is not None:
                run = b
            desc = "%s:%d: %s" % (rel, n, cmd.splitlines()[0][:70])
            try:
                r = subprocess.run(["bash", "-o", "pipefail", "-c", run],
                                   cwd=home, env=env, capture_output=True,
                                   text=True, timeout=120,
                                   stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                print("not ok - %s (timed out)" % desc)
                failed += 1
                continue
            if r.returncode == 1 and cmd.startswith("cti diff"):
                pass
            elif r.returncode != 0:
                print("not ok - %s (exit %d)" % (desc, r.returncode))
                for line in (r.stderr or r.stdout).splitlines()[:6]:
                    print("#   " + line)
                failed += 1
                continue
            for f, t in more:
                shown = [x.replace(f, t) for x in shown]
            if kind == "crontab" and (r.stdout or r.stderr):
                print("not ok - %s (cron would mail its output)" % desc)
                for line in (r.stdout + r.stderr).splitlines()[:6]:
                    print("#   got:   " + line)
                failed += 1
                continue
            miss = shown_ok(shown, r.stdout + r.stderr) if b is None else None
            if miss is not None:
                print("not ok - %s (output differs from the text)" % desc)
                print("#   shown: " + miss)
                for line in (r.stdout + r.stderr).splitlines()[:6]:
                    print("#   got:   " + line)
                failed += 1
                continue
            # a variable exported stays for the commands after it, as in
            # the reader's shell
            m = EXPORT.match(cmd.strip())
            if m:
                env[m.group(1)] = m.group(2)
            print("ok - %s" % desc)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
