#!/bin/bash
# t0700-taxii-server: the TAXII 2.1 test server, tests/servers/taxii.py,
# does what its header says (checked with curl and jq), so that the tests
# of cti's TAXII client stand on known ground: discovery, strict media
# types, paging with limit, next and added_after, filters, versions,
# manifests, POST and statuses, max_content_length, authentication, and
# each fault it can be told to commit.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

ICS=$DATA/ics-attack-18.0.json
need_taxii "TAXII server" "$ICS"
N=$(jq '.objects | length' "$ICS")
A21='Accept: application/taxii+json;version=2.1'
CT21='Content-Type: application/taxii+json;version=2.1'
A20='Accept: application/vnd.oasis.taxii+json; version=2.0'
CT20='Content-Type: application/vnd.oasis.stix+json; version=2.0'
TAXII21=application/taxii+json\;version=2.1

# req CURL-ARG...: print the HTTP status; body in $T/b, headers in $T/h
req() {
	curl -sS -g --cacert "$TAXII_CA" -D "$T/h" -o "$T/b" -w '%{http_code}' "$@"
}
get() { req -H "$A21" "$@"; }
# post FILE URL [CURL-ARG...]: POST FILE as TAXII 2.1
post() {
	_f=$1 _u=$2
	shift 2
	req -H "$A21" -H "$CT21" --data-binary "@$_f" "$@" "$_u"
}
# is STATUS CURL-ARG...: a TAXII 2.1 GET answers STATUS
is() {
	_want=$1
	shift
	[ "$(get "$@")" = "$_want" ]
}
# is_raw STATUS CURL-ARG...: the same without the TAXII Accept header
is_raw() {
	_want=$1
	shift
	[ "$(req "$@")" = "$_want" ]
}
# posts STATUS FILE URL [CURL-ARG...]: a TAXII 2.1 POST answers STATUS
posts() {
	_want=$1
	shift
	[ "$(post "$@")" = "$_want" ]
}
# the last answer's header $1 (the last one of that name)
hdr() { tr -d '\r' <"$T/h" | sed -n "s/^$1: //Ip" | tail -n 1; }
# hdr_is NAME VALUE
hdr_is() { [ "$(hdr "$1")" = "$2" ]; }
# no_taxii_headers: the last answer has no X-TAXII-* header
no_taxii_headers() { ! grep -qi '^X-TAXII' "$T/h"; }
# the last answer's body satisfies the jq expression (after jq options)
body() { jq -e "$@" "$T/b" >/dev/null 2>&1; }
# the last answer is a TAXII error object with this http_status
taxii_error() { body --arg s "$1" '.title and .http_status == $s'; }
# same_page FILE: the last answer has the ids listed in FILE, in order
same_page() { [ "$(jq -c '[.objects[].id]' "$T/b")" = "$(cat "$1")" ]; }
# the date_added of the $1-th seed object (default --start and --step)
ts() { printf '2020-01-01T00:00:00.%06dZ' "$1"; }
# ids_of FILE: the sorted ids of a JSON-lines file of objects
ids_of() { jq -r .id "$1" | sort; }
# same_ids FILE: FILE has each ICS object once
same_ids() { ids_of "$1" | cmp -s - "$T/ics.ids"; }
jq -r '.objects[].id' "$ICS" | sort >ics.ids

# up NAME OPTION...: start_taxii, counted as a test; C is its collections
up() {
	_n=$1
	shift
	if start_taxii "$_n" "$@"; then
		ok "server $_n starts"
	else
		not_ok "server $_n starts"
		done_testing
		exit 1
	fi
	C=$TAXII_URL/api1/collections
}

# take_page: append the last answer's objects to $T/all.jsonl; set count,
# more (true or false) and next (or empty)
take_page() {
	{
		read -r count more next
		cat >>"$T/all.jsonl"
	} < <(jq -r '"\(.objects // [] | length) \(.more // false) \(.next // "")",
		(.objects[]? | tojson)' "$T/b")
}

# page_all URL: follow next from URL (which has a query); the objects go to
# $T/all.jsonl, the headers of each page to $T/pages, the next tokens to
# $T/tokens; fails on a status other than 200 or a page over 100 objects
page_all() {
	_url=$1 next=
	: >"$T/all.jsonl"
	: >"$T/pages"
	: >"$T/tokens"
	for _i in $(seq 1000); do
		is 200 "$_url${next:+&next=$next}" || return 1
		take_page
		[ "$count" -le 100 ] || return 1
		echo "$(hdr X-TAXII-Date-Added-First) $(hdr X-TAXII-Date-Added-Last)" \
			>>"$T/pages"
		[ "$more" = true ] || return 0
		[ -n "$next" ] || return 1
		echo "$next" >>"$T/tokens"
	done
	return 1
}

# --- a seed that cannot be loaded -------------------------------------------

printf '{"objects": [{"type": "x-a", "id": "x-a--1"}, {"type": "x-a"}]}\n' \
	>badseed.json
check "a seed object without an id: the server does not start" \
	eval '! start_taxii badseed --data "$T/badseed.json" 2>/dev/null'
check "a seed object without an id: the server says which" \
	grep -q "badseed.json: object 2: no id" badseed.log

# --- discovery, API roots, collections, media types -------------------------

up main --data "$ICS" --log "$T/requests.jsonl"

check "discovery: 200" is 200 "$TAXII_URL/taxii2/"
check "discovery: the TAXII 2.1 media type" hdr_is Content-Type "$TAXII21"
check "discovery: API roots as http://HOST:5000/, as the reference server" \
	body '.api_roots == ["http://127.0.0.1:5000/api1/",
		"http://127.0.0.1:5000/api2/"]
		and .default == "http://127.0.0.1:5000/api1/" and .title'
