#!/bin/sh
# t0360-sign-cases: co-signing takes the feed, seq and expiry signed in the
# file; signing time and expiry come from the clock, whatever
# SOURCE_DATE_EPOCH says; --expires takes a duration or a time, never one
# past; "-" for keygen, sign and verify; sign --json and -v; show of a
# public key and of what embedded signatures claim; verify's TLP; file
# names that cannot add trusted comment fields; a short signature subfield.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2
PY=/usr/bin/python3

for k in a b c; do "$CTI" keygen -q -W -c "signer $k" -p $k.pub -s $k.key; done
printf '198.51.100.7\nevil.example.com\n' >iocs.txt
"$CTI" pack -o orig.cti --tlp amber iocs.txt >/dev/null
now=$(date +%s)

# --- co-signing
cp orig.cti f.cti
expect 0 "first signer: feed, seq, expiry" "$CTI" sign -s a.key --feed x --seq 7 --expires 3d f.cti
expect 0 "co-signer without options" "$CTI" sign -v -s b.key f.cti
check "-v says what was taken" err_has "f.cti: signed with key"
check "-v names feed, seq and expiry" err_has "feed x, seq 7, expires"
check "-v says they came from the file" err_has "; feed, seq and expiry taken from its signatures"
expect 0 "verify --feed x --threshold 2 accepts the co-signed file" "$CTI" verify -p a.pub -p b.pub --feed x --threshold 2 --state st f.cti
"$CTI" verify --json -p a.pub -p b.pub f.cti >f.json
check "both signatures say the same feed and seq" test "$(grep -o '"feed":"x","seq":7,' f.json | wc -l)" -eq 2
exp_a=$(grep -o '"expires":[0-9]*' f.json | sort -u | wc -l)
check "and the same expiry" test "$exp_a" -eq 1
expect 0 "a third co-signer gives the feed only: the seq is taken" "$CTI" sign --json -s c.key --feed x f.cti
check "--json reports what was signed" grep -q '"signed":true,"key":"[0-9A-F]*","detached":false,"timestamp":[0-9]*,"feed":"x","seq":7,"expires":[0-9]*,"adopted":\["seq","expires"\]}' "$T/out"

cp orig.cti g.cti
"$CTI" sign -s a.key --feed x --seq 1 g.cti
expect 2 "--feed y without --seq, no signature for y: usage error" "$CTI" sign -s b.key --feed y g.cti
check "message says why" err_has "g.cti: no signature for feed y in it to take the seq from"
check "and the command says what to give" err_has "give --seq N or --seq auto"
cp orig.cti h.cti
expect 2 "--feed without --seq on an unsigned file: usage error" "$CTI" sign -s b.key --feed y h.cti
check "nothing was signed" cmp -s orig.cti h.cti
expect 2 "a seq without a feed: usage error" "$CTI" sign -s b.key --seq 3 h.cti
check "message says why (seq)" err_has "a seq needs a feed"
expect 0 "no feed and no seq on an unsigned file: a plain signature" "$CTI" sign -s b.key h.cti
# signatures that disagree
cp orig.cti d1.cti && "$CTI" sign -s a.key --feed x --seq 1 d1.cti
cp orig.cti d2.cti && "$CTI" sign -s b.key --feed x --seq 2 d2.cti
$PY - d1.cti d2.cti dis.cti <<'PY'
import struct, sys
def parse(b):
    xlen = struct.unpack("<H", b[10:12])[0]
    return b[12:12 + xlen], b[12 + xlen:]
