#!/bin/sh
# t0310-sign-verify: cti sign and cti verify - embedded and detached
# signatures, co-signers and thresholds, every refused check with its exit
# status and message, replay state, expiry, -o OUT, --seq auto.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

# A small bundle: cti pack when it works, else gzip -n of a bundle.
printf '198.51.100.7\nevil.example.com\n' >iocs.txt
if ! "$CTI" pack -o bundle.gz iocs.txt 2>/dev/null; then
	printf '{"type":"bundle","id":"bundle--0f5e2a4e-4a3b-5d2c-9a1b-1c2d3e4f5a6b","objects":[]}' |
		gzip -n >bundle.gz
fi
cp bundle.gz orig.gz
gzip -dc orig.gz >orig.json

for k in alice bob carol; do
	expect 0 "keygen -W $k" "$CTI" keygen -W -p $k.pub -s $k.key
done
mkdir ring && cp alice.pub bob.pub ring/

# --- one signer, embedded
expect 0 "sign embedded" "$CTI" sign -s alice.key bundle.gz
check "signed bundle passes gzip -t" gzip -t bundle.gz
gzip -dc bundle.gz >signed.json
check "signed bundle decompresses to the same JSON" cmp -s orig.json signed.json
if command -v jq >/dev/null 2>&1; then
	check "gzip -dc signed | jq . works" sh -c 'gzip -dc bundle.gz | jq . >/dev/null'
fi
expect 0 "verify with the signer's key" "$CTI" verify -p alice.pub bundle.gz
check "verify names the signer" out_has "good embedded signature by alice (key "
expect 0 "verify with a keyring directory" "$CTI" verify -k ring bundle.gz
expect 0 "verify --json" "$CTI" verify --json -p alice.pub bundle.gz
check "--json reports the signer" grep -q '"verified":true,"signers":\[{"name":"alice"' "$T/out"
expect 0 "default keyring in XDG_CONFIG_HOME/cti/trusted" sh -c \
	'mkdir -p "$XDG_CONFIG_HOME/cti/trusted" && cp alice.pub "$XDG_CONFIG_HOME/cti/trusted/" && "$CTI" verify bundle.gz'
rm -rf "$XDG_CONFIG_HOME/cti/trusted"

# --- refused checks, each exit 1 with the check named
cp orig.gz unsigned.gz
expect 1 "no signature" "$CTI" verify -p alice.pub unsigned.gz
check "message names the check: no signature" err_has "unsigned.gz: no signature"
expect 1 "unknown key id" "$CTI" verify -p bob.pub bundle.gz
check "message names the check: untrusted" err_has "bundle.gz: untrusted: signed only by unknown key"

# wrong key: a public key file with alice's key id but bob's key
python3 - alice.pub bob.pub >forged.pub <<'PY'
import base64, sys
a = base64.b64decode(open(sys.argv[1]).read().split("\n")[1])
b = base64.b64decode(open(sys.argv[2]).read().split("\n")[1])
print("untrusted comment: forged")
print(base64.b64encode(a[:10] + b[10:]).decode())
PY
expect 1 "wrong key (same key id, other key)" "$CTI" verify -p forged.pub bundle.gz
check "message names the check: bad signature" err_has "bundle.gz: bad signature: embedded signature by key"

# --- a second signer keeps the first signature valid
expect 0 "second signer" "$CTI" sign -s bob.key bundle.gz
expect 0 "first signature still verifies" "$CTI" verify -p alice.pub bundle.gz
expect 0 "second signature verifies" "$CTI" verify -p bob.pub bundle.gz
expect 0 "threshold 2 with both keys" "$CTI" verify -k ring --threshold 2 bundle.gz
check "both signers reported" test "$(grep -c "good embedded signature" "$T/out")" -eq 2
expect 1 "threshold 3 with two signers" "$CTI" verify -k ring -p carol.pub --threshold 3 bundle.gz
check "message names the check: threshold" err_has "bundle.gz: threshold: 2 trusted signers, 3 required"
expect 1 "threshold 2, one trusted signer" "$CTI" verify -p alice.pub -p carol.pub --threshold 2 bundle.gz
check "message names the check: threshold (1)" err_has "threshold: 1 trusted signer, 2 required"
expect 0 "re-signing by the same key replaces its signature" "$CTI" sign -s alice.key bundle.gz
expect 0 "still two distinct signers" "$CTI" verify --json -k ring --threshold 2 bundle.gz
check "two signatures, not three" test "$(grep -o '"name"' "$T/out" | wc -l)" -eq 2