check "Accept with a space before version: 200" \
	is_raw 200 -H 'Accept: application/taxii+json; version=2.1' "$TAXII_URL/taxii2/"
check "no Accept header: 406" is_raw 406 -H 'Accept:' "$TAXII_URL/taxii2/"
check "406: a TAXII error object" taxii_error 406
check "406: as TAXII" hdr_is Content-Type "$TAXII21"
for a in 'application/json' '*/*' 'application/taxii+json' \
	'application/vnd.oasis.taxii+json; version=2.0' \
	'application/taxii+json;version=2.1, application/json'; do
	check "Accept: $a: 406" is_raw 406 -H "Accept: $a" "$TAXII_URL/taxii2/"
done
check "/taxii/ is not a TAXII 2.1 discovery: 404" is 404 "$TAXII_URL/taxii/"

check "API root: 200" is 200 "$TAXII_URL/api1/"
check "API root: max_content_length and the 2.1 version" \
	body '.max_content_length == 1048576 and
		.versions == ["application/taxii+json;version=2.1"] and .title'
check "unknown API root: 404" is 404 "$TAXII_URL/nope/"
check "404: a TAXII error object" taxii_error 404
check "a root without collections: 200" is 200 "$TAXII_URL/api2/collections/"
check "a root without collections: {}" body '. == {}'

check "collections: 200" is 200 "$C/"
check "collections: the six, with their rights" \
	body '[.collections[] | [.id[-1:], .title, .can_read, .can_write]] == [
		["1", "Seed", true, true], ["2", "Inbox", true, true],
		["3", "Read only", true, false], ["4", "Write only", false, true],
		["5", "Twin", true, false], ["6", "Twin", true, false]]'
check "one collection: 200" is 200 "$C/$TAXII_INBOX/"
check "one collection: its description" \
	body --arg id "$TAXII_INBOX" '.id == $id and .title == "Inbox" and
		.can_read and .can_write and
		.media_types == ["application/stix+json;version=2.1"]'
check "unknown collection: 404" is 404 "$C/nope/objects/"
check "reading a collection that cannot be read: 403" \
	is 403 "$C/$TAXII_WRITEONLY/objects/"
check "403: a TAXII error object" taxii_error 403

# --- paging -----------------------------------------------------------------

check "paging the seed with limit=1000 (capped at 100) and next" \
	page_all "$C/$TAXII_SEED/objects/?limit=1000"
check "paging: every object once" same_ids all.jsonl
jq -s -S 'sort_by(.id)' all.jsonl >got.json
jq -S '.objects | sort_by(.id)' "$ICS" >want.json
check "paging: every object as loaded, custom properties included" \
	cmp -s got.json want.json
check "paging: $(((N + 99) / 100)) pages" \
	[ "$(wc -l <pages)" -eq $(((N + 99) / 100)) ]
check "paging: one next token for every page" \
	[ "$(sort -u tokens | wc -l)" -eq 1 ]
for p in $(seq $(((N + 99) / 100))); do
	l=$((p * 100))
	[ "$l" -le "$N" ] || l=$N
	echo "$(ts $((p * 100 - 99))) $(ts "$l")"
done >pages.want
check "paging: X-TAXII-Date-Added-First/-Last describe each page" \
	cmp -s pages pages.want
check "the last page: more is false, no next" \
	body '.more == false and (has("next") | not)'
check "the next of a finished query: 400" \
	is 400 "$C/$TAXII_SEED/objects/?limit=1000&next=$(head -n 1 tokens)"
check "400: a TAXII error object" taxii_error 400
check "the read-only collection holds the seed too" \
	is 200 "$C/$TAXII_READONLY/objects/?limit=5"
check "the read-only collection: the same dates" \
	hdr_is X-TAXII-Date-Added-Last "$(ts 5)"

get "$C/$TAXII_SEED/objects/?limit=10" >/dev/null
tok=$(jq -r .next b)
check "next with the same query and another limit: 200" \
	is 200 "$C/$TAXII_SEED/objects/?limit=20&next=$tok"
check "next with another limit: that many objects" body '.objects | length == 20'
check "next: the objects after the first page" \
	hdr_is X-TAXII-Date-Added-First "$(ts 11)"
