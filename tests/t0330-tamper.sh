#!/bin/sh
# t0330-tamper: every single-bit flip of a small signed bundle, and every
# truncation of it, makes cti verify exit 1 or 3 - never 0, never a crash
# (and no sanitizer report when cti is built with SAN=1).
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

need_tools python3
# a sanitizer report must not pass for a plain "exit 1"
export ASAN_OPTIONS="exitcode=99:abort_on_error=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="exitcode=98:print_stacktrace=1:${UBSAN_OPTIONS:-}"

printf '203.0.113.9\n' >iocs.txt
if ! "$CTI" pack -o b.gz iocs.txt 2>/dev/null; then
	printf '{"type":"bundle","id":"bundle--1","objects":[]}' | gzip -n >b.gz
fi
"$CTI" keygen -W -p k.pub -s k.key >/dev/null
expect 0 "sign the bundle" "$CTI" sign -s k.key --feed t --seq 1 --expires 30d b.gz
expect 0 "the untouched bundle verifies" "$CTI" verify -p k.pub b.gz
size=$(wc -c <b.gz)
echo "# $size bytes: $((size * 8)) bit flips, $size truncations"

mkdir cases
python3 - b.gz cases <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
out = sys.argv[2]
for i in range(len(data) * 8):
    b = bytearray(data)
    b[i // 8] ^= 1 << (i % 8)
    open("%s/bit%05d" % (out, i), "wb").write(b)
for n in range(len(data)):
    open("%s/cut%05d" % (out, n), "wb").write(data[:n])
PY

# verify every case, in parallel; one line "STATUS NAME" each
jobs=$(nproc 2>/dev/null || echo 2)
(cd cases && ls) | xargs -P "$jobs" -n 64 sh -c '
	for f; do
		"$0" verify -q -p k.pub "cases/$f" >/dev/null 2>"cases/$f.err"
		echo "$? $f"
	done' "$CTI" >results

total=$(wc -l <results)
check "every case was run ($((size * 9)))" test "$total" -eq $((size * 9))
bad=$(awk '$1 != 1 && $1 != 3' results)
check "every flip and cut exits 1 or 3" test -z "$bad"
[ -z "$bad" ] || printf '%s\n' "$bad" | head -n 10 | sed 's/^/#   /'
check "never exit 0" sh -c "! awk '\$1 == 0' results | grep -q ."
san=$(cat cases/*.err | grep -c -e 'runtime error' -e 'Sanitizer' -e 'Segmentation')
check "no crash or sanitizer report" test "$san" -eq 0
check "every refusal has a message" sh -c '
	for f in cases/*.err; do [ -s "$f" ] || exit 1; done'
echo "# exit 1: $(awk '$1 == 1' results | wc -l), exit 3: $(awk '$1 == 3' results | wc -l)"

done_testing
