#!/bin/sh
# t0640-pull: cti pull from a directory (a USB stick): the state directory
# and its name, verified install, unchanged runs that write nothing, every
# refusal with its exit status and the last good copy and state left
# byte-identical, --allow-unsigned, --keep-gzip, -o -, the lock, usage.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

printf '198.51.100.7\nevil.example.com\n' >iocs.txt
printf '203.0.113.9\n' >more.txt
"$CTI" keygen -W -p alice.pub -s alice.key >/dev/null 2>&1
"$CTI" keygen -W -p bob.pub -s bob.key >/dev/null 2>&1
mk() { # mk OUT SEQ [KEY] [INPUT]
	"$CTI" pack -o "$1" "${4:-iocs.txt}" &&
		"$CTI" sign -q -s "${3:-alice.key}" --feed cert-xy --seq "$2" "$1"
}
mk s1.cti 1 && mk s2.cti 2 alice.key more.txt && mk s3.cti 3 &&
	mk bob.cti 4 bob.key && mk same2.cti 2 && "$CTI" pack -o unsigned.cti iocs.txt
"$CTI" pack -o plain.cti iocs.txt && "$CTI" sign -q -s alice.key plain.cti
K="-p alice.pub"
mkdir usb
cp s1.cti usb/feed.cti
S=$XDG_STATE_HOME/cti/pull

