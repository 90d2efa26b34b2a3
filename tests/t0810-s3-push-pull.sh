#!/bin/bash
# t0810-s3-push-pull: cti push and cti pull with s3://BUCKET/KEY, against
# the S3 emulator behind the front that checks every Signature V4
# (start_s3): push then pull byte-identical and verified, the second pull
# a silent 304, tampered and older objects refused with the last good copy
# untouched, S3's refusals (a wrong secret, no such key or bucket, a
# skewed clock, a wrong region) with their exit status and S3's code in
# the message, 503 SlowDown retried, the front gone, a session token, a
# profile of a credentials file, the region and endpoint from the
# environment, a detached signature beside the object, keys ending in '/'
# and keys that need encoding, a cut download resumed with a signed Range
# and If-Range, --max-size, TLP:RED and usage errors refused before any
# request, and no secret or signature in any output.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

need_s3 "S3 push and pull"
need_tools jq gzip
if ! start_s3 main; then
	not_ok "start_s3 main"
	done_testing
	exit 1
fi
EP=$S3_ENDPOINT LOG=$S3_LOG
mkdir -p home && export HOME=$T/home
unset AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION AWS_ENDPOINT_URL \
	AWS_ENDPOINT_URL_S3 AWS_SHARED_CREDENTIALS_FILE AWS_CONFIG_FILE \
	AWS_SESSION_TOKEN
# the test's key, in the environment (never in argv)
export AWS_ACCESS_KEY_ID=$S3_KEY_ID AWS_SECRET_ACCESS_KEY=$S3_SECRET
TLS="--cacert $S3_CA"
S="$TLS --endpoint $EP"
B=s3://$S3_BUCKET
all_out=$T/all-output	# every output of every run, for the secret check
: >"$all_out"
keep() { cat "$T/out" "$T/err" >>"$all_out"; }
# requests the front has logged so far
nreq() { wc -l <"$LOG"; }
# jqe JQ: the last command's standard output satisfies JQ
jqe() { jq -e "$1" "$T/out" >/dev/null; }
# last JQ: the last request logged satisfies JQ
last() { tail -n 1 "$LOG" | jq -e "$1" >/dev/null; }
# since N JQ: the requests logged after the first N, slurped, satisfy JQ
since() { tail -n +"$(($1 + 1))" "$LOG" | jq -se "$2" >/dev/null; }

feed_files
K="-p alice.pub"
F=$B/feeds/feed.cti

# --- push, then pull: byte-identical and verified
n=$(nreq)
expect 0 "push to a key ending in /: the file's name appended" \
	"$CTI" push -v --json $S $K --name feed.cti s1.cti "$B/feeds/"
keep
check "one PUT of the object, signed, 200" \
	since "$n" 'length == 1 and .[0].method == "PUT" and
		.[0].path == "/cti-test/feeds/feed.cti" and .[0].sig_ok and
		.[0].status == 200'
check "the PUT's body is UNSIGNED-PAYLOAD over https" \
	last '.content_sha256 == "UNSIGNED-PAYLOAD"'
check "host, x-amz-date, x-amz-content-sha256 and Content-Type signed" \
	last '.signed == ["content-type", "host", "x-amz-content-sha256", "x-amz-date"]'
check "Content-Type application/gzip" \
	last '.headers["content-type"] == "application/gzip"'
check "--json: status, location, ETag" \
	jqe '.status == "pushed" and .location == "s3://cti-test/feeds/feed.cti"
		and .http_status == 200 and (.etag | test("^\"[0-9a-f]{32}\"$"))'
check "-v: the ETag and where it went" \
	err_has "s1.cti: sent to s3://cti-test/feeds/feed.cti (200, $(stat -c %s s1.cti) bytes, ETag \""
check "-v: endpoint, style, region and the key id, not the secret" \
	err_has "s3://cti-test/feeds/: endpoint $EP, path style, region us-east-1; key id $S3_KEY_ID from the environment"
