"""Run a command with a terminal where the tests need one.

usage: onterm.py type CMD...
    CMD's standard input, output and error are a terminal. The lines of
    $LINES_TYPED (separated by '|') are typed, then one Ctrl-D at the start
    of a line. Exits with CMD's status, or 124 when CMD still waits 5
    seconds later (for a second Ctrl-D, say).

usage: onterm.py stderr CMD...
    CMD's standard error is a terminal; what CMD writes there is printed on
    the standard output. $SLOW_STDIN, when set, names a file written to
    CMD's standard input in three parts 0.4 seconds apart, so that CMD
    outlasts half a second. Exits with CMD's status.
"""
import os
import pty
import select
import subprocess
import sys
import time


def typed(cmd):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(cmd[0], cmd)
    for line in os.environ["LINES_TYPED"].split("|"):
        os.write(fd, line.encode() + b"\n")
        time.sleep(0.1)
    time.sleep(0.2)
    os.write(fd, b"\x04")
    end = time.time() + 5
    while time.time() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                os.read(fd, 4096)
            except OSError:
                time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return 124


def on_stderr(cmd):
    master, slave = pty.openpty()
    slow = os.environ.get("SLOW_STDIN")
    p = subprocess.Popen(cmd, stderr=slave, stdout=subprocess.DEVNULL,
                         stdin=subprocess.PIPE if slow else None)
    os.close(slave)
    if slow:
        with open(slow, "rb") as f:
            data = f.read()
        for i in range(3):
            p.stdin.write(data[i * len(data) // 3:(i + 1) * len(data) // 3])
            p.stdin.flush()
            time.sleep(0.4)
        p.stdin.close()
    p.wait()
    out = b""
    while True:
        try:
            d = os.read(master, 65536)
        except OSError:
            break
        if not d:
            break
        out += d
    sys.stdout.write(out.decode())
    return p.returncode


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("type", "stderr"):
        sys.exit(__doc__)
    sys.exit(typed(sys.argv[2:]) if sys.argv[1] == "type"
             else on_stderr(sys.argv[2:]))