# --- the first pull: installed, verified, silent
expect 0 "pull from the stick" "$CTI" pull $K -o feed.json usb/feed.cti
check "silent on success (stderr not a terminal)" test ! -s "$T/err" -a ! -s "$T/out"
check "the JSON is the bundle's" sh -c 'gzip -dc usb/feed.cti | cmp -s - feed.json'
st=$(ls -d "$S"/* 2>/dev/null)
check "one state directory, named after the source" \
	sh -c "printf '%s\n' '$st' | grep -Eqx '$S/$(printf '%s' "${T#/}/usb/feed.cti" | tr -c 'A-Za-z0-9.\n-' _ | tr -s _)-[0-9a-f]{16}'"
check "the last good copy is the file as received" cmp -s usb/feed.cti "$st/bundle"
check "the last good copy is 0600" test "$(stat -c %a "$st/bundle")" = 600
check "validators recorded" grep -q '^etag "' "$st/validators"
check "the replay state is the source's" test -s "$st/accepted/cert-xy/$("$CTI" show alice.pub | sed -n 's/^key id: *//p' | head -n 1)" -o -n "$(ls "$st/accepted/cert-xy")"
check "no partial download left" test ! -e "$st/partial" -a ! -e "$st/partial.meta"
before=$(state_sums "$st")
stamp=$(stat -c %i.%Y feed.json)

# --- unchanged: nothing written, nothing printed
expect 0 "pull again: unchanged" "$CTI" pull $K -o feed.json usb/feed.cti
check "unchanged is silent" test ! -s "$T/err" -a ! -s "$T/out"
check "the output was not rewritten" test "$(stat -c %i.%Y feed.json)" = "$stamp"
check "the state was not rewritten" test "$(state_sums "$st")" = "$before"
expect 0 "--json says unchanged" "$CTI" pull --json $K -o feed.json usb/feed.cti
check "one status line: unchanged" sh -c "test \$(wc -l <'$T/out') = 1 && jq -e '.status == \"unchanged\" and .http_status == 304 and .state == \"$st\"' '$T/out' >/dev/null"
expect 0 "-v says it" "$CTI" pull -v $K -o feed.json usb/feed.cti
check "-v: not modified" err_has "usb/feed.cti: not modified"
expect 0 "a missing -o file is fetched again" "$CTI" pull $K -o again.json usb/feed.cti
check "and written" cmp -s feed.json again.json
rm -f again.json

# --- refusals: exit status, nothing installed, state byte-identical
good=s1.cti
untouched() {
	[ "$(state_sums "$st")" = "$before" ] && cmp -s "$good" "$st/bundle" &&
		[ "$(stat -c %i.%Y feed.json)" = "$stamp" ]
}
refused() { # refused STATUS DESC FILE [OPTIONS...]
	_st=$1 _d=$2 _f=$3
	shift 3
	cp "$_f" usb/feed.cti && touch -d '+1 min' usb/feed.cti
	expect "$_st" "$_d" "$CTI" pull "$@" -o feed.json usb/feed.cti
	check "$_d: last good copy, output and state untouched" untouched
	check "$_d: no partial download left" test ! -e "$st/partial"
}
head -c -40 s2.cti >trunc.cti
refused 1 "a truncated file on the stick" trunc.cti $K
cp s2.cti tampered.cti
flip tampered.cti -30
refused 1 "a tampered file on the stick" tampered.cti $K
check "the signature is named" err_has "signature"
refused 1 "an unsigned file" unsigned.cti $K
check "no signature named" err_has "no signature"
refused 1 "signed by an untrusted key" bob.cti $K
refused 1 "a signature without feed and seq (replay cannot be checked)" plain.cti $K
refused 1 "the wrong --feed" s2.cti $K --feed other
refused 1 "--threshold 2 with one signer" s2.cti $K -p bob.pub --threshold 2
sleep 2.1	# s2's signature is now two seconds old at least
refused 1 "a signature older than --max-age" s2.cti $K --max-age 1s
check "too old, named" err_has "older than"
printf '<html>502 Bad Gateway</html>\n' >html.cti
refused 3 "an HTML page" html.cti $K
check "not a bundle file, said at once" err_has "not a bundle file"
: >empty.cti
refused 3 "an empty file" empty.cti $K
refused 3 "larger than --max-size" s2.cti $K --max-size 100
check "the size limit is named" err_has "size limit"
refused 3 "--allow-unsigned: still no HTML" html.cti --allow-unsigned
printf '[{"type":"indicator","id":"indicator--1"}]' >array.json
refused 3 "--allow-unsigned: an array is not a bundle" array.json --allow-unsigned

# --- updates, replays
cp s2.cti usb/feed.cti && touch -d '+2 min' usb/feed.cti
expect 0 "seq 2 arrives" "$CTI" pull --json $K -o feed.json usb/feed.cti
check "updated, seq 2, feed, bytes" sh -c "jq -e '.status == \"updated\" and .seq == 2 and .feed == \"cert-xy\" and .verified == true and .signers == 1 and .bytes == $(wc -c <s2.cti) and .output == \"feed.json\"' '$T/out' >/dev/null"
check "installed" cmp -s s2.cti "$st/bundle"
check "its JSON" sh -c 'gzip -dc s2.cti | cmp -s - feed.json'
before=$(state_sums "$st") stamp=$(stat -c %i.%Y feed.json) good=s2.cti
cp s1.cti s1b.cti
refused 1 "an older seq put back" s1b.cti $K
check "the replay is named" err_has "replay"
refused 1 "the same seq with other content" same2.cti $K
cp s3.cti usb/feed.cti && touch -d '+3 min' usb/feed.cti
expect 0 "seq 3 with -v" "$CTI" pull -v $K -o feed.json usb/feed.cti
check "-v says what happened" sh -c "grep -q 'updated: feed cert-xy seq 3' '$T/err' && grep -q 'installed' '$T/err'"
check "-v names the signer" err_has "usb/feed.cti: good embedded signature by alice (key "

# --- outputs
cp s2.cti usb/other.cti
expect 0 "--keep-gzip" "$CTI" pull $K --keep-gzip -o kept.cti usb/other.cti
"$CTI" verify -q $K --keep-gzip -o want.cti s2.cti
check "--keep-gzip writes what verify --keep-gzip writes" cmp -s want.cti kept.cti
expect 0 "-o - to standard output" "$CTI" pull $K --state st-out -o - usb/other.cti
check "the JSON on stdout" sh -c "gzip -dc s2.cti | cmp -s - '$T/out'"
expect 0 "-o - with --json: the status on stderr" "$CTI" pull --json $K --state st-out2 -o - usb/other.cti
check "status line on stderr" sh -c "jq -e '.status == \"updated\"' '$T/err' >/dev/null"
expect 0 "no -o: only the state" "$CTI" pull --json $K --state st-none usb/other.cti
check "the copy in the state" cmp -s s2.cti st-none/bundle
check "output null" sh -c "jq -e '.output == null' '$T/out' >/dev/null"

# --- --allow-unsigned: loudly
cp unsigned.cti usb/u.cti
expect 0 "--allow-unsigned installs an unsigned bundle" "$CTI" pull --allow-unsigned -o u.json usb/u.cti
check "with a warning, even without -v" err_has "warning: usb/u.cti: --allow-unsigned"
check "its JSON" sh -c 'gzip -dc unsigned.cti | cmp -s - u.json'
touch -d '+1 min' usb/u.cti
expect 0 "-q silences the warning" "$CTI" pull -q --allow-unsigned -o u.json usb/u.cti
check "nothing on stderr" test ! -s "$T/err"
touch -d '+2 min' usb/u.cti
expect 0 "--allow-unsigned --keep-gzip" "$CTI" pull -q --allow-unsigned --keep-gzip -o u.cti usb/u.cti
check "the file as it came" cmp -s unsigned.cti u.cti

# --- the lock: a second pull waits or exits 4, never both
lock=$st/lock
flock "$lock" sleep 3 &
holder=$!
wait_for 10 sh -c '! flock -n "$1" true' sh "$lock" ||
	not_ok "the holder never took the lock"
printf '%s\n' "$holder" >"$lock"
expect 4 "the source is locked: exit 4" "$CTI" pull $K usb/feed.cti
check "who holds it" err_has "another pull of usb/feed.cti is running (pid $holder)"
expect 4 "--json says failed" "$CTI" pull --json $K usb/feed.cti
check "failed, exit 4" sh -c "jq -e '.status == \"failed\" and .exit == 4' '$T/out' >/dev/null"
expect 0 "--lock-wait 20s waits for it" "$CTI" pull --lock-wait 20s $K usb/feed.cti
check "after the holder let go" sh -c "! kill -0 $holder 2>/dev/null"
wait "$holder" 2>/dev/null

# --- the state directory's name
expect 5 "a URL's state name" "$CTI" pull --json $K --retries 0 \
	'https://127.0.0.1:1/f%20x/feed.cti?token=s3cr3t'
check "host, port, path and a hash; no query" \
	sh -c "jq -r .state '$T/out' | grep -Eqx '$S/127.0.0.1_1_f_20x_feed.cti-[0-9a-f]{16}'"
check "the query is in no output" sh -c "! grep -q s3cr3t '$T/err'"
expect 5 "another query, another state" "$CTI" pull --json $K --retries 0 \
	'https://127.0.0.1:1/f%20x/feed.cti?token=other'
check "same name, another hash" sh -c "test \"\$(ls -d '$S'/127.0.0.1_1_f_20x_feed.cti-* | wc -l)\" = 2"
mkdir sub
expect 0 "a relative path is the same source as its absolute one" \
	sh -c "cd sub && '$CTI' pull --json -p ../alice.pub ../usb/feed.cti"
check "the same state directory" sh -c "jq -e '.state == \"$st\"' '$T/out' >/dev/null"

# --- usage and local trouble
expect 2 "no SRC" "$CTI" pull $K
expect 2 "two SRCs" "$CTI" pull $K usb/feed.cti usb/other.cti
expect 2 "--keep-gzip without -o" "$CTI" pull $K --keep-gzip usb/feed.cti
expect 2 "--allow-unsigned with a key" "$CTI" pull --allow-unsigned $K usb/feed.cti
expect 2 "a bad --max-size" "$CTI" pull $K --max-size 2T usb/feed.cti
expect 2 "a bad --lock-wait" "$CTI" pull $K --lock-wait soon usb/feed.cti
expect 2 "http:// without --allow-http" "$CTI" pull $K http://127.0.0.1:1/feed.cti
expect 2 "a directory as SRC" "$CTI" pull $K usb
check "name the file" err_has "name the bundle file"
expect 2 "no key and no default keyring" "$CTI" pull usb/feed.cti
expect 4 "a file that is not there" "$CTI" pull $K usb/nothing.cti
mkdir ro && chmod 500 ro
if [ "$(id -u)" != 0 ]; then
	expect 4 "a state directory that cannot be made" "$CTI" pull $K --state ro/st usb/feed.cti
else
	skip "a state directory that cannot be made (root writes anywhere)"
fi
mkdir -p trusted-home/cti/trusted && cp alice.pub trusted-home/cti/trusted/
expect 0 "the default keyring, as verify" env XDG_CONFIG_HOME="$T/trusted-home" \
	"$CTI" pull --state st-def usb/feed.cti
check "the help names pull" sh -c "'$CTI' -h | grep -q '^  pull '"

# --- a detached signature beside the file (what cti push carries along)
mkdir det
"$CTI" pack -o det/feed.cti more.txt &&
	"$CTI" sign -q --detached -s alice.key --feed det --seq 1 det/feed.cti
cp det/feed.cti det.cti
mv det/feed.cti.minisig det.minisig
expect 1 "a file without any signature: refused" "$CTI" pull $K --state st-det -o det.json det/feed.cti
check "... saying neither is there" err_has "none embedded, nor a detached one beside it"
check "... nothing installed" test ! -e det.json -a ! -e st-det/bundle
cp det.minisig det/feed.cti.minisig
expect 0 "FILE.minisig beside it is fetched and checked" "$CTI" pull -v $K --state st-det -o det.json det/feed.cti
check "... said under -v" err_has "good detached signature by alice"
check "... the JSON written" sh -c 'gzip -dc det/feed.cti | cmp -s - det.json'
"$CTI" pack -o det/feed.cti iocs.txt
expect 1 "another file under that signature: refused" "$CTI" pull $K --state st-det -o det.json det/feed.cti
check "... as a bad signature" err_has "does not verify"
check "... the last good copy kept" sh -c 'cmp -s det.cti st-det/bundle && gzip -dc det.cti | cmp -s - det.json'
cp det.cti det/feed.cti &&
	awk 'NR == 4 { $0 = (substr($0, 1, 1) == "A" ? "B" : "A") substr($0, 2) } 1' \
		det.minisig >det/feed.cti.minisig
expect 1 "a tampered detached signature: refused" "$CTI" pull $K --state st-det -o det.json det/feed.cti
check "... as a bad signature" err_has "does not verify"
check "... the last good copy kept" cmp -s det.cti st-det/bundle

done_testing