s, _ = parse(open(sys.argv[2], "rb").read())
d = open(sys.argv[1], "rb").read()
x, rest = parse(d)
x += s
open(sys.argv[3], "wb").write(d[:10] + struct.pack("<H", len(x)) + x + rest)
PY
expect 1 "signatures disagreeing on the seq: refused" "$CTI" sign -s c.key dis.cti
check "message says so" err_has "dis.cti: its signatures disagree on the seq of feed x"
check "and what to do" err_has "give --feed and --seq"
expect 0 "given explicitly, it signs" "$CTI" sign -s c.key --feed x --seq 3 dis.cti
# a refusal comes before the passphrase is asked for (an encrypted key,
# whose passphrase file does not exist)
expect 2 "usage error found before the passphrase" "$CTI" sign -s "$SRC/tests/data/trust/cti-enc.key" --feed y --passphrase-file /nonexistent h.cti
check "the passphrase file was not read" sh -c '! grep -q nonexistent "$1"' sh "$T/err"
printf 'plain\n' >plain.txt
expect 3 "not gzip, found before the passphrase" "$CTI" sign -s "$SRC/tests/data/trust/cti-enc.key" --passphrase-file /nonexistent plain.txt
check "says so, and what to do" err_has "plain.txt: not a gzip file: embedded signatures need one; --detached signs it beside the file"

# --- the clock, not SOURCE_DATE_EPOCH (the README exports it for packs)
cp orig.cti e.cti
expect 0 "sign --expires 7d with SOURCE_DATE_EPOCH exported" env SOURCE_DATE_EPOCH=1000000000 "$CTI" sign -s a.key --expires 7d e.cti
expect 0 "verifies: not expired" "$CTI" verify --json -p a.pub e.cti
ts=$(sed 's/.*"timestamp":\([0-9]*\).*/\1/' "$T/out")
ex=$(sed 's/.*"expires":\([0-9]*\).*/\1/' "$T/out")
check "timestamp from the clock" test "$ts" -ge "$now"
check "expiry 7 days after it" test "$ex" -eq $((ts + 604800))
expect 0 "--expires as an RFC 3339 time" "$CTI" sign -s a.key --expires 2100-01-01T00:00:00Z e.cti
"$CTI" verify --json -p a.pub e.cti >e.json
check "expires at that time" grep -q '"expires":4102444800,' e.json
expect 2 "--expires in the past" "$CTI" sign -s a.key --expires 2001-01-01T00:00:00Z e.cti
check "names the allowed values" err_has "--expires: bad value '2001-01-01T00:00:00Z'; want a time in the future"
expect 2 "--expires huge (B12)" "$CTI" sign -s a.key --expires 15250284452471w e.cti
check "refused with its value" err_has "--expires: bad value '15250284452471w'"
expect 2 "--expires past the year 9999" "$CTI" sign -s a.key --expires 8000000w e.cti
expect 2 "--expires 10000-01-01" "$CTI" sign -s a.key --expires 10000-01-01T00:00:00Z e.cti
expect 2 "--expires 0s" "$CTI" sign -s a.key --expires 0s e.cti
expect 2 "--max-age huge" "$CTI" verify -p a.pub --max-age 99999999999w e.cti
check "names the allowed values (max-age)" err_has "--max-age: bad value '99999999999w'; want a duration"
expect 2 "--seq bad" "$CTI" sign -s a.key --feed x --seq -3 e.cti
check "names the allowed values (seq)" err_has "--seq: bad value '-3'; want a number or auto"
expect 2 "--threshold bad" "$CTI" verify -p a.pub --threshold many e.cti
check "names the allowed values (threshold)" err_has "--threshold: bad value 'many'; want a number from 1 to 1000"

