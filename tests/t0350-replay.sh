#!/bin/sh
# t0350-replay: what a hostile file can try against the signer count and
# the replay state: two signatures by one key that disagree on the seq
# (spliced into the header, or one embedded and one detached), one key
# under two key ids, an unknown key's legacy signature, and a state that
# only ever moves forward.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2
PY=/usr/bin/python3

for k in alice bob; do "$CTI" keygen -q -W -p $k.pub -s $k.key; done
printf '{"type":"bundle","id":"bundle--1","objects":[]}' | gzip -n >orig.gz
S=$T/state

# splice SRC DST OUT: DST's header with SRC's signature subfields added
splice() {
	$PY - "$@" <<'PY'
import struct, sys
def parse(b):
    assert b[:2] == b"\x1f\x8b" and b[3] & 4
    xlen = struct.unpack("<H", b[10:12])[0]
    return b[12:12 + xlen], b[12 + xlen:]
src, dst = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
sx, _ = parse(src)
dx, rest = parse(dst)
x = dx + sx
open(sys.argv[3], "wb").write(dst[:10] + struct.pack("<H", len(x)) + x + rest)
PY
}

# --- a re-signed release: seq 100, and seq 50 spliced in beside it
cp orig.gz s50.gz && "$CTI" sign -s alice.key --feed f --seq 50 s50.gz
cp orig.gz s100.gz && "$CTI" sign -s alice.key --feed f --seq 100 s100.gz
cp orig.gz s60.gz && "$CTI" sign -s alice.key --feed f --seq 60 s60.gz
splice s50.gz s100.gz both.gz
expect 0 "seq 100 accepted" "$CTI" verify -p alice.pub --state "$S" s100.gz
check "both signatures are in the spliced file" sh -c '"$1" show "$2" | grep -q "signatures:  2 embedded"' sh "$CTI" both.gz
cp -r "$S" state.before
expect 1 "two embedded signatures by one key, seq 100 and 50: refused" "$CTI" verify -p alice.pub --state "$S" both.gz
check "message names the check" err_has "both.gz: replay: signatures by key"
check "and why" err_has "disagree on feed or seq"
check "the state is untouched" diff -r state.before "$S"
expect 1 "so an older release at seq 60 is still refused" "$CTI" verify -p alice.pub --state "$S" s60.gz
check "as lower than 100" err_has "seq 60 of feed f by key"
expect 1 "refused without a state directory too" "$CTI" verify -p alice.pub both.gz
expect 0 "the same release verified again is accepted" "$CTI" verify -p alice.pub --state "$S" s100.gz

# --- the same with a detached .minisig: embedded seq 100, detached 50
cp orig.gz det.gz
"$CTI" sign --detached -s alice.key --feed f --seq 50 det.gz
"$CTI" sign -s alice.key --feed f --seq 100 det.gz
expect 1 "embedded seq 100 + detached seq 50 by one key: refused" "$CTI" verify -p alice.pub --state "$S" det.gz
check "message names the check (detached)" err_has "det.gz: replay: signatures by key"
expect 1 "seq 60 still refused" "$CTI" verify -p alice.pub --state "$S" s60.gz
"$CTI" sign --detached -s alice.key --feed f --seq 100 det.gz
expect 0 "embedded and detached agreeing: accepted" "$CTI" verify -p alice.pub --state "$S" det.gz
expect 1 "another feed in the detached one: refused" sh -c '
	"$1" sign --detached -s alice.key --feed g --seq 100 det.gz &&
	"$1" verify -p alice.pub det.gz' sh "$CTI"

