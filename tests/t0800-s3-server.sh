#!/bin/bash
# t0800-s3-server: the S3 test harness (start_s3: the emulator s3rver behind
# tests/servers/s3front.py) does what its header says, so that the tests of
# cti's S3 client stand on known ground: Debian's AWS CLI puts and gets
# objects through it (single and multipart); the front's Signature V4 agrees
# with AWS's published examples and with botocore's, and refuses a wrong
# secret, a request changed after signing, an unsigned x-amz-* header, a
# missing or false x-amz-content-sha256, a skewed clock, a wrong region, a
# temporary key without its token; bodies stream both ways; each fault it
# can be told to commit; its log; both servers stop.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

need_s3 "S3 harness"
need_tools jq

check "the front's Signature V4 gives AWS's published S3 examples" \
	$PY "$SRC/tests/servers/s3front.py" selftest

# up NAME OPTION...: start_s3, counted as a test
up() {
	if start_s3 "$@"; then
		ok "start_s3 $*"
	else
		not_ok "start_s3 $*"
		done_testing
		exit 1
	fi
}

# is STATUS [s3_curl ARG...]: the request answers STATUS
is() {
	_want=$1
	shift
	[ "$(s3_curl "$@")" = "$_want" ]
}
# code CODE: the last answer is an S3 XML error with that code
code() { grep -q "<Error><Code>$1</Code>" s3.out; }
# last JQ: the last line of the front's log satisfies the jq expression
last() { tail -n 1 "$S3_LOG" | jq -e "$1" >/dev/null; }
# jqs JQ FILE: the JSON values in FILE, slurped, satisfy JQ
jqs() { jq -se "$1" "$2" >/dev/null; }
# hdr NAME: the last answer's header NAME
hdr() { tr -d '\r' <s3.head | sed -n "s/^$1: //Ip" | tail -n 1; }
# exists KEY: the object is in the bucket
exists() { is 200 HEAD "/$S3_BUCKET/$1"; }

up main
check "S3_ENDPOINT is https on 127.0.0.1" \
	eval '[[ $S3_ENDPOINT =~ ^https://127\.0\.0\.1:[0-9]+$ ]]'
check "S3_BUCKET, S3_REGION, S3_CA, S3_LOG" \
	eval '[ "$S3_BUCKET" = cti-test ] && [ "$S3_REGION" = us-east-1 ] &&
		[ -f "$S3_CA" ] && [ -f "$S3_LOG" ]'
check "the key: S3_KEY_ID and S3_SECRET" \
	eval '[[ $S3_KEY_ID =~ ^AKIA[0-9A-Z]{16}$ ]] && [ ${#S3_SECRET} -eq 40 ]'
check "the log is empty when start_s3 returns" [ ! -s "$S3_LOG" ]
check "the bucket was made through the front, signed" \
	jqs '.[-1] | .method == "PUT" and .path == "/cti-test" and .status == 200 and
		.sig_ok and .signed == ["host", "x-amz-content-sha256", "x-amz-date"]' \
	"$S3_DIR/start.jsonl"
check "the credentials file the front reads is private" \
	[ "$(stat -c %a "$S3_DIR/credentials")" = 600 ]

# --- Debian's AWS CLI -------------------------------------------------------

printf '[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n  multipart_threshold = 5MB\n  multipart_chunksize = 5MB\n' \
	>awsconfig