# --- "-" means standard input or output
expect 0 "verify -p - reads the key from stdin" sh -c '"$1" verify -p - f.cti <a.pub' sh "$CTI"
check "named by its comment" out_has "good embedded signature by signer a"
mkdir ring && cp a.pub b.pub ring/
expect 0 "verify -k - reads a keyring from stdin" sh -c 'cat a.pub b.pub | "$1" verify -k - --threshold 2 f.cti' sh "$CTI"
expect 2 "verify -p - with FILE - is a usage error" sh -c '"$1" verify -p - - <a.pub' sh "$CTI"
expect 2 "-p - twice is a usage error" "$CTI" verify -p - -p - f.cti
expect 0 "sign --detached -x - writes the signature to stdout" "$CTI" sign --detached -s a.key -x - orig.cti
check "stdout holds a signature" sh -c 'head -n 1 "$1" | grep -q "^untrusted comment: signature from cti secret key"' sh "$T/out"
check "no file named -" test ! -e ./-
cp "$T/out" orig.sig
expect 0 "which verifies" "$CTI" verify -p a.pub -x orig.sig orig.cti
expect 0 "sign --detached - signs stdin, the signature to stdout" sh -c '"$1" sign --detached -s a.key - <iocs.txt >stdin.sig' sh "$CTI"
expect 0 "verify - with -x" sh -c '"$1" verify -p a.pub -x stdin.sig - <iocs.txt' sh "$CTI"
expect 0 "sign --detached - -x FILE" sh -c '"$1" sign --detached -s a.key -x s2.sig - <iocs.txt' sh "$CTI"
expect 0 "verify it" sh -c '"$1" verify -p a.pub -x s2.sig - <iocs.txt' sh "$CTI"
check "the trusted comment says file:-" grep -q "file:-" s2.sig
if command -v minisign >/dev/null 2>&1; then
	expect 0 "minisign -V accepts a signature of stdin" minisign -V -p a.pub -m iocs.txt -x s2.sig
fi
expect 2 "sign - without --detached" sh -c '"$1" sign -s a.key - <orig.cti' sh "$CTI"
check "says it needs --detached" err_has "standard input can be signed only --detached"