# --- detached signatures
cp orig.gz det.gz
expect 0 "sign --detached" "$CTI" sign --detached -s carol.key det.gz
check "det.gz unchanged" cmp -s orig.gz det.gz
check "det.gz.minisig written" test -s det.gz.minisig
expect 0 "verify finds FILE.minisig" "$CTI" verify -p carol.pub det.gz
check "reported as detached" out_has "good detached signature by carol"
mv det.gz.minisig elsewhere.sig
expect 1 "without the .minisig: no signature" "$CTI" verify -p carol.pub det.gz
expect 0 "verify -x SIG" "$CTI" verify -p carol.pub -x elsewhere.sig det.gz
expect 0 "sign --detached -x SIG -c COMMENT" "$CTI" sign --detached -s carol.key -x d2.sig -c "my comment" det.gz
check "untrusted comment written" grep -qx "untrusted comment: my comment" d2.sig
sed '1s/.*/untrusted comment: changed freely/' d2.sig >d3.sig
expect 0 "untrusted comment is not authenticated (minisign's format)" "$CTI" verify -p carol.pub -x d3.sig det.gz
sed '3s/file:det.gz/file:other/' d2.sig >d4.sig
expect 1 "changed trusted comment" "$CTI" verify -p carol.pub -x d4.sig det.gz
check "message names the check: trusted comment" err_has "bad signature: trusted comment of the signature by key"
printf 'untrusted comment: x\nnot base64!\n' >bad.sig
expect 3 "malformed .minisig: exit 3" "$CTI" verify -p carol.pub -x bad.sig det.gz
printf 'plain text, not gzip\n' >plain.txt
expect 3 "embedded signature needs gzip: exit 3" "$CTI" sign -s carol.key plain.txt
check "message says so" err_has "plain.txt: not a gzip file"
expect 0 "plain file signed detached" "$CTI" sign --detached -s carol.key plain.txt
expect 0 "plain file verified" "$CTI" verify -p carol.pub plain.txt
# embedded and detached together, counted once per key
cp bundle.gz both.gz
expect 0 "detached signature over a file with embedded ones" "$CTI" sign --detached -s carol.key both.gz
expect 0 "three distinct signers: two embedded, one detached" "$CTI" verify -k ring -p carol.pub --threshold 3 both.gz

# --- gzip headers with a file name, a comment, another extra subfield,
# an empty extra field, a header CRC
python3 - orig.gz <<'PY'
import struct, sys, zlib
body = open(sys.argv[1], "rb").read()[10:]
def hdr(flg, extra=None, names=b""):
    h = bytes([0x1f, 0x8b, 8, flg, 0, 0, 0, 0, 0, 3])
    if extra is not None:
        h += struct.pack("<H", len(extra)) + extra
    return h + names
open("named.gz", "wb").write(hdr(0x04 | 0x08 | 0x10, b"AP\x03\x00xyz", b"iocs.json\0a comment\0") + body)
open("empty-extra.gz", "wb").write(hdr(0x04, b"") + body)
open("no-extra.gz", "wb").write(hdr(0) + body)
h = hdr(0x02 | 0x08, None, b"x.json\0")
open("hcrc.gz", "wb").write(h + struct.pack("<H", zlib.crc32(h) & 0xffff) + body)
PY
for f in named empty-extra; do
	cp $f.gz $f.orig
	expect 0 "$f: sign embedded" "$CTI" sign -s alice.key $f.gz
	check "$f: gzip -t passes" gzip -t $f.gz
	expect 0 "$f: verify" "$CTI" verify -p alice.pub $f.gz
	expect 0 "$f: verify -o --keep-gzip" "$CTI" verify -p alice.pub -o $f.out --keep-gzip $f.gz
done
check "other subfield, name and comment kept and signed" cmp -s named.orig named.out
check "an empty extra field goes with the signatures" cmp -s empty-extra.out no-extra.gz
cp named.gz named2.gz
printf 'B' | dd of=named2.gz bs=1 seek=16 conv=notrunc 2>/dev/null
expect 1 "a changed byte in another subfield" "$CTI" verify -p alice.pub named2.gz
check "hcrc.gz passes gzip -t" gzip -t hcrc.gz
expect 3 "header CRC: no embedded signature" "$CTI" sign -s alice.key hcrc.gz
check "message says why" err_has "hcrc.gz: gzip header has a CRC (FHCRC)"
expect 0 "header CRC: detached signature" "$CTI" sign --detached -s alice.key hcrc.gz
expect 0 "header CRC: verified" "$CTI" verify -p alice.pub hcrc.gz
expect 0 "verify standard input (embedded signature)" sh -c '"$1" verify -p alice.pub - <bundle.gz' sh "$CTI"

