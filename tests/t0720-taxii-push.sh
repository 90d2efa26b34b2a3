#!/bin/bash
# t0720-taxii-push: cti push to a TAXII 2.1 collection of the test server
# (tests/servers/taxii.py): envelopes under max_content_length and --batch,
# every object stored; statuses pending for a while, or for ever; partial
# failures named; 413; objects too large to send; TAXII 2.0; the gates
# (signature, TLP) before any request; the Accept header on every request;
# no credential in any output; push then pull (curl, and cti pull)
# round-trips every object.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

ICS=$DATA/ics-attack-18.0.json
need_taxii "TAXII push" "$ICS"

# up NAME OPTION...: start_taxii with a request log in $T/NAME.jsonl; C is
# the collections URL, INBOX the empty collection's
up() {
	_n=$1
	shift
	if start_taxii "$_n" --quiet --log "$T/$_n.jsonl" "$@"; then
		ok "server $_n starts"
	else
		not_ok "server $_n starts"
		done_testing
		exit 1
	fi
	C=taxii+$TAXII_URL/api1/collections
	INBOX=$C/$TAXII_INBOX/
	TLS="--cacert $TAXII_CA"
}
# requests NAME [JQ-FILTER]: how many requests of server NAME's log match
requests() {
	[ -s "$T/$1.jsonl" ] || { echo 0; return; }
	jq -s "map(select(${2:-true})) | length" "$T/$1.jsonl"
}
posts() { requests "$1" '.method == "POST"'; }
# json EXPR: the last command's --json output satisfies EXPR
json() { jq -e "$1" "$T/out" >/dev/null 2>&1; }
# stored NAME COLLECTION [CURL-ARG...]: the sorted ids server NAME holds
# in COLLECTION
stored() {
	_coll=$2
	shift 2
	curl -sS -g --cacert "$TAXII_CA" "$@" \
		-H 'Accept: application/taxii+json;version=2.1' \
		"$TAXII_URL/api1/collections/$_coll/objects/?limit=100000" |
		jq -r '.objects[]?.id' | sort
}
# all_accept NAME: every request server NAME logged had the TAXII Accept
all_accept() {
	jq -se 'length > 0 and all(.accept == "application/taxii+json;version=2.1")' \
		"$T/$1.jsonl" >/dev/null
}

"$CTI" keygen -W -p alice.pub -s alice.key >/dev/null 2>&1
K="-p alice.pub"
# 9,999 addresses and their TLP:GREEN marking: 10,000 objects
awk 'BEGIN { for (i = 0; i < 9999; i++)
	printf "203.%d.%d.%d\n", int(i / 65536) + 1, int(i / 256) % 256, i % 256 }' \
	>iocs.txt
"$CTI" pack -q --tlp green -o feed.cti iocs.txt && "$CTI" sign -q -s alice.key feed.cti
gzip -dc feed.cti | jq -r '.objects[].id' | sort >feed.ids
check "the feed has 10,000 objects" [ "$(wc -l <feed.ids)" -eq 10000 ]
# 1,000 objects where the number does not matter
head -n 999 iocs.txt >few.txt
"$CTI" pack -q --tlp green -o few.cti few.txt && "$CTI" sign -q -s alice.key few.cti
"$CTI" pack -q --tlp red -o red.cti few.txt && "$CTI" sign -q -s alice.key red.cti
"$CTI" pack -q --tlp green -o unsigned.cti few.txt
gzip -dc few.cti | jq -r '.objects[].id' | sort >few.ids

# --- 10,000 objects, envelopes under max_content_length -----------------------

up main --limit-cap 100000 --max-content-length 100000
expect 0 "push of 10,000 objects" \
	"$CTI" push -v --json $TLS $K feed.cti "$INBOX"
check "--json: 10,000 total, 10,000 success" \
	json '.status == "pushed" and .total == 10000 and .success == 10000 and
		.failure == 0 and .pending == 0 and .tlp == "TLP:GREEN" and .signers == 1'
check "-v: the counts" \
	err_has "feed.cti: 10000 objects in $(jq .envelopes out) envelopes: 10000 accepted, 0 failed, 0 pending"
stored main "$TAXII_INBOX" >inbox.ids
check "the server holds the 10,000 objects" cmp -s feed.ids inbox.ids
check "every envelope under max_content_length: no 413" \
	[ "$(requests main '.status == 413')" -eq 0 ]
check "one POST per envelope, each 202" \
	[ "$(requests main '.method == "POST" and .status == 202')" -eq "$(jq .envelopes out)" ]