check "next with other parameters: 400" \
	is 400 "$C/$TAXII_SEED/objects/?limit=20&match[type]=malware&next=$tok"
check "limit=7: 200" is 200 "$C/$TAXII_SEED/objects/?limit=7"
check "limit=7: 7 objects" body '(.objects | length) == 7 and .more'
for l in 0 -1 abc 1.5; do
	check "limit=$l: 400" is 400 "$C/$TAXII_SEED/objects/?limit=$l"
done

# --- added_after ------------------------------------------------------------

check "added_after: 200" is 200 "$C/$TAXII_SEED/objects/?added_after=$(ts 100)"
check "added_after is strict" hdr_is X-TAXII-Date-Added-First "$(ts 101)"
check "added_after, the same instant with fewer digits: 200" \
	is 200 "$C/$TAXII_SEED/objects/?added_after=2020-01-01T00:00:00.0001Z"
check "added_after, the same instant with fewer digits: the same" \
	hdr_is X-TAXII-Date-Added-First "$(ts 101)"
check "added_after a tenth of a microsecond later: 200" \
	is 200 "$C/$TAXII_SEED/objects/?added_after=2020-01-01T00:00:00.0001001Z"
check "added_after a tenth of a microsecond later: the same" \
	hdr_is X-TAXII-Date-Added-First "$(ts 101)"
check "added_after the one before the last: 200" \
	is 200 "$C/$TAXII_SEED/objects/?added_after=$(ts $((N - 1)))"
check "added_after the one before the last: the last" \
	body '(.objects | length) == 1 and .more == false'
check "added_after the one before the last: its date" \
	hdr_is X-TAXII-Date-Added-Last "$(ts "$N")"
check "added_after the last: 200" \
	is 200 "$C/$TAXII_SEED/objects/?added_after=$(ts "$N")"
check "added_after the last: {}" body '. == {}'
check "added_after the last: no X-TAXII headers" no_taxii_headers
for a in 2020-01-01 2020-01-01T00:00:00 2020-13-01T00:00:00Z yesterday; do
	check "added_after=$a: 400" \
		is 400 "$C/$TAXII_SEED/objects/?added_after=$a"
done

# --- filters ----------------------------------------------------------------

check "match[type] with two values: 200" \
	is 200 "$C/$TAXII_SEED/objects/?match[type]=x-mitre-tactic,identity"
check "match[type] with two values: those types" \
	body '[.objects[].type] | group_by(.) | map([.[0], length]) ==
		[["identity", 1], ["x-mitre-tactic", 12]]'
id1=$(sed -n 1p ics.ids)
id2=$(sed -n 2p ics.ids)
check "match[id] twice, once percent-encoded: 200" \
	is 200 "$C/$TAXII_SEED/objects/?match[id]=$id1&match%5Bid%5D=$id2"
check "match[id] twice: those objects" \
	body --arg a "$id1" --arg b "$id2" '[.objects[].id] | sort == [$a, $b]'
check "match[spec_version]=2.0: 200" \
	is 200 "$C/$TAXII_SEED/objects/?match[spec_version]=2.0"
check "match[spec_version]=2.0: nothing" body '. == {}'
check "match[spec_version]=2.1: 200" \
	is 200 "$C/$TAXII_SEED/manifest/?match[spec_version]=2.1"
check "match[spec_version]=2.1: everything" \
	body '.more == true and (.objects | length) == 100'
check "match[version]=nonsense: 400" \
	is 400 "$C/$TAXII_SEED/objects/?match[version]=nonsense"
check "an unknown parameter is ignored" \
	is 200 "$C/$TAXII_SEED/objects/?match[colour]=red&limit=3"

# --- versions, POST, statuses -----------------------------------------------

tactic=$(jq -c '[.objects[] | select(.type == "x-mitre-tactic")][0]' "$ICS")
tid=$(jq -r .id <<<"$tactic")
v1=$(jq -r .modified <<<"$tactic")
v2=2030-01-01T00:00:00.000Z
jq -c --arg v "$v2" '{objects: [.modified = $v | .name = "Renamed"]}' \
	<<<"$tactic" >newver.json
t0=$(date -u +%Y-%m-%dT%H:%M:%S)
check "POST a new version: 202" posts 202 newver.json "$C/$TAXII_SEED/objects/"
check "POST a new version: complete at once" \
	body --arg id "$tid" --arg v "$v2" '.status == "complete" and
		.total_count == 1 and .success_count == 1 and .failure_count == 0 and
		.pending_count == 0 and .successes == [{id: $id, version: $v}] and
		(has("failures") | not) and (has("pendings") | not) and
		(.id | length) == 36 and .request_timestamp'
check "POST: as TAXII" hdr_is Content-Type "$TAXII21"
sid=$(jq -r .id b)
check "the status resource: 200" is 200 "$TAXII_URL/api1/status/$sid/"
check "the status resource: the same" \
	body --arg id "$sid" '.id == $id and .status == "complete"'