check "the object is the file, byte for byte" \
	eval '[ "$(s3_curl GET /cti-test/feeds/feed.cti)" = 200 ] && cmp -s s1.cti s3.out'

n=$(nreq)
expect 0 "pull it" "$CTI" pull $S $K -o feed.json "$F"
keep
check "silent" test ! -s "$T/err" -a ! -s "$T/out"
check "one GET, signed, 200" \
	since "$n" 'length == 1 and .[0].method == "GET" and .[0].sig_ok and
		.[0].status == 200 and
		.[0].content_sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"'
expect 0 "pull --json to find the state" "$CTI" pull --json $S $K -o feed.json "$F"
keep
st=$(jq -r .state out)
check "the state is named after the bucket and key" \
	eval 'case $st in */cti-test_feeds_feed.cti-*) true ;; *) false ;; esac'
check "the last good copy is what was pushed, byte for byte" cmp -s s1.cti "$st/bundle"
check "the JSON is the bundle's" sh -c 'gzip -dc s1.cti | cmp -s - feed.json'
check "the second pull was a 304" \
	jqe '.status == "unchanged" and .http_status == 304'
check "asked with If-None-Match (the ETag kept), signed" \
	last '.status == 304 and (.signed | index("if-none-match")) and
		(.headers["if-none-match"] | test("^\"[0-9a-f]{32}\"$"))'
check "and not with If-Modified-Since besides" \
	last '.headers["if-modified-since"] == null'
stamp=$(stat -c %i.%Y feed.json)
expect 0 "a third pull" "$CTI" pull $S $K -o feed.json "$F"
keep
check "nothing printed, nothing written" \
	eval '[ ! -s "$T/err" ] && [ ! -s "$T/out" ] && [ "$(stat -c %i.%Y feed.json)" = "$stamp" ]'
expect 0 "-v says each request and status" "$CTI" pull -v $S $K -o feed.json "$F"
keep
check "-v: GET and 304" sh -c "grep -q 'GET $EP/cti-test/feeds/feed.cti' '$T/err' && grep -q ': 304' '$T/err'"

# --- tampered, and older, objects: refused, the last good copy untouched
before=$(state_sums "$st")
cp s2.cti bad.cti && flip bad.cti -40
check "a tampered object put in place" \
	eval '[ "$(s3_curl --payload UNSIGNED-PAYLOAD PUT /cti-test/feeds/feed.cti --data-binary @bad.cti)" = 200 ]'
expect 1 "a tampered object: exit 1" "$CTI" pull $S $K -o feed.json "$F"
keep
check "the last good copy and state untouched" [ "$(state_sums "$st")" = "$before" ]
check "the output untouched" [ "$(stat -c %i.%Y feed.json)" = "$stamp" ]
expect 0 "push seq 2" "$CTI" push $S $K s2.cti "$F"
keep
expect 0 "pull seq 2" "$CTI" pull $S $K -o feed.json "$F"
keep
check "seq 2 installed" cmp -s s2.cti "$st/bundle"
before=$(state_sums "$st")
expect 0 "push seq 1 back" "$CTI" push $S $K s1.cti "$F"
expect 1 "an older seq: exit 1" "$CTI" pull $S $K -o feed.json "$F"
keep
check "replay: named" err_has "seq 1"
check "the last good copy and state untouched" [ "$(state_sums "$st")" = "$before" ]
expect 0 "push seq 3" "$CTI" push $S $K s3.cti "$F"

# --- S3's refusals: exit 6, its code and message in the message
n=$(nreq)
expect 6 "a wrong secret: exit 6" env AWS_SECRET_ACCESS_KEY=wrong-secret-0123456789abcdefghijkl \
	"$CTI" pull -v $S $K -o feed.json "$F"
keep
check "403 Forbidden: SignatureDoesNotMatch, and S3's message" \
	err_has "cti: pull: $F: 403 Forbidden: SignatureDoesNotMatch: "
check "refused once, not retried" since "$n" 'length == 1 and .[0].status == 403'
expect 6 "a wrong secret to push: exit 6" env AWS_SECRET_ACCESS_KEY=wrong-secret-0123456789abcdefghijkl \
	"$CTI" push -v --json $S $K s3.cti "$F"