# aws ARG...: Debian's aws (not one earlier on PATH) with the test's key
aws() {
	AWS_CONFIG_FILE=$T/awsconfig AWS_SHARED_CREDENTIALS_FILE=/dev/null \
		AWS_ACCESS_KEY_ID=$S3_KEY_ID AWS_SECRET_ACCESS_KEY=$S3_SECRET \
		AWS_CA_BUNDLE=$S3_CA /usr/bin/aws --endpoint-url "$S3_ENDPOINT" \
		--no-cli-pager "$@"
}
head -c 12000000 /dev/urandom >big
printf '{"a": "small object"}\n' >small
if [ -x /usr/bin/aws ]; then
	expect 0 "aws s3 cp: put" aws s3 cp --only-show-errors small \
		"s3://cti-test/dir/small file+1.json"
	check "aws s3 cp: put: 200, signed, UNSIGNED-PAYLOAD" \
		last '.method == "PUT" and .path == "/cti-test/dir/small%20file%2B1.json"
			and .status == 200 and .sig_ok and
			.content_sha256 == "UNSIGNED-PAYLOAD"'
	expect 0 "aws s3 cp: get" aws s3 cp --only-show-errors \
		"s3://cti-test/dir/small file+1.json" small.back
	check "aws s3 cp: the bytes put come back" cmp -s small small.back
		n0=$(wc -l <"$S3_LOG")
	expect 0 "aws s3 cp: a multipart put (3 parts)" \
		aws s3 cp --only-show-errors big s3://cti-test/big
	tail -n +$((n0 + 1)) "$S3_LOG" >multipart.jsonl
	check "multipart: uploads, 3 parts, completed with a body SHA-256" \
		jqs 'map(select(.method != "HEAD")) |
			(map(.query | sub("uploadId=[^&]*"; "uploadId=U")) | sort) ==
			["uploadId=U", "uploadId=U&partNumber=1",
			 "uploadId=U&partNumber=2", "uploadId=U&partNumber=3", "uploads"]
			and all(.sig_ok and .status == 200) and
			(map(select(.method == "POST" and .query != "uploads"))[0] |
				.content_sha256 | test("^[0-9a-f]{64}$"))' multipart.jsonl
	expect 0 "aws s3 cp: a ranged get" aws s3 cp --only-show-errors \
		s3://cti-test/big big.back
	check "aws s3 cp: the multipart object comes back whole" cmp -s big big.back
	expect 0 "aws s3api list-objects-v2 with a prefix" \
		aws s3api list-objects-v2 --bucket cti-test --prefix "dir/"
	check "list-objects-v2: the object under the prefix" \
		jqs '.[0].Contents | map(.Key) == ["dir/small file+1.json"]' out
	S3_SECRET_GOOD=$S3_SECRET
	S3_SECRET=${S3_SECRET%?}x
	expect 1 "aws with a wrong secret: refused" \
		aws s3 cp --only-show-errors small s3://cti-test/wrong
	S3_SECRET=$S3_SECRET_GOOD
	check "aws with a wrong secret: SignatureDoesNotMatch" \
		err_has "(SignatureDoesNotMatch)"
	check "aws with a wrong secret: 403 in the log" \
		last '.status == 403 and .code == "SignatureDoesNotMatch" and
			(.sig_ok | not)'
	check "aws with a wrong secret: nothing stored" eval '! exists wrong'
else
	skip "Debian's awscli missing (sh tests/setup.sh --test)"
fi

# --- curl, signed by the front's own signer ---------------------------------

printf 'an object\n' >obj
check "PUT, UNSIGNED-PAYLOAD: 200" \
	is 200 --payload UNSIGNED-PAYLOAD PUT /cti-test/obj -T obj
check "PUT: an ETag (MD5)" \
	[ "$(hdr ETag)" = "\"$(md5sum <obj | cut -c1-32)\"" ]
etag=$(hdr ETag)
check "GET: 200" is 200 GET /cti-test/obj
check "GET: the bytes" cmp -s obj s3.out
check "GET: the empty body's SHA-256, signed" \
	last '.content_sha256 ==
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		and .sig_ok and .status == 200'
check "PUT with the body's SHA-256: 200" \
	is 200 --payload "$(sha256sum <obj | cut -c1-64)" PUT /cti-test/hashed -T obj
check "PUT with the body's SHA-256: stored" exists hashed
check "PUT with another SHA-256: 400" \
	is 400 --payload "$(sha256sum <big | cut -c1-64)" PUT /cti-test/false -T obj
check "PUT with another SHA-256: XAmzContentSHA256Mismatch" \
	code XAmzContentSHA256Mismatch