check "a status under another root: 404" is 404 "$TAXII_URL/api2/status/$sid/"
check "an unknown status: 404" is 404 "$TAXII_URL/api1/status/nope/"
check "the new version: 200" \
	is 200 "$C/$TAXII_SEED/objects/?added_after=$(ts "$N")"
check "the new version comes after the seed" \
	body '.objects | length == 1 and .[0].name == "Renamed"'
check "the new version: date_added with microseconds" \
	grep -Eiq '^X-TAXII-Date-Added-First: [0-9-]{10}T[0-9:]{8}\.[0-9]{6}Z' h
check "the new version: date_added is now" \
	test "$(hdr X-TAXII-Date-Added-First)" \> "$t0"
check "match[version] absent: 200" is 200 "$C/$TAXII_SEED/objects/?match[id]=$tid"
check "match[version] absent: the last version" \
	body --arg v "$v2" '[.objects[].modified] == [$v]'
check "match[version]=first: 200" \
	is 200 "$C/$TAXII_SEED/objects/?match[id]=$tid&match[version]=first"
check "match[version]=first: the first" \
	body --arg v "$v1" '[.objects[].modified] == [$v]'
check "match[version]=all: 200" \
	is 200 "$C/$TAXII_SEED/objects/?match[id]=$tid&match[version]=all"
check "match[version]=all: both, in date_added order" \
	body --arg a "$v1" --arg b "$v2" '[.objects[].modified] == [$a, $b]'
check "match[version]=TIMESTAMP (other digits): 200" \
	is 200 "$C/$TAXII_SEED/objects/$tid/?match[version]=2030-01-01T00:00:00Z"
check "match[version]=TIMESTAMP: that version" \
	body '[.objects[].name] == ["Renamed"]'
check "match[version]=first,last: 200" \
	is 200 "$C/$TAXII_SEED/objects/$tid/?match[version]=first,last"
check "match[version]=first,last: both" body '(.objects | length) == 2'
check "added_after, then match[version]=first: 200" \
	is 200 "$C/$TAXII_SEED/objects/$tid/?added_after=$(ts "$N")&match[version]=first"
check "added_after, then match[version]=first: among those after" \
	body '[.objects[].name] == ["Renamed"]'
check "versions: 200" is 200 "$C/$TAXII_SEED/objects/$tid/versions/"
check "versions: both, in date_added order" \
	body --arg a "$v1" --arg b "$v2" '.versions == [$a, $b] and .more == false'
check "versions of an unknown object: 404" \
	is 404 "$C/$TAXII_SEED/objects/x-nope--1/versions/"
check "an unknown object: 404" is 404 "$C/$TAXII_SEED/objects/x-nope--1/"
check "versions, limit=1: 200" is 200 "$C/$TAXII_SEED/objects/$tid/versions/?limit=1"
check "versions, limit=1: paged with next" \
	body --arg v "$v1" '.versions == [$v] and .more == true and .next'
check "manifest of one object: 200" is 200 "$C/$TAXII_SEED/manifest/?match[id]=$tid"
check "manifest of one object: its last version" \
	body --arg id "$tid" --arg v "$v2" '.objects | length == 1 and
		.[0].id == $id and .[0].version == $v and
		.[0].media_type == "application/stix+json;version=2.1" and
		(.[0].date_added | test("^2[0-9-]+T[0-9:]+[.][0-9]{6}Z$"))'
check "the read-only collection did not get it: 200" \
	is 200 "$C/$TAXII_READONLY/objects/$tid/versions/"
check "the read-only collection did not get it" \
	body --arg v "$v1" '.versions == [$v]'

cat >mixed.json <<'EOF'
{"objects": [
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--11111111-1111-4111-8111-111111111111", "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z", "pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z", "x_custom": {"n": 1.5, "big": 12345678901234567890, "s": "caf\u00e9 \ud83d\ude00"}},
 {"type": "x-refused", "spec_version": "2.1", "id": "x-refused--22222222-2222-4222-8222-222222222222", "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z"},
 {"type": "indicator", "spec_version": "2.1"},
 {"id": "indicator--33333333-3333-4333-8333-333333333333"},
 {"type": "malware", "id": "indicator--44444444-4444-4444-8444-444444444444"},
 {"type": "malware", "id": "malware--55555555-5555-4555-8555-555555555555", "modified": "last week"},
 "not an object"
]}
EOF
good=indicator--11111111-1111-4111-8111-111111111111
check "POST with partial failures: 202" posts 202 mixed.json "$C/$TAXII_INBOX/objects/"
check "partial failures: counted, each named with a message" \
	body --arg good "$good" '.status == "complete" and .total_count == 7 and
		.success_count == 1 and .failure_count == 6 and .pending_count == 0 and
		[.failures[].id] == ["x-refused--22222222-2222-4222-8222-222222222222",
			"", "indicator--33333333-3333-4333-8333-333333333333",
			"indicator--44444444-4444-4444-8444-444444444444",
			"malware--55555555-5555-4555-8555-555555555555", ""] and
		all(.failures[]; .message | length > 0) and
		.successes == [{id: $good, version: "2024-01-01T00:00:00.000Z"}]'