keep
check "--json: exit 6 and the code" \
	jqe '.status == "failed" and .exit == 6 and (.error | test("SignatureDoesNotMatch"))'
expect 6 "an unknown key id: exit 6" env AWS_ACCESS_KEY_ID=AKIAUNKNOWN0000000000 \
	"$CTI" pull $S $K -o feed.json "$F"
check "InvalidAccessKeyId" err_has "403 Forbidden: InvalidAccessKeyId: "
expect 6 "no such key: exit 6" "$CTI" pull $S $K -o x.json "$B/feeds/none.cti"
check "404 Not Found: NoSuchKey" err_has "cti: pull: $B/feeds/none.cti: 404 Not Found: NoSuchKey: "
expect 6 "no such bucket: exit 6" "$CTI" pull $S $K -o x.json s3://cti-none/feed.cti
check "404 Not Found: NoSuchBucket" err_has "404 Not Found: NoSuchBucket"
expect 6 "no such bucket to push to: exit 6" "$CTI" push $S $K s3.cti s3://cti-none/feed.cti
check "NoSuchBucket" err_has "NoSuchBucket"

# --- refused before any request: usage, TLP:RED, unsigned
n=$(nreq)
expect 2 "no credentials: exit 2" env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
	"$CTI" pull $S $K -o x.json "$F"
check "it says where it looked" \
	err_has "$F: no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set, and $HOME/.aws/credentials does not exist"
expect 2 "a key id without its secret: exit 2" env -u AWS_SECRET_ACCESS_KEY \
	"$CTI" push $S $K s3.cti "$F"
expect 2 "a bucket name S3 refuses: exit 2" "$CTI" pull $S $K -o x.json s3://Cti_Test/feed.cti
check "named" err_has "s3://Cti_Test/feed.cti: not a bucket name"
expect 2 "a key with a .. segment: exit 2" "$CTI" pull $S $K -o x.json "$B/a/../feed.cti"
expect 2 "--method POST: exit 2" "$CTI" push $S $K --method POST s3.cti "$F"
expect 2 "--user: exit 2" "$CTI" push $S $K --user alice s3.cti "$F"
check "S3 takes AWS credentials" err_has "S3 takes AWS credentials"
expect 2 "an http:// endpoint without --allow-http: exit 2" \
	"$CTI" pull $TLS --endpoint "http://127.0.0.1:1" $K -o x.json "$F"
expect 2 "an endpoint with a path: exit 2" \
	"$CTI" pull $TLS --endpoint "$EP/s3" $K -o x.json "$F"
expect 2 "--endpoint for an https:// URL: exit 2" \
	"$CTI" pull $TLS --endpoint "$EP" $K -o x.json https://127.0.0.1:1/feed.cti
expect 2 "a bad --region: exit 2" "$CTI" pull $S --region 'eu west' $K -o x.json "$F"
"$CTI" pack -q --tlp red -o red.cti iocs.txt && "$CTI" sign -q -s alice.key red.cti
expect 1 "TLP:RED refused" "$CTI" push $S $K red.cti "$B/red.cti"
check "named" err_has "TLP:RED"
"$CTI" pack -q -o unsigned.cti iocs.txt
expect 1 "an unsigned file refused" "$CTI" push $S $K unsigned.cti "$B/u.cti"
check "none of these made a request" [ "$(nreq)" = "$n" ]

# --- a session token, sent and signed
n=$(nreq)
expect 0 "a temporary key with its session token" \
	env AWS_ACCESS_KEY_ID="$S3_TOKEN_KEY_ID" AWS_SECRET_ACCESS_KEY="$S3_TOKEN_SECRET" \
	AWS_SESSION_TOKEN="$S3_SESSION_TOKEN" "$CTI" pull -v $S $K --state tok -o tok.json "$F"
