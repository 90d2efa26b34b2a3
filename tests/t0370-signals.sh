#!/bin/sh
# t0370-signals: what keygen, sign and verify leave when interrupted or
# fed something odd: ^C at a passphrase prompt gives the terminal its echo
# back; an interrupted verify --keep-gzip -o OUT leaves no unverified bytes
# beside OUT; "deriving key..." on a terminal; a FIFO in a keyring
# directory or as FILE.minisig is refused, not waited on; no umask() call.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2
PY=/usr/bin/python3
D=$SRC/tests/data/trust

"$CTI" keygen -q -W -p k.pub -s k.key
printf '{"type":"bundle","id":"bundle--1","objects":[]}' | gzip -n >b.cti
"$CTI" sign -s k.key b.cti

# --- ^C at the passphrase prompt: echo back on, killed by SIGINT (130)
$PY - "$CTI" >pty.out 2>&1 <<'PY'
import os, pty, select, signal, sys, termios, time
cti = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execv(cti, [cti, "keygen", "-p", "new.pub", "-s", "new.key"])
buf = b""
end = time.time() + 20
while b"passphrase" not in buf and time.time() < end:
    if select.select([fd], [], [], 0.2)[0]:
        try:
            buf += os.read(fd, 1024)
        except OSError:
            break
time.sleep(0.3)
print("prompt", b"new passphrase for" in buf)
print("echo-off-at-prompt", not termios.tcgetattr(fd)[3] & termios.ECHO)
os.write(fd, b"\x03")
_, st = os.waitpid(pid, 0)
print("echo-on-after", bool(termios.tcgetattr(fd)[3] & termios.ECHO))
print("status", 128 + os.WTERMSIG(st) if os.WIFSIGNALED(st) else os.WEXITSTATUS(st))
PY
check "the prompt came" grep -qx "prompt True" pty.out
check "echo was off at the prompt" grep -qx "echo-off-at-prompt True" pty.out
check "^C turned the echo back on" grep -qx "echo-on-after True" pty.out
check "and the status is 130 (SIGINT)" grep -qx "status 130" pty.out
check "no key file was written" sh -c '[ ! -e new.pub ] && [ ! -e new.key ]'
check "no temporary file left" sh -c '! ls -a | grep -q "^\.cti-tmp"'

# --- "deriving key..." on a terminal, for the seconds of scrypt
cp b.cti enc.cti
$PY - "$CTI" "$D/cti-enc.key" "$D/passphrase" >derive.out 2>&1 <<'PY'
import os, pty, sys
cti, key, pw = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv(cti, [cti, "sign", "-s", key, "--passphrase-file", pw, "enc.cti"])
out = b""
while True:
    try:
        b = os.read(fd, 1024)
    except OSError:
        break
    if not b:
        break
    out += b
_, st = os.waitpid(pid, 0)
print("status", os.WEXITSTATUS(st))
print("note", b"cti: sign: deriving key..." in out)
print("erased", out.endswith(b"\r\x1b[K"))
PY
check "sign on a terminal: exit 0" grep -qx "status 0" derive.out
check "shows deriving key..." grep -qx "note True" derive.out
check "and erases it when done" grep -qx "erased True" derive.out

# --- verify --keep-gzip -o OUT interrupted: nothing unverified beside OUT
$PY - big.cti <<'PY'
import os, sys
with open(sys.argv[1], "wb") as f:
    f.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03")
    f.write(os.urandom(8 << 20))
PY
"$CTI" sign -s k.key big.cti
mkdir dest
$PY - "$CTI" >int.out 2>&1 <<'PY'
import os, signal, subprocess, sys, time
cti = sys.argv[1]
data = open("big.cti", "rb").read()
p = subprocess.Popen([cti, "verify", "-q", "-p", "k.pub", "-o", "dest/OUT.cti",
                      "--keep-gzip", "-"], stdin=subprocess.PIPE)
