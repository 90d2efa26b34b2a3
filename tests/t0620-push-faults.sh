#!/bin/sh
# t0620-push-faults: cti push against a server that misbehaves
# (tests/servers/faults.py): resets, 503 and 429 with Retry-After then
# success, redirect loops and redirects to http://, credentials that must
# not follow a redirect to another origin, POST.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

need_faults
U=$FAULTS_URL
S=$FAULTS_STORE
TLS="--cacert $FAULTS_DIR/ca.pem"

printf '198.51.100.7\nevil.example.com\n' >iocs.txt
"$CTI" keygen -W -p alice.pub -s alice.key >/dev/null 2>&1
"$CTI" pack --tlp green -o feed.gz iocs.txt && "$CTI" sign -s alice.key feed.gz
K="-p alice.pub"
printf 'sesame-open-42\n' >pw

expect 0 "PUT to the fault server's normal path" "$CTI" push $TLS $K feed.gz "$U/ok/"
check "it arrived" cmp -s feed.gz "$S/feed.gz"
expect 0 "--method POST" "$CTI" push --json --method POST $TLS $K feed.gz "$U/ok/posted/"
check "the POSTed body arrived" cmp -s feed.gz "$S/posted/feed.gz"
check "POST logged" sh -c "curl -s --cacert '$FAULTS_DIR/ca.pem' '$U/log' | grep -q 'POST /ok/posted/feed.gz'"

# --- connection reset: 5 after the retries
expect 5 "a reset connection: 5" "$CTI" push --retries 1 --max-wait 1s $TLS $K feed.gz "$U/rst/x"
check "the reset is named" err_has "reset"
log() { curl -s --cacert "$FAULTS_DIR/ca.pem" "$U/log"; }
check "a PUT is sent again after a reset" \
	[ "$(log | grep -c 'PUT /rst/x')" -ge 2 ]
expect 5 "a POST reset after its body went out: 5" \
	"$CTI" push --method POST --retries 2 --max-wait 1s $TLS $K feed.gz "$U/rst/post"
check "it is not sent again (the server may have acted on it)" \
	[ "$(log | grep -c 'POST /rst/post')" -eq 1 ]
check "and the message says so" err_has "not sent again"

# --- 503 and 429 with Retry-After, then success
start=$(date +%s)
expect 0 "503 twice with Retry-After: 1, then 201" \
	"$CTI" push -v $TLS $K feed.gz "$U/flaky/2/503/1/ok/f503/"
end=$(date +%s)
check "it arrived after the retries" cmp -s feed.gz "$S/f503/feed.gz"
check "it waited (2 s or more)" test $((end - start)) -ge 2
check "the waits were the server's" test "$(grep -c 'in 1.0s' "$T/err")" -eq 2
expect 0 "429 with Retry-After: 2, then 201" \
	"$CTI" push --json $TLS $K feed.gz "$U/flaky/1/429/2/ok/f429/"
check "two attempts" sh -c "jq -e '.attempts == 2' '$T/out' >/dev/null"
expect 0 "503 without Retry-After: back-off" \
	"$CTI" push -v --max-wait 1s $TLS $K feed.gz "$U/flaky/1/503/-/ok/fb/"
check "a back-off wait within --max-wait was announced" sh -c "grep -q 'attempt 2 of 4 in [01]\.[0-9]s' '$T/err'"
expect 5 "503 more times than --retries: 5" \
	"$CTI" push --retries 1 $TLS $K feed.gz "$U/flaky/5/503/1/ok/never/"
check "nothing arrived" test ! -e "$S/never/feed.gz"
expect 6 "a 400 is not retried" "$CTI" push --json $TLS $K feed.gz "$U/status/400/x"
check "one attempt only" sh -c "jq -e '.attempts == 1 and .http_status == 400' '$T/out' >/dev/null"
expect 5 "a 500 with an HTML page: 5" "$CTI" push --retries 0 $TLS $K feed.gz "$U/status/500/x"

# --- redirects
expect 6 "a redirect to http:// is refused" "$CTI" push $TLS $K feed.gz "$U/to-http/ok/x"
check "named" err_has "redirect to http://127.0.0.1:$FAULTS_PORT/ok/x refused"
expect 6 "a redirect loop ends" "$CTI" push $TLS $K feed.gz "$U/loop/x"
check "named" err_has "too many redirects"
expect 0 "a redirect on the same origin keeps the credentials" \
	"$CTI" push $TLS --user alice --password-file pw $K feed.gz "$U/to/ok/same/"
expect 0 "a redirect to another origin drops them" \
	"$CTI" push $TLS --user alice --password-file pw $K feed.gz "$U/to-localhost/ok/other/"
check "it arrived" cmp -s feed.gz "$S/other/feed.gz"
curl -s --cacert "$FAULTS_DIR/ca.pem" "$U/log" >log
check "the first hop carried credentials" grep -q 'PUT /to-localhost/ok/other/feed.gz auth:[0-9a-f]' log
check "the other origin got none" grep -q 'PUT /ok/other/feed.gz auth:-' log
check "the same origin got them" grep -q 'PUT /ok/same/feed.gz auth:[0-9a-f]' log

# --- a bearer token from a file and from the environment
printf 'tok-XYZ-secret\n' >token
expect 0 "--token-file" "$CTI" push -v $TLS --token-file token $K feed.gz "$U/ok/t1/"
check "the token is in no output" sh -c "! grep -q 'tok-XYZ' '$T/out' '$T/err'"
expect 0 "CTI_TOKEN" env CTI_TOKEN=tok-XYZ-secret "$CTI" push -v $TLS $K feed.gz "$U/ok/t2/"
check "the token is in no output" sh -c "! grep -q 'tok-XYZ' '$T/out' '$T/err'"
curl -s --cacert "$FAULTS_DIR/ca.pem" "$U/log" >log
h=$(printf 'Bearer tok-XYZ-secret' | sha256sum | cut -c1-16)
check "both sent it as a bearer token" test "$(grep -c "auth:$h" log)" -eq 2
expect 2 "a user and a token file together" \
	"$CTI" push $TLS --user alice --token-file token $K feed.gz "$U/ok/"

# --- no secret in any output, even when things fail
for args in "--user alice --password-file pw" "--token-file token"; do
	"$CTI" push -v --json --retries 1 --max-wait 1s $TLS $args $K feed.gz "$U/rst/x" >o 2>e
	check "failing with $args: no secret in the output" \
		sh -c "! grep -q 'sesame\|tok-XYZ' o e"
done

done_testing
