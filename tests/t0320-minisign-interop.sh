#!/bin/sh
# t0320-minisign-interop: cti and minisign use each other's keys and
# signatures, encrypted and unencrypted; legacy signatures need --legacy.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2
D=$SRC/tests/data/trust

need_tools minisign

printf '192.0.2.1\nbad.example.net\n' >iocs.txt
if ! "$CTI" pack -o b.gz iocs.txt 2>/dev/null; then
	printf '{"type":"bundle","id":"bundle--2","objects":[]}' | gzip -n >b.gz
fi
cp b.gz orig.gz

# --- unencrypted keys both ways
expect 0 "minisign -G -W" minisign -G -W -p m.pub -s m.key
expect 0 "cti keygen -W" "$CTI" keygen -W -p c.pub -s c.key

expect 0 "cti sign --detached with a minisign key" "$CTI" sign --detached -s m.key b.gz
expect 0 "minisign -V accepts cti's detached signature" minisign -V -p m.pub -m b.gz
check "minisign shows cti's trusted comment" out_has "Trusted comment: timestamp:"
expect 0 "cti verify with minisign's public key" "$CTI" verify -p m.pub b.gz
rm b.gz.minisig

expect 0 "cti sign --detached --feed --seq with a cti key" "$CTI" sign --detached -s c.key --feed x --seq 3 --expires 1d b.gz
expect 0 "minisign -V accepts it (with cti's metadata)" minisign -V -p c.pub -m b.gz
check "the metadata is in minisign's trusted comment" out_has "hashed	feed:x	seq:3	expires:"
expect 0 "minisign -V -P (key as a string)" minisign -V -P "$(sed -n 2p c.pub)" -m b.gz

cp orig.gz m.gz
expect 0 "minisign -S with a cti key" minisign -S -s c.key -m m.gz
expect 0 "cti verify accepts minisign's signature" "$CTI" verify -p c.pub m.gz
check "reported as a detached signature by c" out_has "good detached signature by c (key "
expect 0 "cti verify -P" "$CTI" verify -P "$(sed -n 2p c.pub)" m.gz
expect 0 "minisign -S -t with a custom trusted comment" minisign -S -s m.key -m m.gz -t "release 42	seq:x-not-a-number"
expect 3 "a malformed seq in a trusted comment is bad input" "$CTI" verify -p m.pub m.gz
expect 0 "minisign -S -t plain text" minisign -S -s m.key -m m.gz -t "hello from minisign"
expect 0 "cti verify ignores unknown trusted comment text" "$CTI" verify --json -p m.pub m.gz
check "and reports the comment" out_has '"trusted_comment":"hello from minisign"'

# a trusted comment is its line as signed: trailing blanks are part of it
for tail in 'tab\t' 'spaces  ' 'both \t '; do
	minisign -S -s m.key -m m.gz -t "$(printf "ends in $tail")" >/dev/null
	expect 0 "minisign -V: a trusted comment ending in $tail" minisign -V -p m.pub -m m.gz
	expect 0 "cti verify agrees" "$CTI" verify --json -p m.pub m.gz
	check "and reports the comment whole" out_has "\"trusted_comment\":\"ends in $tail\""
done
sed 's/$/\r/' m.gz.minisig >crlf.minisig
expect 0 "a .minisig with CRLF line ends (minisign drops the CR)" "$CTI" verify -p m.pub -x crlf.minisig m.gz

# a minisign signature stays valid when cti embeds more signatures
cp orig.gz e.gz
minisign -S -s m.key -m e.gz >/dev/null
expect 0 "cti embeds a signature into a file minisign signed" "$CTI" sign -s c.key e.gz
expect 0 "both verify: two signers" "$CTI" verify -p m.pub -p c.pub --threshold 2 e.gz

# --- encrypted keys: fixtures made by minisign and by cti (a few seconds each)
cp "$D/minisign-enc.key" "$D/minisign-enc.pub" "$D/cti-enc.key" "$D/cti-enc.pub" .
cp orig.gz enc.gz
expect 0 "cti sign with minisign's encrypted key" "$CTI" sign --detached -s minisign-enc.key --passphrase-file "$D/passphrase" enc.gz
expect 0 "minisign -V accepts it" minisign -V -p minisign-enc.pub -m enc.gz
expect 0 "cti verify accepts it" "$CTI" verify -p minisign-enc.pub enc.gz
rm enc.gz.minisig
expect 0 "minisign -S with cti's encrypted key (passphrase on stdin)" sh -c \
	'minisign -S -s cti-enc.key -m enc.gz <"$1"' sh "$D/passphrase"
expect 0 "cti verify accepts it" "$CTI" verify -p cti-enc.pub enc.gz
check "the signer is named by the key's comment" out_has "by cti test key (key "
expect 0 "minisign -V too" minisign -V -p cti-enc.pub -m enc.gz

# --- legacy (non-prehashed) signatures
cp orig.gz l.gz
expect 0 "minisign -S -l: a legacy signature" minisign -S -l -s m.key -m l.gz
expect 1 "legacy refused without --legacy" "$CTI" verify -p m.pub l.gz
check "message names the check: legacy" err_has "l.gz: legacy: signature by key"
expect 0 "legacy accepted with --legacy" "$CTI" verify --legacy -p m.pub l.gz
printf 'x' >>l.gz
expect 1 "a tampered file fails the legacy signature too" "$CTI" verify --legacy -p m.pub l.gz

done_testing