# --- the state records the highest seq only
cp orig.gz s200.gz && "$CTI" sign -s alice.key --feed f --seq 200 s200.gz
expect 0 "seq 200 accepted" "$CTI" verify -p alice.pub --state "$S" s200.gz
id=$("$CTI" show --json alice.pub | sed 's/.*"key":"\([0-9A-F]*\)".*/\1/')
check "state file holds 200" sh -c "cut -d' ' -f1 '$S/accepted/f/$id' | grep -qx 200"
expect 1 "100 after 200: refused" "$CTI" verify -p alice.pub --state "$S" s100.gz
check "state still 200" sh -c "cut -d' ' -f1 '$S/accepted/f/$id' | grep -qx 200"

# --- one key under two key ids counts once toward --threshold
$PY - alice.pub alice.key alice2.pub alice2.key <<'PY'
import base64, hashlib, sys
pub = open(sys.argv[1]).read().split("\n")
sec = open(sys.argv[2]).read().split("\n")
kn = bytes(range(1, 9))  # another key id
p = bytearray(base64.b64decode(pub[1]))
p[2:10] = kn
open(sys.argv[3], "w").write("untrusted comment: alice again\n%s\n" % base64.b64encode(p).decode())
s = bytearray(base64.b64decode(sec[1]))
assert s[2:4] == b"\0\0"  # unencrypted
s[54:62] = kn
s[126:158] = hashlib.blake2b(bytes(s[0:2] + s[54:62] + s[62:126]), digest_size=32).digest()
open(sys.argv[4], "w").write("untrusted comment: alice again\n%s\n" % base64.b64encode(s).decode())
PY
cp orig.gz twice.gz
"$CTI" sign -s alice.key --feed f --seq 1 twice.gz
"$CTI" sign -s alice2.key --feed f --seq 1 twice.gz
check "two signatures under two key ids" sh -c '"$1" show twice.gz | grep -q "signatures:  2 embedded"' sh "$CTI"
expect 0 "each verifies" "$CTI" verify -p alice.pub -p alice2.pub twice.gz
check "both reported" test "$(grep -c "good embedded signature" "$T/out")" -eq 2
expect 1 "but they are one signer: --threshold 2 refused" "$CTI" verify -p alice.pub -p alice2.pub --threshold 2 twice.gz
check "message counts one signer" err_has "threshold: 1 trusted signer, 2 required"
"$CTI" sign -s bob.key --feed f --seq 1 twice.gz
expect 0 "with bob, two signers" "$CTI" verify -p alice.pub -p alice2.pub -p bob.pub --threshold 2 twice.gz
expect 1 "not three" "$CTI" verify -p alice.pub -p alice2.pub -p bob.pub --threshold 3 twice.gz

# --- an unknown key's legacy ("Ed") subfield is ignored, like an "ED" one
cp orig.gz leg.gz
"$CTI" sign -s alice.key leg.gz
cp orig.gz bobsig.gz
"$CTI" sign -s bob.key bobsig.gz
splice bobsig.gz leg.gz leg2.gz
$PY - leg2.gz <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
# the second subfield (bob's) says "Ed": a legacy signature
i = b.index(b"CS", 12)
j = b.index(b"CS", i + 4)
assert b[j + 4:j + 6] == b"ED"
b[j + 4:j + 6] = b"Ed"
open(sys.argv[1], "wb").write(b)
PY
check "the file shows a legacy signature" sh -c '"$1" show leg2.gz | grep -q "legacy (unverified)"' sh "$CTI"
expect 0 "unknown key's legacy signature ignored" "$CTI" verify -p alice.pub leg2.gz
check "only alice reported" test "$(grep -c "good embedded signature" "$T/out")" -eq 1
expect 1 "a trusted key's legacy signature still needs --legacy" "$CTI" verify -p alice.pub -p bob.pub leg2.gz
check "message names the check, and the option" err_has "legacy: signature by key"
check "the command adds the advice" err_has "; --legacy accepts it"
expect 1 "with --legacy it is checked (and this one is forged)" "$CTI" verify --legacy -p alice.pub -p bob.pub leg2.gz
check "bad signature" err_has "bad signature: embedded signature by key"

done_testing