check "the accepted object: 200" is 200 "$C/$TAXII_INBOX/objects/"
check "the accepted object, alone, its values unchanged" \
	[ "$(jq -cS '.objects' b)" = "$(jq -cS '.objects[:1]' mixed.json)" ]
check "the same objects again: 202" posts 202 mixed.json "$C/$TAXII_INBOX/objects/"
check "the same object again: a success" \
	body '.success_count == 1 and .failure_count == 6'
check "the same object again: not stored twice" \
	is 200 "$C/$TAXII_INBOX/manifest/?match[version]=all"
check "the same object again: one version" body '(.objects | length) == 1'
check "POST to a read-only collection: 403" \
	posts 403 mixed.json "$C/$TAXII_READONLY/objects/"
check "POST to the write-only collection: 202" \
	posts 202 mixed.json "$C/$TAXII_WRITEONLY/objects/"
check "POST as application/json: 415" \
	is_raw 415 -H "$A21" -H "Content-Type: application/json" \
	--data-binary @mixed.json "$C/$TAXII_INBOX/objects/"
check "415: a TAXII error object" taxii_error 415
echo '{"type": "bundle", "id": "bundle--1", "objects": []}' >bundle.json
check "POST of a bundle: 400" posts 400 bundle.json "$C/$TAXII_INBOX/objects/"
printf '{"objects": [' >broken.json
check "POST of broken JSON: 400" posts 400 broken.json "$C/$TAXII_INBOX/objects/"
echo '{"objects": [{"type": "x-a", "id": "x-a--1", "n": NaN}]}' >nan.json
check "POST of NaN (not JSON): 400" posts 400 nan.json "$C/$TAXII_INBOX/objects/"
jq -c '{objects}' "$ICS" >ics-envelope.json
check "POST over max_content_length: 413" \
	posts 413 ics-envelope.json "$C/$TAXII_INBOX/objects/"
check "413: a TAXII error object" taxii_error 413

check "the request log: a line for each request" \
	[ "$(jq -s length requests.jsonl)" -eq "$(jq -s 'map(.n) | max' requests.jsonl)" ]
check "the request log: the Accept header of each" \
	eval 'jq -se "any(.accept == null and .status == 406) and
		all(.accept != null or .status == 406)" requests.jsonl >/dev/null' 
stop_server main

# --- max_content_length, exactly; a slow POST -------------------------------