keep
check "x-amz-security-token sent and signed" \
	since "$n" '.[0].key_id == "'"$S3_TOKEN_KEY_ID"'" and .[0].sig_ok and
		(.[0].signed | index("x-amz-security-token")) and .[0].status == 200'
check "-v says a token is used" err_has "with a session token"
expect 6 "the temporary key without its token: exit 6" \
	env AWS_ACCESS_KEY_ID="$S3_TOKEN_KEY_ID" AWS_SECRET_ACCESS_KEY="$S3_TOKEN_SECRET" \
	"$CTI" pull -v $S $K --state tok2 -o tok.json "$F"
keep

# --- credentials from a profile of a credentials file
mkdir -p home/.aws
printf '[default]\naws_access_key_id = AKIAWRONGWRONGWRONG0\naws_secret_access_key = nope\n\n[cti]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
	"$S3_KEY_ID" "$S3_SECRET" >home/.aws/credentials
chmod 600 home/.aws/credentials
expect 0 "the profile AWS_PROFILE names, in ~/.aws/credentials" \
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_PROFILE=cti \
	"$CTI" pull -v $S $K --state prof -o prof.json "$F"
keep
check "-v: the profile and file" err_has "key id $S3_KEY_ID from profile cti of $HOME/.aws/credentials"
check "no warning for a private file" sh -c "! grep -q 'readable by others' '$T/err'"
expect 6 "the default profile's wrong key: exit 6" \
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
	"$CTI" pull $S $K --state prof2 -o prof.json "$F"
chmod 644 home/.aws/credentials
expect 0 "a credentials file others can read: a warning" \
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_PROFILE=cti \
	"$CTI" pull $S $K --state prof3 -o prof.json "$F"
keep
check "warned" err_has "$HOME/.aws/credentials: readable by others than its owner (mode 644)"
expect 2 "AWS_PROFILE naming no profile: exit 2" \
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_PROFILE=nobody \
	"$CTI" pull $S $K -o prof.json "$F"
check "named" err_has "AWS_PROFILE nobody: no such profile in $HOME/.aws/credentials"
rm -f home/.aws/credentials

# --- keys: the bucket's root, and a key that needs encoding
expect 0 "push to s3://BUCKET: the file's name" "$CTI" push $S $K s3.cti "$B"
check "PUT /cti-test/s3.cti" last '.path == "/cti-test/s3.cti" and .status == 200'
cp s3.cti 'a b+c$é.cti'
expect 0 "push a key with a space, +, \$ and UTF-8" \
	"$CTI" push $S $K 'a b+c$é.cti' "$B/dir x/"
check "encoded once, each byte, and signed so" \
	last '.path == "/cti-test/dir%20x/a%20b%2Bc%24%C3%A9.cti" and .sig_ok and .status == 200'
expect 0 "pull it back" "$CTI" pull $S $K --state enc -o enc.json "$B/dir x/a b+c\$é.cti"
check "the same bytes" cmp -s s3.cti enc/bundle

# --- a detached signature beside the object
"$CTI" pack -q -o det.cti more.txt &&
	"$CTI" sign -q -s alice.key --feed det --seq 1 --detached det.cti
n=$(nreq)
expect 0 "push a file with its detached signature" "$CTI" push -v --json $S $K det.cti "$B/det/"
keep
check "KEY.minisig, then KEY" \
	since "$n" 'length == 2 and .[0].path == "/cti-test/det/det.cti.minisig" and
		.[1].path == "/cti-test/det/det.cti" and all(.status == 200)'
check "--json: minisig" jqe '.minisig == true'
check "the signature as it was" \
	eval '[ "$(s3_curl GET /cti-test/det/det.cti.minisig)" = 200 ] && cmp -s det.cti.minisig s3.out'
n=$(nreq)
expect 0 "pull it: checked against KEY.minisig" "$CTI" pull -v $S $K --state det -o det.json "$B/det/det.cti"
keep
check "the object, then its signature, then the object again" \
	since "$n" '[.[].path] == ["/cti-test/det/det.cti", "/cti-test/det/det.cti.minisig", "/cti-test/det/det.cti"]'