p.stdin.write(data[:len(data) // 2])
p.stdin.flush()
end = time.time() + 20
seen = False
while time.time() < end:
    if any(n.startswith(".cti-tmp-") for n in os.listdir("dest")):
        seen = True
        break
    time.sleep(0.02)
print("temporary", seen)
p.send_signal(signal.SIGINT)
p.wait()
p.stdin.close()
print("status", 128 - p.returncode if p.returncode < 0 else p.returncode)
print("left", sorted(os.listdir("dest")))
PY
check "the unverified bytes went to a temporary file beside OUT" grep -qx "temporary True" int.out
check "SIGINT ends verify (130)" grep -qx "status 130" int.out
check "nothing left beside OUT" grep -qx "left \[\]" int.out
expect 0 "and the whole file, uninterrupted, verifies into OUT" "$CTI" verify -q -p k.pub -o dest/OUT.cti --keep-gzip big.cti

# --- a progress line on a terminal while a slow input is verified
$PY - "$CTI" >prog.out 2>&1 <<'PY'
import os, pty, select, subprocess, sys, time
cti = sys.argv[1]
data = open("big.cti", "rb").read()
master, slave = pty.openpty()
p = subprocess.Popen([cti, "verify", "-p", "k.pub", "-"], stdin=subprocess.PIPE,
                     stdout=subprocess.DEVNULL, stderr=slave)
os.close(slave)
step = len(data) // 16 + 1
for i in range(0, len(data), step):
    p.stdin.write(data[i:i + step])
    p.stdin.flush()
    time.sleep(0.1)
p.stdin.close()
st = p.wait()
out = b""
while select.select([master], [], [], 0.2)[0]:
    try:
        b = os.read(master, 4096)
    except OSError:
        break
    if not b:
        break
    out += b
print("status", st)
print("progress", b"\rcti: verify: verifying: " in out)
print("erased", out.endswith(b"\r\x1b[K"))
PY
check "verify of a slow input: exit 0" grep -qx "status 0" prog.out
check "a progress line on the terminal" grep -qx "progress True" prog.out
check "erased at the end" grep -qx "erased True" prog.out

# --- FIFOs: refused at once, never waited on
mkfifo b.cti.minisig
expect 4 "a FIFO as FILE.minisig is refused" timeout 10 "$CTI" verify -p k.pub b.cti
check "not a regular file" err_has "b.cti.minisig: not a regular file"
rm b.cti.minisig
mkdir ring && cp k.pub ring/ && mkfifo ring/evil.pub
expect 4 "a FIFO in a keyring directory is refused" timeout 10 "$CTI" verify -k ring b.cti
check "named" err_has "ring/evil.pub: not a regular file"
rm ring/evil.pub
mkdir ring/dir.pub
expect 4 "a directory named *.pub in it too" timeout 10 "$CTI" verify -k ring b.cti
rmdir ring/dir.pub
expect 0 "a pipe named with -x is read (process substitution)" sh -c '"$1" sign --detached -s k.key -x - b.cti | timeout 10 "$1" verify -p k.pub -x /dev/stdin b.cti' sh "$CTI"

# --- no umask() anywhere: it races with other threads of a program
if command -v strace >/dev/null 2>&1 && strace -f -o /dev/null true 2>/dev/null; then
	printf '203.0.113.9\n' >iocs.txt
	# (a sanitizer build's leak check cannot run under ptrace)
	ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-}" \
	strace -f -e trace=umask -o um.log sh -c '
		"$1" keygen -q -W -p u.pub -s u.key &&
		"$1" pack -o u.cti iocs.txt &&
		"$1" sign -s u.key u.cti &&
		"$1" verify -q -p u.pub -o u.json u.cti' sh "$CTI" >/dev/null 2>&1
	check "keygen, pack, sign and verify -o ran under strace" test -s u.json
	check "and none called umask()" sh -c '! grep -q "umask(" um.log'
else
	skip "strace missing or not permitted here"
fi

done_testing