# envelope SIZE FILE: an envelope of exactly SIZE bytes, one indicator
envelope() {
	_pre='{"objects":[{"type":"indicator","spec_version":"2.1","id":"indicator--66666666-6666-4666-8666-666666666666","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '"'198.51.100.6'"']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","description":"'
	_post='"}]}'
	{
		printf '%s' "$_pre"
		head -c $(($1 - ${#_pre} - ${#_post})) /dev/zero | tr '\0' x
		printf '%s' "$_post"
	} >"$2"
}
envelope 2000 e2000.json
envelope 2001 e2001.json
up small --max-content-length 2000 --slow-post 0.5
check "max_content_length as configured: 200" is 200 "$TAXII_URL/api1/"
check "max_content_length as configured" body '.max_content_length == 2000'
check "a body of max_content_length + 1 bytes: 413" \
	posts 413 e2001.json "$C/$TAXII_INBOX/objects/"
check "the same, chunked: 413" \
	posts 413 e2001.json "$C/$TAXII_INBOX/objects/" -H 'Transfer-Encoding: chunked'
s=$(date +%s%N)
check "a body of max_content_length bytes: 202" \
	posts 202 e2000.json "$C/$TAXII_INBOX/objects/"
e=$(date +%s%N)
check "--slow-post 0.5: the answer took half a second" \
	[ $(((e - s) / 1000000)) -ge 500 ]
stop_server small

# --- next expiry, duplicates that fail --------------------------------------

# Each use of a cursor extends its life: the third use comes more than 4 s
# after the first, less than 4 s after the second. The margins (1.7 s each
# way) hold on a loaded machine: a sanitizer build running beside this one
# delayed a request by more than 0.7 s.
up expiry --data "$ICS" --expire-next 4 --limit-cap 10 --duplicates-fail
get "$C/$TAXII_SEED/objects/" >/dev/null
tok=$(jq -r .next b)
sleep 2.3
check "--expire-next 4: next used in time: 200" \
	is 200 "$C/$TAXII_SEED/objects/?next=$tok"
check "--expire-next 4: the second page" hdr_is X-TAXII-Date-Added-First "$(ts 11)"
check "--expire-next 4: the same next" body --arg t "$tok" '.next == $t'
sleep 2.3
check "--expire-next 4: each use extends it" is 200 "$C/$TAXII_SEED/objects/?next=$tok"
sleep 4.5
check "--expire-next 4: next used late: 400" is 400 "$C/$TAXII_SEED/objects/?next=$tok"
check "--expire-next 4: a TAXII error object" taxii_error 400
check "--limit-cap 10: caps limit" is 200 "$C/$TAXII_SEED/objects/?limit=50"
check "--limit-cap 10: 10 objects" body '(.objects | length) == 10'
check "--limit-cap 10: the default page" is 200 "$C/$TAXII_SEED/manifest/"
check "--limit-cap 10: 10 manifest entries" body '(.objects | length) == 10'
post newver.json "$C/$TAXII_SEED/objects/" >/dev/null
check "--duplicates-fail: a stored version again: 202" \
	posts 202 newver.json "$C/$TAXII_SEED/objects/"
check "--duplicates-fail: a failure" \
	body '.success_count == 0 and .failure_count == 1 and
		(.failures[0].message | length) > 0'
stop_server expiry

# --- more without next, a cursor that stays; statuses that take time --------

up nonext --data "$ICS" --more-without-next --status-delay 0.5
check "--more-without-next: 200" is 200 "$C/$TAXII_SEED/objects/"
check "--more-without-next: more is true, next is absent" \
	body '.more == true and (has("next") | not) and (.objects | length) == 100'
after=
: >all.jsonl
for i in $(seq 100); do
	get "$C/$TAXII_SEED/objects/${after:+?added_after=$after}" >/dev/null
	take_page
	[ "$more" = true ] || break
	after=$(hdr X-TAXII-Date-Added-Last)
done
check "--more-without-next: by X-TAXII-Date-Added-Last, each object once" \
	same_ids all.jsonl
post mixed.json "$C/$TAXII_INBOX/objects/" >/dev/null
sid=$(jq -r .id b)
check "--status-delay 0.5: pending at first" body '.status == "pending"'
sleep 0.6
check "--status-delay 0.5: half a second later, the object is there" \
	is 200 "$C/$TAXII_INBOX/objects/"
check "--status-delay 0.5: one object" body '(.objects | length) == 1'
check "--status-delay 0.5: the status: 200" is 200 "$TAXII_URL/api1/status/$sid/"
check "--status-delay 0.5: complete" body '.status == "complete"'
stop_server nonext

up repeat --data "$ICS" --repeat-cursor --status-never-completes
get "$C/$TAXII_SEED/objects/" >/dev/null
jq -c '[.objects[].id]' b >page1
tok=$(jq -r .next b)
check "--repeat-cursor: next: 200" is 200 "$C/$TAXII_SEED/objects/?next=$tok"
check "--repeat-cursor: the first page again" same_page page1
check "--repeat-cursor: the same next" \
	body --arg t "$tok" '.more == true and .next == $t'
check "--repeat-cursor: next again: 200" is 200 "$C/$TAXII_SEED/objects/?next=$tok"
check "--repeat-cursor: the first page again, again" same_page page1
post mixed.json "$C/$TAXII_INBOX/objects/" >/dev/null
sid=$(jq -r .id b)
for i in 1 2 3; do get "$TAXII_URL/api1/status/$sid/" >/dev/null; done
check "--status-never-completes: still pending after three polls" \
	body '.status == "pending" and .pending_count == 1'
check "--status-never-completes: nothing stored" is 200 "$C/$TAXII_INBOX/objects/"
check "--status-never-completes: nothing" body '. == {}'
stop_server repeat

up stuck --data "$ICS" --repeat-cursor --more-without-next
get "$C/$TAXII_SEED/objects/" >/dev/null
jq -c '[.objects[].id]' b >page1
check "--repeat-cursor --more-without-next: added_after: 200" \
	is 200 "$C/$TAXII_SEED/objects/?added_after=$(hdr X-TAXII-Date-Added-Last)"
check "--repeat-cursor --more-without-next: the first page again" same_page page1
check "--repeat-cursor --more-without-next: more, no next" \
	body '.more == true and (has("next") | not)'
stop_server stuck

# --- faults: media types, TAXII 2.0 -----------------------------------------

up wrongtype --http --data "$ICS" --wrong-content-type
check "--http: plain HTTP" [ "${TAXII_URL%%:*}" = http ]
check "--wrong-content-type: 200" is 200 "$C/$TAXII_SEED/objects/?limit=3"
check "--wrong-content-type: application/json" hdr_is Content-Type application/json
check "--wrong-content-type: valid JSON" body '(.objects | length) == 3'
check "--wrong-content-type: errors: 406" is_raw 406 "$TAXII_URL/taxii2/"
check "--wrong-content-type: errors too" hdr_is Content-Type application/json
stop_server wrongtype

up old --data "$ICS" --taxii20
check "--taxii20: the 2.1 Accept: 406" is 406 "$TAXII_URL/taxii2/"
check "--taxii20: discovery at /taxii/: 200" is_raw 200 -H "$A20" "$TAXII_URL/taxii/"
check "--taxii20: the 2.0 media type" \
	hdr_is Content-Type "application/vnd.oasis.taxii+json; version=2.0"
check "--taxii20: discovery" body '.api_roots | length == 2'
check "--taxii20: discovery at /taxii2/ too" is_raw 200 -H "$A20" "$TAXII_URL/taxii2/"
check "--taxii20: API root: 200" is_raw 200 -H "$A20" "$TAXII_URL/api1/"
check "--taxii20: API root versions" body '.versions == ["taxii-2.0"]'
check "--taxii20: collections: 200" is_raw 200 -H "$A20" "$C/"
check "--taxii20: collections: 2.0 media types" \
	body '.collections[0].media_types ==
		["application/vnd.oasis.stix+json; version=2.0"]'
check "--taxii20: objects without Range: 206" \
	is_raw 206 -H "$A20" "$C/$TAXII_SEED/objects/"
check "--taxii20: the first 100" hdr_is Content-Range "items 0-99/$N"
check "--taxii20: as STIX 2.0" \
	hdr_is Content-Type "application/vnd.oasis.stix+json; version=2.0"
check "--taxii20: in a bundle" \
	body '.type == "bundle" and (.id | startswith("bundle--")) and
		.spec_version == "2.0" and (.objects | length) == 100'
check "--taxii20: no X-TAXII headers" no_taxii_headers
check "--taxii20: the STIX 2.0 Accept for objects" \
	is_raw 206 -H 'Accept: application/vnd.oasis.stix+json; version=2.0' \
	"$C/$TAXII_SEED/objects/"
check "--taxii20: Range past the end: 206" \
	is_raw 206 -H "$A20" -H "Range: items 1800-1899" "$C/$TAXII_SEED/objects/"
check "--taxii20: Range past the end is cut" \
	hdr_is Content-Range "items 1800-$((N - 1))/$N"
check "--taxii20: Range past the end: the rest" \
	body "(.objects | length) == $((N - 1800))"
check "--taxii20: Range starting past the end: 416" \
	is_raw 416 -H "$A20" -H "Range: items $N-$((N + 99))" "$C/$TAXII_SEED/objects/"
check "--taxii20: 416 says how many" hdr_is Content-Range "items */$N"
check "--taxii20: a malformed Range: 400" \
	is_raw 400 -H "$A20" -H "Range: bytes=0-99" "$C/$TAXII_SEED/objects/"
: >all.jsonl
for i in $(seq 0 100 $((N - 1))); do
	req -H "$A20" -H "Range: items $i-$((i + 99))" "$C/$TAXII_SEED/objects/" \
		>/dev/null
	jq -c '.objects[]' b >>all.jsonl
done
check "--taxii20: paging by Range, each object once" same_ids all.jsonl
check "--taxii20: all that match fit: 200" \
	is_raw 200 -H "$A20" "$C/$TAXII_SEED/objects/?match[type]=x-mitre-tactic"
check "--taxii20: all that match fit: no Content-Range" \
	eval '[ -z "$(hdr Content-Range)" ] && body "(.objects | length) == 12"'
check "--taxii20: nothing matches: 200" is_raw 200 -H "$A20" "$C/$TAXII_INBOX/objects/"
check "--taxii20: nothing matches: a bundle without objects" \
	body '.type == "bundle" and (has("objects") | not)'
check "--taxii20: manifest: 200" \
	is_raw 200 -H "$A20" "$C/$TAXII_SEED/manifest/?match[id]=$tid"
check "--taxii20: manifest" \
	body --arg v "$v1" '.objects[0].versions == [$v] and .objects[0].media_types ==
		["application/vnd.oasis.stix+json; version=2.1"]'
jq -c '{type: "bundle", id: "bundle--77777777-7777-4777-8777-777777777777",
	spec_version: "2.0", objects: .objects}' mixed.json >bundle20.json
check "--taxii20: POST a bundle: 202" \
	is_raw 202 -H "$A20" -H "$CT20" --data-binary @bundle20.json \
	"$C/$TAXII_INBOX/objects/"
check "--taxii20: a 2.0 status" \
	body --arg good "$good" '.status == "complete" and .success_count == 1 and
		.successes == [$good] and .failure_count == 6 and
		(.failures[0] | keys) == ["id", "message"]'
check "--taxii20: POST an envelope: 400" \
	is_raw 400 -H "$A20" -H "$CT20" --data-binary @mixed.json \
	"$C/$TAXII_INBOX/objects/"
check "--taxii20: POST as TAXII 2.1: 406" \
	posts 406 mixed.json "$C/$TAXII_INBOX/objects/"
stop_server old

# --- faults: 503 with Retry-After, an HTML 500; generated objects -----------

up flaky --fail-first 2 --retry-after 3 --html-500-at 4 --fail-at 5 \
	--generate 10000 --limit-cap 10000 --start 2024-05-06T07:08:09.5Z --step 1000
check "--fail-first 2: request 1: 503" is 503 "$TAXII_URL/taxii2/"
check "--fail-first 2: with Retry-After" hdr_is Retry-After 3
check "--fail-first 2: a TAXII error object" taxii_error 503
check "--fail-first 2: request 2: 503" is 503 "$TAXII_URL/taxii2/"
check "--fail-first 2: request 3: 200" is 200 "$TAXII_URL/taxii2/"
check "--html-500-at 4: 500" is 500 "$TAXII_URL/taxii2/"
check "--html-500-at 4: an HTML page" \
	eval 'hdr Content-Type | grep -q "^text/html" && grep -q "<html>" b'
check "--fail-at 5: 503" is 503 "$TAXII_URL/taxii2/"
check "request 6: 200" is 200 "$TAXII_URL/taxii2/"
gen0=indicator--$($PY -c 'import uuid
print(uuid.uuid5(uuid.UUID("c011ec70-0000-4000-8000-000000000000"), "0"))')
check "--generate 10000: 200" is 200 "$C/$TAXII_SEED/objects/?limit=10000"
check "--generate 10000: 10000 indicators, each once, the same every time" \
	body --arg id "$gen0" --arg p "[ipv4-addr:value = '10.0.0.0']" '
		(.objects | length) == 10000 and .more == false and
		(.objects | map(.id) | unique | length) == 10000 and
		all(.objects[]; .type == "indicator") and
		.objects[0].pattern == $p and .objects[0].id == $id'
check "--start and --step: the first date_added" \
	hdr_is X-TAXII-Date-Added-First 2024-05-06T07:08:09.501000Z
check "--start and --step: the last date_added" \
	hdr_is X-TAXII-Date-Added-Last 2024-05-06T07:08:19.500000Z
stop_server flaky

# --- statuses that answer pending to polls ----------------------------------

up polls --status-polls 2 --status-delay 0.3
check "--status-polls 2 --status-delay 0.3: POST: 202" \
	posts 202 mixed.json "$C/$TAXII_INBOX/objects/"
check "--status-polls 2 --status-delay 0.3: pending" \
	body --arg good "$good" '.status == "pending" and .pending_count == 1 and
		.pendings == [{id: $good, version: "2024-01-01T00:00:00.000Z"}] and
		.failure_count == 6 and .success_count == 0'
sid=$(jq -r .id b)
check "pending: the object is not there yet" is 200 "$C/$TAXII_INBOX/objects/"
check "pending: nothing" body '. == {}'
sleep 0.35
for i in 1 2; do
	check "poll $i: 200" is 200 "$TAXII_URL/api1/status/$sid/"
	check "poll $i: pending" body '.status == "pending"'
done
check "poll 3: 200" is 200 "$TAXII_URL/api1/status/$sid/"
check "poll 3: complete" \
	body '.status == "complete" and .success_count == 1 and
		.pending_count == 0 and (has("pendings") | not)'
check "complete: the object is there" is 200 "$C/$TAXII_INBOX/objects/"
check "complete: one object" body '(.objects | length) == 1'
stop_server polls

# --- authentication, client certificates, discovery base --------------------

printf 'alice:s3cret-pw\nbob:other:pw\n' >users
printf 'tok-0123456789\n' >token
up auth --users "$T/users" --token-file "$T/token" --log "$T/auth.jsonl" \
	--client-ca "$TAXII_CA" --discovery-base request
cc() { is "$1" --cert "$TAXII_CLIENT_CERT" --key "$TAXII_CLIENT_KEY" "${@:2}"; }
check "no credentials: 401" cc 401 "$TAXII_URL/taxii2/"
check "401: a TAXII error object" taxii_error 401
check "401: basic auth offered" eval 'hdr WWW-Authenticate | grep -q "Basic realm"'
check "401: bearer offered" eval 'hdr WWW-Authenticate | grep -q "Bearer realm"'
check "a wrong password: 401" cc 401 -u alice:s3cret "$TAXII_URL/taxii2/"
check "an unknown user: 401" cc 401 -u carol:s3cret-pw "$TAXII_URL/taxii2/"
check "basic auth: 200" cc 200 -u alice:s3cret-pw "$TAXII_URL/taxii2/"
check "basic auth, a password with a colon: 200" \
	cc 200 -u bob:other:pw "$TAXII_URL/taxii2/"
check "a bearer token: 200" \
	cc 200 -H 'Authorization: Bearer tok-0123456789' "$TAXII_URL/taxii2/"
check "a wrong bearer token: 401" \
	cc 401 -H 'Authorization: Bearer tok-01234567' "$TAXII_URL/taxii2/"
check "--discovery-base request: 200" cc 200 -u alice:s3cret-pw "$TAXII_URL/taxii2/"
check "--discovery-base request: the URL the client used" \
	body --arg u "$TAXII_URL/api1/" '.api_roots[0] == $u'
check "--client-ca: without a client certificate, no answer" \
	eval '! curl -sS --cacert "$TAXII_CA" -u alice:s3cret-pw -H "$A21" \
		-o /dev/null "$TAXII_URL/taxii2/" 2>/dev/null'
check "no secret in the server's logs" \
	eval '! grep -q -e s3cret -e other:pw -e tok-0123 auth.log auth.jsonl'
stop_server auth

done_testing
