#!/bin/sh
# t0660-pull-faults: cti pull against the fault-injecting server
# (tests/servers/faults.py): a reset, a body cut mid-way and resumed with
# Range on the next run (and within a run), a resume the server answers
# whole, a slow body, 503 and 429 with Retry-After (the wait measured), a
# body over --max-size, redirects to http:// and in a loop, refusals.
# After each fault: the exact exit status, the last good copy and the -o
# file untouched, the state byte-identical (less the lock and a partial
# kept to resume).
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

need_faults
U=$FAULTS_URL
TLS="--cacert $FAULTS_DIR/ca.pem"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

"$CTI" keygen -W -p alice.pub -s alice.key >/dev/null 2>&1
K="-p alice.pub"
printf '198.51.100.7\nevil.example.com\n' >iocs.txt
"$CTI" pack -o s1.cti iocs.txt && "$CTI" sign -q -s alice.key --feed f --seq 1 s1.cti
# a larger one, so that half of it is a real prefix
seq 1 2000 | awk '{ printf "10.%d.%d.7\n", int($1 / 250), $1 % 250 }' >big.txt
"$CTI" pack -o big.cti big.txt && "$CTI" sign -q -s alice.key --feed f --seq 2 big.cti
"$CTI" pack -o big3.cti iocs.txt big.txt && "$CTI" sign -q -s alice.key --feed f --seq 3 big3.cti
cp s1.cti "$FAULTS_STORE/feed.cti"
cp big.cti "$FAULTS_STORE/big.cti"

# the good copy every fault must leave alone
st=$T/st
expect 0 "a first pull" "$CTI" pull $TLS $K --state "$st" -o feed.json "$U/ok/feed.cti"
before=$(state_sums "$st") stamp=$(stat -c %i.%Y feed.json)
untouched() {
	[ "$(state_sums "$st")" = "$before" ] && cmp -s s1.cti "$st/bundle" &&
		[ "$(stat -c %i.%Y feed.json)" = "$stamp" ]
}
fault() { # fault STATUS DESC PATH [OPTIONS...]
	_s=$1 _d=$2 _p=$3
	shift 3
	expect "$_s" "$_d" "$CTI" pull $TLS $K --state "$st" -o feed.json "$@" "$U/$_p"
	check "$_d: last good copy, output and state untouched" untouched
	check "$_d: no partial download kept" test ! -e "$st/partial"
}

# --- connection trouble: exit 5 after the retries
fault 5 "a connection reset" rst/feed.cti --retries 0
fault 5 "a reset, retried twice" rst/feed.cti --retries 2 --max-wait 1s
check "three attempts" sh -c "test \$(curl -s $TLS '$U/log' | grep -c '^GET /rst/feed.cti ') = 4"
fault 5 "HTTP 500" status/500/feed.cti --retries 0
fault 6 "HTTP 403" status/403/feed.cti
fault 6 "HTTP 404" status/404/feed.cti
fault 6 "HTTP 401" status/401/feed.cti
fault 6 "a redirect to http://" to-http/ok/feed.cti
check "refused: not https" err_has "not https://"
fault 6 "a redirect loop" loop/feed.cti
check "too many redirects" err_has "too many redirects"

# --- too large: stopped before or while receiving, exit 3
t0=$(now)
fault 3 "10 GiB announced, the default --max-size" huge/feed.cti
check "stopped at once ($(elapsed "$t0")s)" awk -v e="$(elapsed "$t0")" 'BEGIN { exit !(e < 10) }'
check "the limit named" err_has "size limit of 2147483648 bytes"
fault 3 "--max-size 1k" ok/big.cti --max-size 1k

# --- a slow body: the low-speed abort, exit 5
t0=$(now)
fault 5 "a slow body: aborted" trickle/feed.cti --low-speed-time 2s --retries 0
e=$(elapsed "$t0")
check "after about 2s ($e s)" awk -v e="$e" 'BEGIN { exit !(e >= 1.5 && e < 15) }'

# --- Retry-After: waited for, then success
t0=$(now)
expect 0 "503 with Retry-After: 2, then the file" \
	"$CTI" pull --json $TLS $K --state st503 "$U/flaky/1/503/2/ok/feed.cti"
e=$(elapsed "$t0")
echo "# 503 Retry-After 2: the pull took ${e}s"
check "waited the 2s asked for ($e s)" awk -v e="$e" 'BEGIN { exit !(e >= 2 && e < 10) }'
check "two attempts" sh -c "jq -e '.attempts == 2 and .status == \"updated\"' '$T/out' >/dev/null"
check "and installed" cmp -s s1.cti st503/bundle
t0=$(now)
expect 0 "429 with Retry-After: 1, twice, then the file" \
	"$CTI" pull --json $TLS $K --state st429 "$U/flaky/2/429/1/ok/feed.cti"