# --- expiry and age: cti signs with the clock's time only, so old and
# expired signatures come from minisign's own trusted comments
if command -v minisign >/dev/null 2>&1; then
	minisign -G -W -p ms.pub -s ms.key >/dev/null
	cp orig.gz old.gz
	minisign -S -s ms.key -m old.gz -t "$(printf 'timestamp:1000000000\tfile:old.gz\thashed\texpires:1000003600')" >/dev/null
	expect 1 "expired" "$CTI" verify -p ms.pub old.gz
	check "message names the check: expired" err_has "old.gz: expired: signature by key"
	check "and when" err_has "expired at 2001-09-09T02:46:40.000Z"
	cp orig.gz aged.gz
	minisign -S -s ms.key -m aged.gz -t "$(printf 'timestamp:1000000000\tfile:aged.gz\thashed')" >/dev/null
	expect 0 "old signature without --max-age" "$CTI" verify -p ms.pub aged.gz
	expect 1 "older than --max-age" "$CTI" verify -p ms.pub --max-age 30d aged.gz
	check "message names the check: max-age" err_has "aged.gz: max-age: signature by key"
	minisign -S -s ms.key -m aged.gz -t "no timestamp here" >/dev/null
	expect 1 "no timestamp and --max-age" "$CTI" verify -p ms.pub --max-age 30d aged.gz
	check "message says it has none" err_has "has no timestamp"
else
	skip "minisign missing: expiry and age of old signatures (sh tests/setup.sh --test)"
fi
cp orig.gz fresh.gz
expect 0 "sign now, expires in 1d" "$CTI" sign -s alice.key --expires 1d fresh.gz
expect 0 "fresh signature within --max-age" "$CTI" verify -p alice.pub --max-age 1h fresh.gz

# --- feed and replay
mk() { # mk FILE SEQ [CONTENT]: a bundle signed by alice for feed f1
	printf '{"type":"bundle","id":"bundle--%s","objects":[]}' "${3:-$1}" | gzip -n >"$1"
	"$CTI" sign -s alice.key --feed f1 --seq "$2" "$1"
}
mk r5.gz 5 && mk r4.gz 4 && mk r5b.gz 5 other && mk r6.gz 6 && mk r7.gz 7
S=$T/state
expect 0 "seq 5 accepted" "$CTI" verify -p alice.pub --state "$S" r5.gz
expect 0 "the same file again: accepted (idempotent)" "$CTI" verify -p alice.pub --state "$S" r5.gz
expect 1 "lower seq 4 refused" "$CTI" verify -p alice.pub --state "$S" r4.gz
check "message names the check: replay (lower)" err_has "r4.gz: replay: seq 4 of feed f1 by key"
expect 1 "equal seq 5 with other content refused" "$CTI" verify -p alice.pub --state "$S" r5b.gz
check "message names the check: replay (other content)" err_has "accepted before with other content"
expect 1 "feed mismatch" "$CTI" verify -p alice.pub --state "$S" --feed f2 r6.gz
check "message names the check: feed" err_has "r6.gz: feed: signature by key"
cp -r "$S" state.before
expect 1 "seq 7 with too few signers fails..." "$CTI" verify -p alice.pub --state "$S" --threshold 2 r7.gz
check "...and leaves the state alone" diff -r state.before "$S"
expect 0 "seq 6 accepted" "$CTI" verify -p alice.pub --state "$S" --feed f1 r6.gz
expect 1 "now seq 5 is a replay" "$CTI" verify -p alice.pub --state "$S" r5.gz
expect 1 "a signature without seq cannot be checked for replay" "$CTI" verify -p alice.pub --state "$S" fresh.gz
check "message names the check: replay (no seq)" err_has "has no feed and seq"
expect 0 "--feed uses the default state directory" "$CTI" verify -p alice.pub --feed f1 r5.gz
check "state written under XDG_STATE_HOME" test -d "$XDG_STATE_HOME/cti/accepted/f1"
expect 1 "...and refuses a replay there" "$CTI" verify -p alice.pub --feed f1 r4.gz