# --- show: a public key, and what signatures claim
expect 0 "show KEY.pub" "$CTI" show a.pub
id=$(sed -n 's/^untrusted comment: //p' a.pub)
kid=$("$CTI" show --json a.pub | sed 's/.*"key":"\([0-9A-F]*\)".*/\1/')
check "prints the key as minisign -P takes it" grep -qx "public key:  $(sed -n 2p a.pub)" "$T/out"
check "prints the key id" grep -qx "key id:      $kid" "$T/out"
check "prints the comment" grep -qx "comment:     signer a" "$T/out"
check "prints a fingerprint" grep -Eqx "fingerprint: ([0-9a-f]{4} ){7}[0-9a-f]{4}" "$T/out"
expect 0 "show --json KEY.pub" "$CTI" show --json a.pub
check "--json has the key id, comment, key, fingerprint" grep -Eq "^\{\"file\":\"a.pub\",\"keys\":\[\{\"key\":\"$kid\",\"comment\":\"signer a\",\"public_key\":\"$(sed -n 2p a.pub | sed 's/[+/]/\\&/g')\",\"fingerprint\":\"([0-9a-f]{4} ){7}[0-9a-f]{4}\"\}\]\}$" "$T/out"
fp=$("$CTI" show a.pub | sed -n 's/^fingerprint: //p')
check "the fingerprint is the BLAKE2b-128 of the key's bytes" sh -c "$PY -c '
import base64, hashlib, sys
k = base64.b64decode(open(\"a.pub\").read().split(chr(10))[1])
h = hashlib.blake2b(k, digest_size=16).hexdigest()
print(\" \".join(h[i:i + 4] for i in range(0, 32, 4)))' | grep -qx '$fp'"
: "$id"
expect 3 "show of a secret key is not a key listing" "$CTI" show a.key
cat a.pub b.pub >two.pub
expect 0 "show of a keyring" "$CTI" show two.pub
check "both keys" test "$(grep -c '^key id:' "$T/out")" -eq 2
expect 0 "show of a signed bundle" "$CTI" show f.cti
check "each signature's claims, marked unverified" sh -c "
	grep -q '^  key [0-9A-F]* (unverified): timestamp [0-9T:.-]*Z feed x seq 7 expires [0-9T:.-]*Z\$' '$T/out' &&
	[ \$(grep -c '(unverified)' '$T/out') -eq 3 ]"
expect 0 "show --json of a signed bundle" "$CTI" show --json f.cti
check "--json lists them, verified false" grep -q '"embedded_signatures":\[{"key":"[0-9A-F]*","verified":false,"legacy":false,"malformed":false,"trusted_comment":"timestamp:[0-9]*\\tfile:f.cti\\thashed\\tfeed:x\\tseq:7\\texpires:[0-9]*","timestamp":[0-9]*,"feed":"x","seq":7,"expires":[0-9]*}' "$T/out"

# --- verify names the TLP of what it accepted
expect 0 "verify -o OUT prints the TLP" "$CTI" verify -p a.pub -o f.json f.cti
check "TLP:AMBER" out_has "f.cti: payload TLP:AMBER"
expect 0 "verify -v without -o prints it too" "$CTI" verify -v -p a.pub f.cti
check "TLP:AMBER (-v)" out_has "f.cti: payload TLP:AMBER"
expect 0 "verify without -v or -o does not look" "$CTI" verify -p a.pub f.cti
check "no TLP line" sh -c '! grep -q payload "$1"' sh "$T/out"
"$CTI" pack -o clear.cti iocs.txt >/dev/null && "$CTI" sign -s a.key clear.cti
expect 0 "an unmarked bundle" "$CTI" verify -v -p a.pub clear.cti
check "says so" out_has "clear.cti: payload has no TLP marking"
expect 0 "--json -v has the tlp" "$CTI" verify --json -v -p a.pub f.cti
check "\"tlp\":\"TLP:AMBER\"" out_has '"tlp":"TLP:AMBER"'
"$CTI" pack -o red.cti --tlp red iocs.txt >/dev/null && "$CTI" sign -s a.key red.cti
expect 0 "TLP:RED" "$CTI" verify -v -p a.pub red.cti
check "TLP:RED named" out_has "red.cti: payload TLP:RED"
expect 0 "-q prints nothing" "$CTI" verify -q -p a.pub -o red.json red.cti
check "nothing" test ! -s "$T/out"

# --- a file name cannot add fields to the trusted comment
name=$(printf 'x\tfeed:evil\tseq:999.cti')
cp orig.cti "$name"
expect 0 "sign a file whose name has tabs" "$CTI" sign -s a.key "$name"
expect 0 "verify it" "$CTI" verify --json -p a.pub "$name"
check "no feed, no seq came from the name" grep -q '"feed":null,"seq":null' "$T/out"
check "the name's tabs became ?" out_has '"file":"x?feed:evil?seq:999.cti"'
if command -v minisign >/dev/null 2>&1; then
	minisign -G -W -p m.pub -s m.key >/dev/null
	cp orig.cti dup.cti
	minisign -S -s m.key -m dup.cti -t "$(printf 'timestamp:1\tfeed:a\tseq:1\tfeed:b')" >/dev/null
	expect 3 "a trusted comment with a field twice is refused" "$CTI" verify -p m.pub dup.cti
	check "as malformed" err_has "malformed trusted comment in the signature by key"
fi

# --- a signature subfield shorter than a key id (read out of bounds before)
$PY - orig.cti short.cti <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[3] & 4 == 0
x = b"CS\x03\x00ED\x01"
open(sys.argv[2], "wb").write(b[:3] + bytes([b[3] | 4]) + b[4:10] + struct.pack("<H", len(x)) + x + b[10:])
PY
expect 3 "show: a short signature subfield is malformed" "$CTI" show short.cti
check "and says so" err_has "short.cti: malformed embedded signature (too short)"
expect 3 "verify: the same" "$CTI" verify -p a.pub short.cti
check "and says so (verify)" err_has "short.cti: malformed embedded signature (too short)"
expect 3 "sign: the same" "$CTI" sign -s a.key short.cti

# --- an expiry past 9999 is never written, not even one taken from a file
$PY - orig.cti far.cti <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
rec = b"ED" + bytes(8) + bytes(128) + b"timestamp:1\tfile:x\thashed\texpires:999999999999"
x = b"CS" + struct.pack("<H", len(rec)) + rec
open(sys.argv[2], "wb").write(b[:3] + bytes([b[3] | 4]) + b[4:10] + struct.pack("<H", len(x)) + x + b[10:])
PY
cp far.cti far.orig
expect 3 "co-signing a file whose signature expires after 9999" "$CTI" sign -s a.key far.cti
check "says so" err_has "far.cti: its signatures expire after the year 9999"
check "the file is untouched" cmp -s far.cti far.orig
expect 0 "given an expiry, it signs" "$CTI" sign -s a.key --expires 1d far.cti

done_testing