check "more envelopes than 10,000 / 500: the byte limit cut them" \
	[ "$(jq .envelopes out)" -gt 20 ]
check "and they were filled: over 90,000 bytes each on average" \
	json '.bytes / .envelopes > 90000'
check "every request had the TAXII Accept header" all_accept main
check "POSTs had the TAXII Content-Type" \
	eval '[ "$(requests main ".method == \"POST\" and .content_type != \"application/taxii+json;version=2.1\"")" -eq 0 ]'

n=$(posts main)
expect 0 "--batch 1000: at most 1,000 objects an envelope" \
	"$CTI" push --json --batch 1000 $TLS $K feed.cti "$C/$TAXII_SEED/"
check "--batch 1000: one POST per envelope" \
	[ "$(jq .envelopes out)" -eq "$(($(posts main) - n))" ]
n=$(posts main)
expect 0 "--batch 100" "$CTI" push --json --batch 100 $TLS $K feed.cti "$INBOX"
check "--batch 100: 100 envelopes" \
	eval '[ "$(jq .envelopes out)" -eq 100 ] && [ "$(($(posts main) - n))" -eq 100 ]'
check "pushed again: accepted again, stored once" \
	eval 'json ".success == 10000" && stored main "$TAXII_INBOX" | cmp -s - feed.ids'
expect 0 "standard input, without --name" \
	sh -c "\"\$0\" push --json $TLS $K - '$INBOX' <few.cti" "$CTI"
check "standard input: 1,000 accepted" json '.success == 1000'

# --- the gates, before any request -------------------------------------------

n=$(requests main)
expect 1 "TLP:RED is refused by default" "$CTI" push $TLS $K red.cti "$INBOX"
check "the refusal names the marking" err_has "TLP:RED"
expect 1 "an unsigned file is refused" "$CTI" push $TLS $K unsigned.cti "$INBOX"
cp few.cti tampered.cti && flip tampered.cti -100
expect 1 "a tampered file is refused" "$CTI" push $TLS $K tampered.cti "$INBOX"
check "no request for any of them" [ "$(requests main)" -eq "$n" ]
expect 0 "TLP:RED with --max-tlp red" \
	"$CTI" push --json --max-tlp red $TLS $K red.cti "$C/$TAXII_SEED/"
expect 0 "unsigned with --allow-unsigned" \
	"$CTI" push --json --allow-unsigned $TLS unsigned.cti "$INBOX"

# --- usage and collections ---------------------------------------------------

expect 2 "--batch 0" "$CTI" push --batch 0 $TLS $K feed.cti "$INBOX"
expect 2 "--method does not apply to TAXII" \
	"$CTI" push --method POST $TLS $K feed.cti "$INBOX"
expect 2 "--batch applies to TAXII only" \
	"$CTI" push --batch 10 $K feed.cti "$T/dir/"
expect 0 "--taxii with an https:// URL" \
	"$CTI" push --json --taxii $TLS $K few.cti "$TAXII_URL/api1/collections/$TAXII_INBOX/"
check "--taxii: the objects went as to taxii+https://" json '.success == 1000'
expect 2 "--taxii with a directory" "$CTI" push --taxii $K few.cti "$T/dir/"
check "said so" err_has "--taxii takes an https:// URL"
expect 6 "a read-only collection" "$CTI" push $TLS $K feed.cti "$C/$TAXII_READONLY/"
check "said so" err_has "does not take objects"
expect 6 "an unknown collection" \
	"$CTI" push $TLS $K feed.cti "$C/c011ec70-0000-4000-8000-0000000000ff/"
stop_server main

# --- partial failures: exit 6, each failed id named -------------------------

up part --reject-type x-mitre-tactic --limit-cap 100000
jq -r '.objects[] | select(.type == "x-mitre-tactic") | .id' "$ICS" | sort >tactics.ids
N=$(jq '.objects | length' "$ICS")
expect 6 "a partial failure exits 6" \
	"$CTI" push --allow-unsigned $TLS "$ICS" "$INBOX"
check "each failed id is named, with the server's message" \
	eval '[ "$(grep -c "^cti: push: x-mitre-tactic--.*: " err)" -eq "$(wc -l <tactics.ids)" ] &&
		sed -n "s/^cti: push: \(x-mitre-tactic--[^:]*\): .*/\1/p" err | sort | cmp -s - tactics.ids'
check "and the count of them" err_has "$(wc -l <tactics.ids) of $N objects not accepted"
expect 6 "--json: the failed list" \
	"$CTI" push --json --allow-unsigned $TLS "$ICS" "$INBOX"