check "a good detached signature" err_has "good detached signature"

# --- --max-size stops early
big() { # big OUT LINES: a signed bundle of LINES addresses
	awk -v n="$2" 'BEGIN { for (i = 0; i < n; i++)
		printf "10.%d.%d.%d\n", int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' >big.txt &&
		"$CTI" pack -q -o "$1" big.txt && "$CTI" sign -q -s alice.key --feed big --seq 1 "$1"
}
big big.cti 20000
size=$(stat -c %s big.cti)
expect 0 "push a larger file" "$CTI" push $S $K big.cti "$B/big.cti"
expect 3 "--max-size below its size: exit 3" \
	"$CTI" pull $S $K --max-size 4k --state small -o big.json "$B/big.cti"
check "larger than the size limit" err_has "larger than the size limit of 4096 bytes"
check "nothing installed, at most the limit received" \
	eval '[ ! -e small/bundle ] && [ ! -e big.json ] && [ "$(stat -c %s small/partial 2>/dev/null || echo 0)" -le 4096 ]'

# --- 503 SlowDown twice, then success; a cut body resumed
if start_s3 flaky --fail-first 2 503 --retry-after 1; then
	ok "start_s3 flaky"
	LOG=$S3_LOG
	expect 0 "503 SlowDown twice, then 200: the push succeeds" \
		"$CTI" push -v $TLS --endpoint "$S3_ENDPOINT" $K s3.cti "$B/flaky.cti"
	keep
	check "three PUTs: 503, 503, 200, each signed" \
		since 0 '[.[] | select(.method == "PUT" and .path == "/cti-test/flaky.cti")] |
			length == 3 and [.[].status] == [503, 503, 200] and
			all(.code == "SlowDown" or .sig_ok)'
	check "Retry-After honoured" err_has "503 Service Unavailable: SlowDown: "
	check "attempt 3 of 4 in 1.0s" err_has "attempt 3 of 4 in 1.0s"
	stop_server flaky
else
	not_ok "start_s3 flaky"
fi
if start_s3 cut --cut-body; then
	ok "start_s3 cut"
	LOG=$S3_LOG E3=$S3_ENDPOINT
	expect 0 "push" "$CTI" push $TLS --endpoint "$E3" $K big.cti "$B/big.cti"
	expect 5 "a body cut half-way, no retry: exit 5" \
		"$CTI" pull $TLS --endpoint "$E3" --retries 0 $K --state cut -o cut.json "$B/big.cti"
	check "the cut download is kept" eval '[ -s cut/partial ] && [ "$(stat -c %s cut/partial)" -lt "$size" ]'
	check "nothing installed" eval '[ ! -e cut/bundle ] && [ ! -e cut.json ]'
	held=$(stat -c %s cut/partial)
	expect 0 "the next run resumes it" \
		"$CTI" pull --json $TLS --endpoint "$E3" $K --state cut -o cut.json "$B/big.cti"
	keep
	check "Range and If-Range (the ETag) asked for, and signed" \
		last '.method == "GET" and .status == 206 and .sig_ok and
			.headers.range == "bytes='"$held"'-" and
			(.headers["if-range"] | test("^\"[0-9a-f]{32}\"$")) and
			(.signed | index("range")) and (.signed | index("if-range"))'
	check "--json: resumed" jqe '.status == "updated" and .resumed == '"$held"
	check "the result is the object, verified" \
		eval 'cmp -s big.cti cut/bundle && gzip -dc big.cti | cmp -s - cut.json'
	stop_server cut
else
	not_ok "start_s3 cut"
fi

