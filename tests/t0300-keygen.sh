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

expect 2 "-s - is refused" "$CTI" keygen -W -p x.pub -s -
check "says why" err_has "a secret key is never written to standard output"
check "nothing written" test ! -e x.pub
expect 2 "keygen with an unknown option" "$CTI" keygen -W -p x.pub -s x.key --bogus
expect 2 "keygen with an extra argument" "$CTI" keygen -W -p x.pub -s x.key extra
expect 2 "a multi-line comment" "$CTI" keygen -W -p x.pub -s x.key -c "$(printf 'a\nb')"
expect 4 "a missing directory for the public key" "$CTI" keygen -W -p nodir/x.pub -s newdir/x.key
check "nothing made, not even the secret key's directory" [ ! -e nodir ] && [ ! -e newdir ]
expect 0 "a missing directory for the secret key is made" "$CTI" keygen -W -p x0.pub -s newdir/sub/x.key
check "with mode 0700" [ "$(stat -c %a newdir/sub)" = 700 ] && [ "$(stat -c %a newdir)" = 700 ]
check "and the key in it 0600" [ "$(stat -c %a newdir/sub/x.key)" = 600 ]

# --- the same file under two spellings, refused before anything is
# written (and before a passphrase would be asked for)
expect 2 "-p k -s ./k: one file under two names" "$CTI" keygen -p k -s ./k --passphrase-file /nonexistent
check "says so" err_has "k and ./k are the same file"
check "nothing written" test ! -e k
mkdir sub
expect 2 "-p sub/../k2 -s k2" "$CTI" keygen -W -p sub/../k2 -s k2
check "nothing written (2)" test ! -e k2
ln -s a.key a-link.key
cp a.key a.key.keep
expect 2 "a symbolic link to the other file, even with -f" "$CTI" keygen -W -f -p a-link.key -s a.key
check "the secret key is untouched" cmp -s a.key a.key.keep

# --- keygen -f whose public key cannot be written keeps the old pair
cp a.key a.key.keep; cp a.pub a.pub.keep
expect 4 "-f with a public key in a missing directory" "$CTI" keygen -W -f -p /nonexistent/dir/a.pub -s a.key
check "the old secret key is intact" cmp -s a.key a.key.keep
check "the old public key is intact" cmp -s a.pub a.pub.keep
mkdir ro && chmod 555 ro
if [ "$(id -u)" -ne 0 ]; then
	expect 4 "-f with a public key in a read-only directory" "$CTI" keygen -W -f -p ro/a.pub -s a.key
	check "the old secret key is intact (2)" cmp -s a.key a.key.keep
fi
check "no temporary file left" sh -c '! ls -a | grep -q "^\.cti-tmp"'

# --- default places: where XDG puts configuration
expect 0 "keygen without -p and -s" "$CTI" keygen -W -c defaults
check "public key in XDG_CONFIG_HOME/cti/cti.pub" test -s "$XDG_CONFIG_HOME/cti/cti.pub"
check "secret key in XDG_CONFIG_HOME/cti/cti.key, 0600" test "$(stat -c %a "$XDG_CONFIG_HOME/cti/cti.key")" = 600
check "the directory made 0700" test "$(stat -c %a "$XDG_CONFIG_HOME/cti")" = 700
expect 4 "and not replaced without -f" "$CTI" keygen -W
expect 0 "HOME/.config/cti without XDG_CONFIG_HOME" env -u XDG_CONFIG_HOME HOME="$T/home" "$CTI" keygen -W -q
check "-q prints nothing" test ! -s "$T/out"
check "there" test -s "$T/home/.config/cti/cti.key"
expect 2 "no default place at all" env -u XDG_CONFIG_HOME -u HOME "$CTI" keygen -W
printf '{}' | gzip -n >b0.gz
expect 0 "sign uses the default secret key" "$CTI" sign b0.gz
expect 0 "which verifies with the default public key" "$CTI" verify -p "$XDG_CONFIG_HOME/cti/cti.pub" b0.gz

# --- -p -: the public key on standard output
expect 0 "-p - writes the public key to stdout" "$CTI" keygen -W -p - -s dash.key
check "stdout is exactly a public key file" sh -c 'sed -n 1p "$1" | grep -q "^untrusted comment: minisign public key " && [ "$(wc -l <"$1")" -eq 2 ]' sh "$T/out"
cp "$T/out" dash.pub
check "the key id goes to stderr" err_has "key id "
expect 0 "that key verifies" sh -c '"$1" sign -s dash.key b0.gz && "$1" verify -p dash.pub b0.gz' sh "$CTI"
expect 0 "-v says where the keys went" "$CTI" keygen -v -W -p v.pub -s v.key
check "-v message" err_has "wrote v.pub (public) and v.key (secret, unencrypted)"

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
check "no \"deriving key\" note when stderr is not a terminal" test ! -s "$T/err"
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