check "--json: failed ids, the counts" \
	eval 'jq -r ".failed[].id" out | sort | cmp -s - tactics.ids &&
		json ".status == \"failed\" and .exit == 6 and .total == $N and
			.failure == $(wc -l <tactics.ids) and
			.success == $N - $(wc -l <tactics.ids) and
			(.failed | all(.message | length > 0))"'
check "the others were stored" \
	eval '[ "$(stored part "$TAXII_INBOX" | wc -l)" -eq "$((N - $(wc -l <tactics.ids)))" ]'
stop_server part

# --- statuses pending for a while, or for ever --------------------------------

up slow --status-polls 3
expect 0 "statuses pending for 3 polls, then complete" \
	"$CTI" push --json $TLS $K few.cti "$INBOX"
check "all accepted" json '.success == 1000 and .pending == 0'
check "the statuses were polled until complete" \
	[ "$(requests slow '.path | contains("/status/")')" -ge 3 ]
stop_server slow

up never --status-never-completes
start=$(date +%s)
expect 5 "statuses that never complete: exit 5 after --timeout" \
	"$CTI" push --json --timeout 2s $TLS $K few.cti "$INBOX"
end=$(date +%s)
check "--json: all pending" json '.pending == 1000 and .success == 0 and .exit == 5'
check "it waited about 2 s" \
	eval '[ "$((end - start))" -ge 2 ] && [ "$((end - start))" -le 15 ]'
check "said so" err_has "1000 of 1000 objects still pending"
check "naming a status to ask about them" \
	eval 'grep -E -q "still pending after 2 s at .* \(status [^ ]+ and others\)" "$T/err"'
stop_server never

# --- 413, and an object too large to go -------------------------------------

up small --max-content-length 30000 --advertise-max-content-length 100000 --limit-cap 10000
expect 0 "413: envelopes halved until the server takes them" \
	"$CTI" push -v --json $TLS $K few.cti "$INBOX"
check "all accepted" json '.success == 1000 and .failure == 0'
check "the server answered 413 first" [ "$(requests small '.status == 413')" -ge 1 ]
check "-v said it" err_has "too large for the server"
stored small "$TAXII_INBOX" >small.ids
check "the server holds the 1,000 objects" cmp -s few.ids small.ids
n=$(requests small '.status == 413')
# three small objects, the second made larger than the server takes
jq -c '[.objects[] | select(.type == "relationship")][0:3] |
	{type: "bundle", id: "bundle--2f4fdc4a-07e0-4f0b-9f05-0a1bd4ee8c41",
	 objects: [.[0], (.[1] | .description = ("x" * 40000)), .[2]]}' \
	"$ICS" >big.json
big=$(jq -r '.objects[1].id' big.json)
expect 6 "a lone object the server refuses as too large (413)" \
	"$CTI" push --json --allow-unsigned $TLS big.json "$INBOX"