check "PUT with another SHA-256: nothing stored" eval '! exists false'
check "GET with a body SHA-256 not the empty one: 400" \
	is 400 --payload "$(sha256sum <obj | cut -c1-64)" GET /cti-test/obj
check "GET with UNSIGNED-PAYLOAD: 200" \
	is 200 --payload UNSIGNED-PAYLOAD GET /cti-test/obj
check "no x-amz-content-sha256: 400" is 400 --payload - GET /cti-test/obj
check "no x-amz-content-sha256: InvalidRequest, says which header" \
	eval 'code InvalidRequest && grep -q x-amz-content-sha256 s3.out'
check "no x-amz-content-sha256: logged as refused" \
	last '.status == 400 and .content_sha256 == null'
check "PUT without x-amz-content-sha256: 400" \
	is 400 --payload - PUT /cti-test/nohash -T obj
check "PUT without x-amz-content-sha256: nothing stored" eval '! exists nohash'
check "x-amz-content-sha256 of another form: 400" \
	is 400 --payload STREAMING-AWS4-HMAC-SHA256-PAYLOAD GET /cti-test/obj
check "x-amz-content-sha256 of another form: InvalidArgument" \
	code InvalidArgument

# a changed request: sign one thing, send another
s3_sign --header 'X-Amz-Meta-Colour: red' --payload UNSIGNED-PAYLOAD \
	PUT /cti-test/tampered
sed -i 's/^X-Amz-Meta-Colour: red/X-Amz-Meta-Colour: blue/' s3.sig
check "a signed header changed after signing: 403" \
	eval '[ "$(s3_send PUT /cti-test/tampered -T obj)" = 403 ]'
check "a signed header changed after signing: SignatureDoesNotMatch" \
	code SignatureDoesNotMatch
check "SignatureDoesNotMatch: the canonical request in the answer" \
	grep -q 'x-amz-meta-colour:blue' s3.out
check "a signed header changed: nothing stored" eval '! exists tampered'
s3_sign GET /cti-test/obj
check "another path than signed: 403" \
	eval '[ "$(s3_send GET /cti-test/hashed)" = 403 ] && code SignatureDoesNotMatch'
s3_sign GET '/cti-test?list-type=2&prefix=o'
check "another query than signed: 403" \
	eval '[ "$(s3_send GET "/cti-test?list-type=2&prefix=h")" = 403 ]'
s3_sign GET /cti-test/obj
check "another method than signed: 403" \
	eval '[ "$(s3_send DELETE /cti-test/obj)" = 403 ] && exists obj'
s3_sign GET /cti-test/obj
check "an x-amz-* header added after signing: 403" \
	eval '[ "$(s3_send GET /cti-test/obj -H "X-Amz-Meta-A: 1")" = 403 ]'
check "an x-amz-* header added after signing: AccessDenied, named" \
	eval 'code AccessDenied && grep -q "<HeadersNotSigned>x-amz-meta-a<" s3.out'
s3_sign --header 'Range: bytes=0-1' GET /cti-test/obj
sed -i '/^Range:/d' s3.sig
check "a signed header not sent: 403" \
	eval '[ "$(s3_send GET /cti-test/obj)" = 403 ] && code AccessDenied'
s3_sign GET /cti-test/obj
sed -i '/^Authorization:/d' s3.sig
check "no Authorization: 403 AccessDenied" \
	eval '[ "$(s3_send GET /cti-test/obj)" = 403 ] && code AccessDenied'
printf 'Authorization: AWS %s:c2lnbmF0dXJl\n' "$S3_KEY_ID" >s3.sig
check "a Signature V2 header: 400 InvalidRequest" \
	eval '[ "$(s3_send GET /cti-test/obj)" = 400 ] && code InvalidRequest'

# what is signed: the header, the path and query encodings
check "a Range header, signed: 206" \
	is 206 --header 'Range: bytes=3-4' GET /cti-test/obj
check "a Range header, signed: those bytes" [ "$(cat s3.out)" = "ob" ]
check "a Range header: logged as signed" \
	last '.signed == ["host", "range", "x-amz-content-sha256", "x-amz-date"]'