# --- --seq auto, also from signers running at the same time
for i in 1 2 3 4 5 6; do cp orig.gz auto$i.gz; done
expect 0 "--seq auto" "$CTI" sign -s bob.key --feed auto --seq auto --state "$T/sst" auto1.gz
"$CTI" verify --json -p bob.pub auto1.gz >auto1.json
check "first number is 1" grep -q '"feed":"auto","seq":1,' auto1.json
for i in 2 3 4 5 6; do
	"$CTI" sign -s bob.key --feed auto --seq auto --state "$T/sst" auto$i.gz &
done
wait
for i in 2 3 4 5 6; do
	"$CTI" verify --json -p bob.pub auto$i.gz
done | grep -o '"seq":[0-9]*' | sort >seqs
printf '"seq":%s\n' 2 3 4 5 6 | sort >seqs.want
check "parallel signers get distinct numbers 2..6" cmp -s seqs seqs.want
# co-signers of one file at the same time take turns: no signature lost
cp orig.gz par.gz
for k in p1 p2 p3 p4; do "$CTI" keygen -W -p $k.pub -s $k.key >/dev/null; done
for k in p1 p2 p3 p4; do "$CTI" sign -s $k.key par.gz & done
wait
expect 0 "four signers at once: all four signatures kept" "$CTI" verify \
	-p p1.pub -p p2.pub -p p3.pub -p p4.pub --threshold 4 par.gz
expect 2 "--seq auto without --feed: usage" "$CTI" sign -s bob.key --seq auto auto1.gz

# --- -o OUT: only after verification, never partially
expect 0 "verify -o OUT writes the bundle JSON" "$CTI" verify -q -p alice.pub -o out.json r5.gz
gzip -dc r5.gz >r5.json
check "OUT is the decompressed bundle, byte for byte" cmp -s r5.json out.json
cp orig.gz k.gz
"$CTI" sign -s alice.key k.gz
"$CTI" sign -s bob.key k.gz
expect 0 "verify -o OUT --keep-gzip" "$CTI" verify -q -p alice.pub -o out.gz --keep-gzip k.gz
check "OUT is the file as it was before signing" cmp -s orig.gz out.gz
expect 0 "verify -o - writes to stdout" "$CTI" verify -p alice.pub -o - r5.gz
check "stdout is the payload" cmp -s r5.json "$T/out"
check "the report went to stderr" err_has "good embedded signature by alice"
expect 1 "failed verification with -o" "$CTI" verify -p bob.pub -o nothing.json r5.gz
check "writes no OUT" test ! -e nothing.json
check "and no temporary file" sh -c '! ls -a | grep -q "^\.cti-tmp"'
cp out.gz kept.gz
cp k.gz forged.gz
printf 'X' | dd of=forged.gz bs=1 seek=$(($(stat -c %s forged.gz) - 12)) conv=notrunc 2>/dev/null
expect 1 "failed verification with -o --keep-gzip" "$CTI" verify -p alice.pub -o out.gz --keep-gzip forged.gz
check "leaves the earlier OUT as it was" cmp -s out.gz kept.gz
check "and no temporary file beside it" sh -c '! ls -a | grep -q "^\.cti-tmp"'
expect 0 "verify -o - --keep-gzip streams only after the check" "$CTI" verify -q -p alice.pub -o - --keep-gzip k.gz
check "stdout is the file as it was before signing" cmp -s orig.gz "$T/out"
expect 1 "failed verification with -o - --keep-gzip" "$CTI" verify -q -p alice.pub -o - --keep-gzip forged.gz
check "writes nothing to stdout" test ! -s "$T/out"

# --- usage errors
expect 2 "verify without a file" "$CTI" verify -p alice.pub
expect 2 "verify without a key" "$CTI" verify bundle.gz
expect 2 "--threshold 0" "$CTI" verify -p alice.pub --threshold 0 bundle.gz
expect 4 "sign without -s and no default key" "$CTI" sign bundle.gz
check "names the default key" err_has "$XDG_CONFIG_HOME/cti/cti.key: No such file"
expect 2 "bad --expires" "$CTI" sign -s alice.key --expires soon bundle.gz
expect 2 "bad feed name" "$CTI" sign -s alice.key --feed ../x bundle.gz
expect 4 "missing file: exit 4" "$CTI" verify -p alice.pub missing.gz

done_testing