e=$(elapsed "$t0")
echo "# 429 Retry-After 1 (twice): the pull took ${e}s"
check "waited twice 1s ($e s)" awk -v e="$e" 'BEGIN { exit !(e >= 2 && e < 10) }'
check "three attempts" sh -c "jq -e '.attempts == 3' '$T/out' >/dev/null"
t0=$(now)
fault 5 "Retry-After longer than --max-wait" flaky/5/503/120/ok/feed.cti --max-wait 5s
check "no wait at all ($(elapsed "$t0")s)" awk -v e="$(elapsed "$t0")" 'BEGIN { exit !(e < 5) }'
check "the wait asked for is named" err_has "asks to wait 120s"

# --- a body cut mid-way: kept, resumed with Range by the next run
size=$(wc -c <big.cti)
expect 5 "a body cut mid-way" "$CTI" pull --json $TLS $K --state stc -o cut.json --retries 0 "$U/cut/big.cti"
check "exit 5 in the status line" sh -c "jq -e '.status == \"failed\" and .exit == 5' '$T/out' >/dev/null"
check "the partial download is kept in the state directory" test -s stc/partial
kept=$(wc -c <stc/partial)
check "about half of it ($kept of $size bytes)" test "$kept" -gt 0 -a "$kept" -lt "$size"
check "with the validator it came with" grep -q '^etag "' stc/partial.meta
check "nothing installed" test ! -e stc/bundle -a ! -e cut.json
expect 0 "the next run resumes it" "$CTI" pull --json -v $TLS $K --state stc -o cut.json "$U/cut/big.cti"
check "with a range: 206, resumed after the kept bytes" sh -c "jq -e '.status == \"updated\" and .http_status == 206 and .resumed == $kept and .bytes == $size and .seq == 2' '$T/out' >/dev/null"
check "-v says so" err_has "resuming after $kept bytes"
check "the result verified and whole" sh -c "cmp -s big.cti stc/bundle && gzip -dc big.cti | cmp -s - cut.json"
check "the partial is gone" test ! -e stc/partial -a ! -e stc/partial.meta

mkdir -p "$FAULTS_STORE/c2" && cp big.cti "$FAULTS_STORE/c2/big.cti"
expect 0 "a cut within a run is resumed by the retry" "$CTI" pull --json $TLS $K --state stc2 --max-wait 1s "$U/cut/c2/big.cti"
check "two attempts, the second from the middle" sh -c "jq -e '.attempts == 2 and .http_status == 206 and .resumed > 0' '$T/out' >/dev/null"
check "installed whole" cmp -s big.cti stc2/bundle

mkdir -p "$FAULTS_STORE/c3" && cp big.cti "$FAULTS_STORE/c3/big.cti"
expect 5 "cut again" "$CTI" pull $TLS $K --state stc3 --retries 0 "$U/cut/c3/big.cti"
check "a partial kept" test -s stc3/partial
cp big3.cti "$FAULTS_STORE/c3/big.cti" && touch -d '+1 min' "$FAULTS_STORE/c3/big.cti"
expect 0 "the file changed meanwhile: the server sends it whole" \
	"$CTI" pull --json $TLS $K --state stc3 "$U/cut/c3/big.cti"
check "200, nothing resumed, the new one installed" sh -c "jq -e '.http_status == 200 and .resumed == 0 and .seq == 3' '$T/out' >/dev/null && cmp -s big3.cti stc3/bundle"

mkdir -p "$FAULTS_STORE/c4" && cp big.cti "$FAULTS_STORE/c4/big.cti"
expect 5 "cut once more" "$CTI" pull $TLS $K --state stc4 --retries 0 "$U/cut/c4/big.cti"
flip stc4/partial -10
expect 1 "a kept prefix damaged meanwhile: refused" "$CTI" pull $TLS $K --state stc4 "$U/cut/c4/big.cti"
check "nothing installed, the partial dropped" test ! -e stc4/bundle -a ! -e stc4/partial
expect 0 "the run after starts over" "$CTI" pull $TLS $K --state stc4 "$U/cut/c4/big.cti"
check "and installs it" cmp -s big.cti stc4/bundle

# --- no secret in the server's log or any output
check "the log holds no password" sh -c "! curl -s $TLS '$U/log' | grep -qi horse"

# a host that does not resolve, retried: each attempt is a fresh failure
# of the same kind (a handle whose last transfer failed is reused), exit 5
expect 5 "an unknown host, retried: exit 5" "$CTI" pull --retries 2 \
	--max-wait 1s $K -o "$T/none.json" https://cti-test.invalid/feed.cti
check "and the message is the resolver's, every time" err_has "cti-test.invalid"
check "not a usage error about libcurl" sh -c "! grep -q 'bad argument' '$T/err'"

done_testing