check "a header value with runs of spaces (trimmed, squeezed): 200" \
	is 200 --header 'X-Amz-Meta-Note:   two   words  ' \
	--payload UNSIGNED-PAYLOAD PUT /cti-test/spaces -T obj
k='/cti-test/a%20b%2Bc~d%C3%A9%24%40%3D%2C%3B%21%27%28%29'
check "a key with spaces, +, ~, UTF-8 and reserved characters: 200" \
	is 200 --payload UNSIGNED-PAYLOAD PUT "$k" -T obj
listed() { is 200 GET "/cti-test?list-type=2&prefix=$1" && grep -qF "<Key>$2</Key>" s3.out; }
check "that key: stored under its decoded name" \
	listed a%20b "a b+c~dé\$@=,;!&#x27;()"
check "that key, ~ sent as %7E (the same canonical path): 200" \
	is 200 GET '/cti-test/a%20b%2Bc%7Ed%C3%A9%24%40%3D%2C%3B%21%27%28%29'
check "a query out of order and a parameter without a value: 200" \
	is 200 GET '/cti-test?prefix=o&list-type=2&fetch-owner'
check "a query value with encoded characters: 200" \
	is 200 GET '/cti-test?list-type=2&prefix=a%20b%2B&delimiter=%2F'

# the key, the scope, the clock, the session token
S3_KEY_ID_GOOD=$S3_KEY_ID
S3_KEY_ID=AKIA0000000000000000
check "an unknown key id: 403" is 403 GET /cti-test/obj
check "an unknown key id: InvalidAccessKeyId" code InvalidAccessKeyId
S3_KEY_ID=$S3_KEY_ID_GOOD
S3_REGION=eu-west-1
check "a scope of another region: 400" is 400 GET /cti-test/obj
check "a scope of another region: AuthorizationHeaderMalformed, names ours" \
	eval 'code AuthorizationHeaderMalformed && grep -q "<Region>us-east-1<" s3.out'
S3_REGION=us-east-1
old=$(date -u -d '-16 minutes' +%Y%m%dT%H%M%SZ)
new=$(date -u -d '+16 minutes' +%Y%m%dT%H%M%SZ)
near=$(date -u -d '-14 minutes' +%Y%m%dT%H%M%SZ)
s3_sign --date "$old" GET /cti-test/obj
check "signed 16 minutes ago: 403 RequestTimeTooSkewed" \
	eval '[ "$(s3_send GET /cti-test/obj)" = 403 ] && code RequestTimeTooSkewed'
s3_sign --date "$new" GET /cti-test/obj
check "signed 16 minutes ahead: 403 RequestTimeTooSkewed" \
	eval '[ "$(s3_send GET /cti-test/obj)" = 403 ] && code RequestTimeTooSkewed'
s3_sign --date "$near" GET /cti-test/obj
check "signed 14 minutes ago: 200" eval '[ "$(s3_send GET /cti-test/obj)" = 200 ]'
tmp_curl() {
	S3_KEY_ID=$S3_TOKEN_KEY_ID S3_SECRET=$S3_TOKEN_SECRET s3_curl "$@"
}
check "a temporary key with its token: 200" \
	eval 'AWS_SESSION_TOKEN=$S3_SESSION_TOKEN tmp_curl GET /cti-test/obj | grep -qx 200'
check "the token: signed" \
	last '.signed | index("x-amz-security-token")'
check "the token: not in the log" eval '! grep -qF "$S3_SESSION_TOKEN" "$S3_LOG"'
check "a temporary key without its token: 403 InvalidAccessKeyId" \
	eval '[ "$(tmp_curl GET /cti-test/obj)" = 403 ] && code InvalidAccessKeyId'
check "a temporary key with another token: 400 InvalidToken" \
	eval '[ "$(AWS_SESSION_TOKEN=x$S3_SESSION_TOKEN tmp_curl GET /cti-test/obj)" = 400 ] &&
		code InvalidToken'
