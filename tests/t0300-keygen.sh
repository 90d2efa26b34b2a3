#!/bin/sh
# t0300-keygen: cti keygen - minisign's key formats, 0600 secret keys, no
# silent overwrite, passphrases from a file or the environment, a clear
# error for a wrong passphrase, and no secret in any output.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2
umask 022

# b64 FILE: the key bytes (line 2) of a key file, as hex
b64hex() { sed -n 2p "$1" | base64 -d | od -An -v -tx1 | tr -d ' \n'; }

expect 0 "keygen -W" "$CTI" keygen -W -p a.pub -s a.key
id=$(cat "$T/out")
check "prints the key id (16 hex digits)" sh -c "echo '$id' | grep -Eqx '[0-9A-F]{16}'"
check "secret key is 0600" test "$(stat -c %a a.key)" = 600
check "public key is 0644" test "$(stat -c %a a.pub)" = 644
check "public key comment as minisign writes it" \
	grep -qx "untrusted comment: minisign public key $id" a.pub
check "public key: 'Ed' + key id + 32 bytes" test "$(b64hex a.pub | wc -c)" -eq 84
check "public key starts with 'Ed'" sh -c "sed -n 2p a.pub | base64 -d | head -c 2 | grep -q Ed"
# the key id in the file is little-endian
le=$(b64hex a.pub | cut -c5-20)
be=$(echo "$le" | sed 's/../& /g' | awk '{for (i = NF; i > 0; i--) printf "%s", toupper($i)}')
check "key id is the little-endian key number" test "$be" = "$id"
check "secret key: 158 bytes, unencrypted (no KDF)" \
	test "$(b64hex a.key | cut -c1-12)" = 456400004232
check "secret key is 158 bytes" test "$(b64hex a.key | wc -c)" -eq 316

cp a.key a.key.before; cp a.pub a.pub.before
expect 4 "existing secret key is not overwritten" "$CTI" keygen -W -p new.pub -s a.key
check "message names the file" err_has "a.key: file exists"
check "secret key unchanged" cmp -s a.key a.key.before
check "no public key written" test ! -e new.pub
expect 4 "existing public key is not overwritten" "$CTI" keygen -W -p a.pub -s new.key
check "no secret key written" test ! -e new.key
check "public key unchanged" cmp -s a.pub a.pub.before
expect 0 "-f overwrites" "$CTI" keygen -W -f -p a.pub -s a.key
check "new key" sh -c '! cmp -s a.key a.key.before'
check "still 0600" test "$(stat -c %a a.key)" = 600
expect 0 "-c COMMENT" "$CTI" keygen -W -c "CERT-XY feed key" -p c.pub -s c.key
check "comment in the public key" grep -qx "untrusted comment: CERT-XY feed key" c.pub

expect 2 "keygen without -s" "$CTI" keygen -W -p x.pub
expect 2 "keygen with an unknown option" "$CTI" keygen -W -p x.pub -s x.key --bogus
expect 2 "keygen with an extra argument" "$CTI" keygen -W -p x.pub -s x.key extra
expect 2 "a multi-line comment" "$CTI" keygen -W -p x.pub -s x.key -c "$(printf 'a\nb')"
expect 4 "a missing directory for the public key" "$CTI" keygen -W -p nodir/x.pub -s newdir/x.key
check "nothing made, not even the secret key's directory" [ ! -e nodir ] && [ ! -e newdir ]
expect 0 "a missing directory for the secret key is made" "$CTI" keygen -W -p x0.pub -s newdir/sub/x.key
check "with mode 0700" [ "$(stat -c %a newdir/sub)" = 700 ] && [ "$(stat -c %a newdir)" = 700 ]
check "and the key in it 0600" [ "$(stat -c %a newdir/sub/x.key)" = 600 ]

# encrypted keys: a few seconds of scrypt each, so only a few
if command -v setsid >/dev/null 2>&1; then
	expect 2 "no terminal and no passphrase file" setsid -w "$CTI" keygen -p e.pub -s e.key </dev/null
	check "message says where a passphrase can come from" err_has "--passphrase-file"
	check "nothing written" test ! -e e.key
fi
printf 'tr0ub4dor&3 is not a good one\n' >pass
expect 0 "encrypted keygen with --passphrase-file" "$CTI" keygen -p e.pub -s e.key --passphrase-file pass
check "secret key encrypted with scrypt ('Sc', 'B2')" \
	test "$(b64hex e.key | cut -c1-12)" = 456453634232
check "encrypted secret key is 0600" test "$(stat -c %a e.key)" = 600
printf 'wrong\n' >wrong
printf '{}' | gzip -n >b.gz
expect 1 "wrong passphrase: exit 1" "$CTI" sign -s e.key --passphrase-file wrong b.gz
check "clear message" err_has "e.key: wrong passphrase for this key"
cat "$T/out" "$T/err" >>log
expect 0 "right passphrase from CTI_PASSPHRASE_FILE" env CTI_PASSPHRASE_FILE=pass "$CTI" sign -s e.key b.gz
cat "$T/out" "$T/err" >>log
expect 0 "signature by the encrypted key verifies" "$CTI" verify -p e.pub b.gz
expect 4 "missing passphrase file: exit 4" "$CTI" sign -s e.key --passphrase-file nope b.gz
check "names the file" err_has "nope: No such file"

# no secret material anywhere in what cti printed
"$CTI" keygen -W -f -p s.pub -s s.key >>log 2>&1
"$CTI" sign -s s.key b.gz >>log 2>&1
"$CTI" verify --json -p s.pub b.gz >>log 2>&1
"$CTI" sign -s s.key --feed ../bad b.gz >>log 2>&1
"$CTI" sign -s s.key --detached b.gz >>log 2>&1
cat b.gz.minisig >>log
secret=$(sed -n 2p s.key)
skhex=$(b64hex s.key | cut -c109-236)   # the 64-byte Ed25519 secret key
seed=$(b64hex s.key | cut -c109-172)
check "log is not empty" test -s log
check "no secret key line in any output" sh -c "! grep -qF -- '$secret' log"
check "no secret key bytes (hex) in any output" sh -c "! od -An -v -tx1 log | tr -d ' \n' | grep -q '$seed'"
check "no passphrase in any output" sh -c "! grep -q tr0ub4dor log"
check "no secret key bytes in the signed file" sh -c "! od -An -v -tx1 b.gz | tr -d ' \n' | grep -q '$seed'"
: "$skhex"

done_testing