# --- the region and the endpoint from the environment; a wrong region
if start_s3 eu --region eu-west-1; then
	ok "start_s3 eu --region eu-west-1"
	expect 0 "AWS_REGION and AWS_ENDPOINT_URL_S3" \
		env AWS_REGION=eu-west-1 AWS_ENDPOINT_URL_S3="$S3_ENDPOINT" \
		AWS_ENDPOINT_URL=https://127.0.0.1:1 "$CTI" push -v $TLS $K s3.cti "$B/eu.cti"
	check "signed for eu-west-1, sent to AWS_ENDPOINT_URL_S3" \
		err_has "endpoint $S3_ENDPOINT, path style, region eu-west-1 (AWS_REGION)"
	expect 0 "AWS_DEFAULT_REGION and AWS_ENDPOINT_URL" \
		env AWS_DEFAULT_REGION=eu-west-1 AWS_ENDPOINT_URL="$S3_ENDPOINT" \
		"$CTI" pull $TLS $K --state eu -o eu.json "$B/eu.cti"
	printf '[profile eu]\nregion = eu-west-1\n' >home/.aws/config
	printf '[eu]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
		"$S3_KEY_ID" "$S3_SECRET" >home/.aws/credentials
	chmod 600 home/.aws/credentials
	expect 0 "the profile's region in ~/.aws/config" \
		env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_PROFILE=eu \
		"$CTI" pull -v $TLS --endpoint "$S3_ENDPOINT" $K --state eu2 -o eu.json "$B/eu.cti"
	check "-v: from the config file" err_has "region eu-west-1 (the AWS config file)"
	rm -f home/.aws/config home/.aws/credentials
	expect 6 "signed for us-east-1: exit 6" \
		"$CTI" pull $TLS --endpoint "$S3_ENDPOINT" $K --state eu3 -o eu.json "$B/eu.cti"
	check "S3's code and message" err_has "400 Bad Request: AuthorizationHeaderMalformed: "
	stop_server eu
else
	not_ok "start_s3 eu"
fi

# --- a clock S3 finds off
# (start_s3 cannot make the bucket through a front whose clock is off:
# the front answers before it looks at the bucket)
start_s3 skew --clock-offset 3600 2>/dev/null
if [ -f "$T/skew.pid" ]; then
	ok "the front of a clock an hour off"
	expect 6 "RequestTimeTooSkewed: exit 6" \
		"$CTI" pull $TLS --endpoint "$S3_ENDPOINT" $K --state skew -o x.json "$F"
	check "it says the local clock is off" \
		err_has "403 Forbidden: RequestTimeTooSkewed: "
	check "and what the local clock says" err_has "(the local clock is off: it says 20"
	stop_server skew
else
	not_ok "start_s3 skew"
fi

# --- over http:// (--allow-http), to the emulator itself: the body hashed
# and signed (the emulator checks no signature: the request goes through)
bp=$(tr '\0' ' ' <"/proc/$(cat "$T/main-s3rver.pid")/cmdline" | sed -n 's/.* -p \([0-9]*\) .*/\1/p')
if [ -n "$bp" ]; then
	expect 0 "push over http:// with --allow-http" \
		env AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
		"$CTI" push --allow-http --endpoint "http://127.0.0.1:$bp" $K s3.cti "$B/http.cti"
	check "a warning: not encrypted" err_has "http:// is not encrypted"
	expect 0 "and pull it back" \
		env AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
		"$CTI" pull -q --allow-http --endpoint "http://127.0.0.1:$bp" $K --state http -o http.json "$B/http.cti"
	check "the same bytes" cmp -s s3.cti http/bundle
else
	skip "the emulator's port is not known"
fi

# --- the front gone: exit 5 after the retries
stop_server main
expect 5 "the front stopped: exit 5" \
	"$CTI" pull -v --retries 1 --max-wait 1s $S $K -o feed.json "$F"
keep
check "retried once" err_has "attempt 2 of 2"

# --- no secret, token or signature in any output
check "no secret in any output" sh -c "! grep -qF -e '$S3_SECRET' -e '$S3_TOKEN_SECRET' -e '$S3_SESSION_TOKEN' -e 'wrong-secret-0123456789abcdefghijkl' '$all_out'"
check "no signature in any output" sh -c "! grep -q -e 'Signature=' -e 'AWS4-HMAC' '$all_out'"
check "the outputs were collected" test -s "$all_out"

done_testing