AWS_SESSION_TOKEN=$S3_SESSION_TOKEN S3_KEY_ID=$S3_TOKEN_KEY_ID \
	S3_SECRET=$S3_TOKEN_SECRET s3_sign GET /cti-test/obj
sed -i 's/;x-amz-security-token//' s3.sig
check "a token not signed: 403 AccessDenied" \
	eval '[ "$(s3_send GET /cti-test/obj)" = 403 ] && code AccessDenied'

# conditional requests: the emulator's own, and those the front does
check "If-None-Match with the ETag: 304" \
	is 304 --header "If-None-Match: $etag" GET /cti-test/obj
check "If-None-Match with the ETag: no body" [ ! -s s3.out ]
check "If-Modified-Since now: 304" \
	is 304 --header "If-Modified-Since: $(date -u -R -d '+1 minute' | sed 's/+0000/GMT/')" \
	GET /cti-test/obj
check "If-Match with the ETag: 200" is 200 --header "If-Match: $etag" GET /cti-test/obj
check "If-Match with another ETag: 412" \
	is 412 --header 'If-Match: "0123"' GET /cti-test/obj
check "If-Match with another ETag: PreconditionFailed" code PreconditionFailed
check "Range with If-Range of the ETag: 206" \
	is 206 --header 'Range: bytes=3-' --header "If-Range: $etag" GET /cti-test/obj
check "Range with If-Range of the ETag: the rest" [ "$(cat s3.out)" = "object" ]
check "Range with If-Range of another ETag: 200" \
	is 200 --header 'Range: bytes=3-' --header 'If-Range: "0123"' GET /cti-test/obj
check "Range with If-Range of another ETag: the whole object" cmp -s obj s3.out
check "Range with If-Range of an older date: 200, whole" \
	eval 'is 200 --header "Range: bytes=3-" \
		--header "If-Range: Mon, 01 Jan 2001 00:00:00 GMT" GET /cti-test/obj &&
		cmp -s obj s3.out'
check "a key that is not there: 404 NoSuchKey" \
	eval 'is 404 GET /cti-test/nope && code NoSuchKey'
check "a bucket that is not there: 404 NoSuchBucket" \
	eval 'is 404 GET /nope/obj && code NoSuchBucket'
check "HEAD refused: 403 without a body" \
	eval 'S3_SECRET=x is 403 HEAD /cti-test/obj && [ "$(hdr Content-Length)" = 0 ]'

# uploads the front refuses before the body is sent
head -c 3000000 /dev/zero >zeros
check "a refused PUT with Expect: 100-continue: 403" \
	eval 'S3_SECRET=x is 403 --payload UNSIGNED-PAYLOAD PUT /cti-test/z -T zeros'
check "a refused PUT: no 100 Continue, the connection closed" \
	eval '! grep -q "^HTTP/1.1 100" s3.head && grep -qi "^Connection: close" s3.head'
check "a refused PUT without Expect: 403 (the body read and dropped)" \
	eval 'S3_SECRET=x is 403 --payload UNSIGNED-PAYLOAD PUT /cti-test/z \
		-T zeros -H "Expect:"'
check "a chunked PUT (no Content-Length): 411 MissingContentLength" \
	eval 'is 411 --payload UNSIGNED-PAYLOAD PUT /cti-test/z -T - \
		-H "Transfer-Encoding: chunked" <obj && code MissingContentLength'
check "a chunked PUT: nothing stored" eval '! exists z'

# --- streaming: a body passes through, not held ------------------------------

head -c $((64 << 20)) /dev/urandom >stream
front_pid=$(cat "$T/main.pid")
check "64 MiB up, UNSIGNED-PAYLOAD: 200" \
	is 200 --payload UNSIGNED-PAYLOAD PUT /cti-test/stream -T stream
check "64 MiB down: 200" is 200 GET /cti-test/stream
check "64 MiB down: the bytes" cmp -s stream s3.out
check "64 MiB up with its SHA-256 (checked before it is stored): 200" \
	is 200 --payload "$(sha256sum <stream | cut -c1-64)" PUT /cti-test/stream2 \
	-T stream
hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$front_pid/status")
check "the front's peak memory stayed under 48 MiB ($((hwm / 1024)) MiB)" \
	[ "$hwm" -lt 49152 ]
check "no spool file left beside the log" \
	eval '[ -z "$(find "$S3_DIR" -maxdepth 1 -name "tmp*")" ]'

# --- the log ----------------------------------------------------------------

check "the log: a JSON object a line, with every field" \
	jqs 'all(has("method") and has("path") and has("query") and
		has("signed") and has("sig_ok") and has("status") and has("code") and
		has("key_id") and has("content_sha256") and has("headers"))' "$S3_LOG"
check "the log: no secret, no signature, no token" \
	eval '! grep -qF -e "$S3_SECRET" -e "$S3_TOKEN_SECRET" \
		-e "$S3_SESSION_TOKEN" -e Signature= -e authorization "$S3_LOG"'

# --- faults, region, clock --------------------------------------------------

s3rver_pid=$(cat "$T/main-s3rver.pid")
stop_server main
check "stop_server: the front is gone" eval '! kill -0 "$front_pid" 2>/dev/null'
check "stop_server: the emulator is gone" eval '! kill -0 "$s3rver_pid" 2>/dev/null'
up faulty --region eu-west-2 --fail-first 2 503 --retry-after 7 --cut-body \
	--clock-offset 600
check "--region: S3_REGION" [ "$S3_REGION" = eu-west-2 ]
check "--fail-first 2 503: bucket requests are not counted" \
	jqs '.[-1] | .path == "/cti-test" and .status == 200' "$S3_DIR/start.jsonl"
check "--fail-first 2 503: the first: 503" \
	is 503 --payload UNSIGNED-PAYLOAD PUT /cti-test/obj -T obj
check "--fail-first 2 503: SlowDown" code SlowDown
check "--retry-after 7" [ "$(hdr Retry-After)" = 7 ]
check "--fail-first 2 503: the second: 503" is 503 GET /cti-test/obj
head -c 1000001 stream >mid
check "--fail-first 2 503: the third: 200" \
	is 200 --payload UNSIGNED-PAYLOAD PUT /cti-test/obj -T mid
check "--cut-body: the first GET: 200, curl: body cut (18)" \
	eval '[ "$(s3_curl GET /cti-test/obj 2>/dev/null)" = 200 ] || [ $? = 18 ]'
check "--cut-body: half the body, then closed" \
	[ "$(wc -c <s3.out)" -eq 500000 ]
check "--cut-body: logged" last '.cut == true'
check "--cut-body: the second GET: whole" \
	eval 'is 200 GET /cti-test/obj && cmp -s mid s3.out'
check "--region eu-west-2: us-east-1 refused" \
	eval 'S3_REGION=us-east-1 is 400 GET /cti-test/obj'
s3_sign --date "$(date -u -d '-6 minutes' +%Y%m%dT%H%M%SZ)" GET /cti-test/obj
check "--clock-offset 600: a request signed 6 minutes ago is 16 off: 403" \
	eval '[ "$(s3_send GET /cti-test/obj)" = 403 ] && code RequestTimeTooSkewed'
stop_server faulty

up flaky --fail-first 1 500 --retry-after -
check "--fail-first 1 500: InternalError" \
	eval 'is 500 GET /cti-test/obj && code InternalError'
check "--retry-after -: no Retry-After" [ -z "$(hdr Retry-After)" ]
check "then: 404 NoSuchKey (its own emulator, empty)" is 404 GET /cti-test/obj
# the end of the test stops both (by pid, in the EXIT trap)
bash -c '. "$(dirname "$0")/lib.sh"; start_s3 inner >/dev/null 2>&1;
	cat "$T/inner.pid" "$T/inner-s3rver.pid"' "$SRC/tests/inner" >inner.pids
check "a test's exit stops both servers" \
	eval '[ "$(wc -l <inner.pids)" -eq 2 ] &&
		! kill -0 $(cat inner.pids) 2>/dev/null'

done_testing