check "it is named, with the 413" \
	eval 'jq -e --arg id "$big" ".failed == [{id: \$id, message: .failed[0].message}] and
		(.failed[0].message | contains(\"413\")) and .success == 2" out >/dev/null'
check "the server saw it" [ "$(requests small '.status == 413')" -gt "$n" ]
stop_server small

up tiny --max-content-length 30000
n=0
expect 6 "an object over max_content_length is not sent" \
	"$CTI" push --json --allow-unsigned $TLS big.json "$INBOX"
check "it is named, not sent" \
	eval 'jq -e --arg id "$big" ".failed == [{id: \$id, message: .failed[0].message}] and
		(.failed[0].message | contains(\"max_content_length\")) and
		.success == 2" out >/dev/null'
check "no 413: it never went" [ "$(requests tiny '.status == 413')" -eq 0 ]
stop_server tiny

# --- TAXII 2.0 ----------------------------------------------------------------

up old --taxii20 --limit-cap 10000
expect 0 "a TAXII 2.0 server gets bundles" \
	"$CTI" push -v --json $TLS $K few.cti "$INBOX"
check "all accepted" json '.success == 1000 and .failure == 0'
check "the posts were TAXII 2.0 bundles" \
	[ "$(requests old '.method == "POST" and .status == 202')" -ge 1 ]
stop_server old

# --- what arrives is what was sent --------------------------------------------

# canon FILE: the objects of a bundle or an envelope, one a line, sorted,
# their members sorted
canon() { jq -cS '.objects[]' "$1" | sort; }
# fetch COLLECTION: the objects server $1 holds, as an envelope
fetch() {
	curl -sS -g --cacert "$TAXII_CA" \
		-H 'Accept: application/taxii+json;version=2.1' \
		"$TAXII_URL/api1/collections/$2/objects/?limit=100000"
}
up same --limit-cap 100000
expect 0 "ATT&CK ICS pushed" "$CTI" push --allow-unsigned $TLS "$ICS" "$INBOX"
fetch same "$TAXII_INBOX" >ics-back.json
check "every ICS object came back with equal JSON (custom types and properties)" \
	eval 'canon "$ICS" >ics.a && canon ics-back.json >ics.b && [ -s ics.a ] && cmp -s ics.a ics.b'
gzip -dc feed.cti >feed.json
expect 0 "the signed feed pushed" "$CTI" push $TLS $K feed.cti "$C/$TAXII_SEED/"
fetch same "$TAXII_SEED" >feed-back.json
check "every object of the feed came back with equal JSON" \
	eval 'canon feed.json >feed.a && canon feed-back.json >feed.b && [ "$(wc -l <feed.a)" -eq 10000 ] && cmp -s feed.a feed.b'
# and cti pull brings them back
expect 0 "cti pull of the ICS collection" \
	"$CTI" pull $TLS -o ics-pulled.json "$INBOX"
check "push then pull: every ICS object with equal JSON" \
	eval 'canon ics-pulled.json | cmp -s - ics.a'
expect 0 "cti pull of the feed's collection" \
	"$CTI" pull $TLS -o feed-pulled.json "$C/$TAXII_SEED/"
check "push then pull: every object of the feed with equal JSON" \
	eval 'canon feed-pulled.json | cmp -s - feed.a'
stop_server same

# --- credentials never shown --------------------------------------------------

printf 'alice:s3cret-pw\n' >users
printf 's3cret-pw\n' >pw
printf 'tok-0123456789\n' >token
up auth --users "$T/users" --token-file "$T/token"
expect 6 "no credentials: 401" "$CTI" push $TLS $K few.cti "$INBOX"
expect 0 "basic auth from a file" \
	"$CTI" push -v --json --user alice --password-file pw $TLS $K few.cti "$INBOX"
cp out out-basic && cp err err-basic
expect 0 "a bearer token from the environment" \
	env CTI_TOKEN_FILE="$T/token" "$CTI" push -v --json $TLS $K few.cti "$INBOX"
check "no credential in any output" \
	eval '! grep -q -e s3cret -e tok-0123 out err out-basic err-basic'
check "every request had the TAXII Accept header" all_accept auth
# the same credentials read the collection back
expect 6 "pull without credentials: 401" \
	"$CTI" pull --retries 0 --state st-noauth $TLS -o noauth.json "$INBOX"
check "nothing written" test ! -e noauth.json
printf 'tok-wrong\n' >badtoken
expect 6 "pull with a wrong token: 401" \
	"$CTI" pull --retries 0 --state st-bad --token-file badtoken $TLS -o bad.json "$INBOX"
expect 0 "pull with the bearer token from a file" \
	"$CTI" pull -v --state st-tok --token-file token $TLS -o tok.json "$INBOX"
check "it holds what was pushed" eval '[ "$(jq ".objects | length" tok.json)" -gt 0 ]'
expect 0 "pull with basic auth from CTI_PASSWORD_FILE" \
	env CTI_PASSWORD_FILE="$T/pw" "$CTI" pull -v --state st-pw --user alice $TLS -o pw.json "$INBOX"
check "no credential in the pulls' output either" \
	eval '! grep -q -e s3cret -e tok-0123 out err'
stop_server auth

# --- mutual TLS: a client certificate, both directions ------------------------

up mtls --client-ca "$TAXII_CA"
MTLS="--cert $TAXII_CLIENT_CERT --key $TAXII_CLIENT_KEY"
expect 5 "push without a client certificate: the handshake fails" \
	"$CTI" push --retries 0 $TLS $K few.cti "$INBOX"
expect 0 "push with --cert and --key" "$CTI" push $TLS $MTLS $K few.cti "$INBOX"
expect 5 "pull without a client certificate: the handshake fails" \
	"$CTI" pull --retries 0 --state st-nocert $TLS -o nocert.json "$INBOX"
check "nothing written" test ! -e nocert.json
expect 0 "pull with --cert and --key" \
	"$CTI" pull --state st-cert $TLS $MTLS -o cert.json "$INBOX"
check "it holds what was pushed" eval '[ "$(jq ".objects | length" cert.json)" -gt 0 ]'
stop_server mtls

# the examples of cti-push(1) and the README run in t0110

done_testing
