#!/bin/bash
# t0710-taxii-pull: cti pull from a TAXII 2.1 collection (and a TAXII 2.0
# one) served by tests/servers/taxii.py: every object exactly once through
# each awkward habit of real servers, "unchanged" when nothing was added,
# only the new objects next time, the same bundle after a pull cut short,
# the TAXII Accept header on every request, no credential in any output,
# --list, and the exit status of bad URLs and options.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

need_taxii "TAXII pull"

N=10000
A21='application/taxii+json;version=2.1'
A20='application/vnd.oasis.taxii+json; version=2.0'

# up NAME OPTION...: a server holding N generated objects (pages of 100 at
# most), its request log in NAME.log.jsonl; U is its Seed collection
up() {
	_n=$1
	shift
	if start_taxii "$_n" --quiet --generate $N --log "$T/$_n.log.jsonl" "$@"
	then
		ok "server $_n starts"
	else
		not_ok "server $_n starts"
		done_testing
		exit 1
	fi
	U=taxii+$TAXII_URL/api1/collections/$TAXII_SEED/
}

# jqe EXPR... FILE: the jq expression holds on FILE
jqe() { jq -e "$@" >/dev/null; }
# pull ARG...: cti pull with the server's CA and a state of its own
pull() { "$CTI" pull --cacert "$TAXII_CA" "$@"; }

# ids FILE: the ids of a JSON bundle, one a line, in order
ids() { jq -r '.objects[].id' "$1"; }
# all_once FILE: FILE holds the N objects of the baseline, none twice
all_once() {
	[ "$(ids "$1" | wc -l)" -eq $N ] &&
		[ "$(ids "$1" | sort -u | wc -l)" -eq $N ] &&
		ids "$1" | sort | cmp -s - "$T/base.ids"
}
# accept_only LOG MEDIA: every request in LOG had that Accept header
accept_only() {
	[ -s "$1" ] && [ "$(jq -r .accept "$1" | sort -u)" = "$2" ]
}

# --- the baseline: limit 1000 asked, capped at 100 by the server -------------

up base
export XDG_STATE_HOME=$T/state-base
expect 0 "pull: $N objects, pages capped at 100" \
	pull -o base.json --json "$U"
ids base.json | sort >base.ids
check "pull: $N objects, none twice" \
	eval '[ "$(wc -l <base.ids)" -eq $N ] && [ "$(sort -u base.ids | wc -l)" -eq $N ]'
check "pull: --json says updated, $N new, 100 pages" \
	jqe --argjson n $N '.status == "updated" and .objects == $n and
		.total == $n and .pages == 100 and
		(.cursor | test("^2020-01-01T00:00:00\\.010000Z$"))' out
check "pull: every request had the TAXII 2.1 Accept header" \
	accept_only base.log.jsonl "$A21"
check "pull: the server was asked for limit=1000" \
	grep -q 'limit=1000' base.log.jsonl
STATE=$(jq -r .state out)
check "pull: the bundle and the cursor are in the state" \
	eval '[ -f "$STATE/bundle" ] && grep -qx "cursor 2020-01-01T00:00:00.010000Z" "$STATE/taxii"'
check "pull: the state's bundle is a gzip bundle file of the same objects" \
	eval 'gzip -dc "$STATE/bundle" | jq -r ".objects[].id" | cmp -s - <(ids base.json)'

# a second pull: nothing new, silent, nothing written
cp base.json base.before
expect 0 "second pull: exit 0" pull -o base.json "$U"
check "second pull: silent" eval '[ ! -s "$T/out" ] && [ ! -s "$T/err" ]'
check "second pull: the output is untouched" cmp -s base.json base.before
expect 0 "second pull --json: unchanged" pull -o base.json --json "$U"
check "second pull --json: status unchanged, no object" \
	jqe '.status == "unchanged" and .objects == 0' out
check "second pull: it asked for what came after the cursor" \
	eval 'tail -n 1 base.log.jsonl | grep -q "added_after=2020-01-01T00%3A00%3A00.010000Z\|added_after=2020-01-01T00:00:00.010000Z"'

# objects added between pulls arrive, and nothing else
jq -c -n '{objects: [range(5) | {type: "indicator", spec_version: "2.1",
	id: "indicator--00000000-0000-4000-8000-00000000000\(.)",
	created: "2026-01-01T00:00:00.000Z", modified: "2026-01-01T00:00:00.000Z",
	pattern: "[ipv4-addr:value = '"'"'198.51.100.\(.)'"'"']",
	pattern_type: "stix", valid_from: "2026-01-01T00:00:00Z"}]}' >new.json
check "5 objects POSTed to the server" \
	eval 'curl -sS --cacert "$TAXII_CA" -H "Accept: $A21" -H "Content-Type: $A21" \
		--data-binary @new.json -o /dev/null -w "%{http_code}" \
		"$TAXII_URL/api1/collections/$TAXII_SEED/objects/" | grep -qx 202'
expect 0 "third pull: the new objects" pull -o base.json --json "$U"
check "third pull: 5 new, $((N + 5)) in all, one page" \
	jqe --argjson n $((N + 5)) '.status == "updated" and .objects == 5 and
		.total == $n and .pages == 1' out
check "third pull: the output is the old objects, then the new ones" \
	eval 'ids base.json | cmp -s - <({ ids base.before; jq -r ".objects[].id" new.json; })'
expect 0 "fourth pull: unchanged again" pull -o base.json --json "$U"
check "fourth pull: unchanged" jqe '.status == "unchanged"' out
stop_server base

# --- each awkward habit in turn: the same N objects, none twice --------------

# habit NAME DESC SERVER-OPTION...: a fresh server and state; the pull must
# give the baseline's objects exactly once
habit() {
	_h=$1 _d=$2
	shift 2
	up "$_h" "$@"
	export XDG_STATE_HOME=$T/state-$_h
	expect 0 "$_d: pull" pull -v --retries 2 --limit 100 -o "$_h.json" "$U"
	cp "$T/err" "$_h.err"
	check "$_d: $N objects, none twice" all_once "$_h.json"
}

habit expire "next expiring at once" --expire-next 0
check "next expiring at once: said under -v" grep -q "next refused" expire.err
check "next expiring at once: the same bundle as the baseline" \
	cmp -s expire.json base.before
stop_server expire

habit repeat "next reused, repeating the first page" --repeat-cursor
check "next repeating pages: said under -v" grep -q "next repeats pages" repeat.err
check "next repeating pages: the same bundle as the baseline" \
	cmp -s repeat.json base.before
stop_server repeat

habit nonext "more without next" --more-without-next
check "more without next: no next was ever sent" \
	eval '! grep -q "next=" nonext.log.jsonl'
check "more without next: the same bundle as the baseline" \
	cmp -s nonext.json base.before
stop_server nonext

habit html500 "an HTML 500 once" --html-500-at 5
check "an HTML 500 once: retried" grep -q "500 INTERNAL SERVER ERROR" html500.err
check "an HTML 500 once: the same bundle as the baseline" \
	cmp -s html500.json base.before
stop_server html500

habit json "Content-Type application/json" --wrong-content-type
check "Content-Type application/json: a warning" \
	grep -q "Content-Type application/json is not TAXII's" json.err
check "Content-Type application/json: the same bundle as the baseline" \
	cmp -s json.json base.before
stop_server json

habit v20 "TAXII 2.0" --taxii20
check "TAXII 2.0: detected, said under -v" grep -q "TAXII 2.0" v20.err
check "TAXII 2.0: every request had the TAXII 2.0 Accept header" \
	eval '[ "$(jq -r .accept v20.log.jsonl | sort -u | grep -vx "$A20")" = "$A21" ] &&
		[ "$(jq -r "select(.accept == \"$A21\") | .path" v20.log.jsonl)" = /api1/ ]'
check "TAXII 2.0: Range paging (206)" \
	eval '[ "$(jq -r "select(.status == 206) | .n" v20.log.jsonl | wc -l)" -eq 100 ]'
expect 0 "TAXII 2.0: a second pull" pull --json -o v20.json "$U"
check "TAXII 2.0: no cursor, the whole collection read again: unchanged" \
	jqe '.status == "unchanged" and .pages == 100' out
jq -c '{type: "bundle", id: "bundle--00000000-0000-4000-8000-000000000020",
	spec_version: "2.0", objects: .objects}' new.json >new20.json
check "TAXII 2.0: 5 objects POSTed to the server, as a bundle" \
	eval 'curl -sS --cacert "$TAXII_CA" -H "Accept: $A20" \
		-H "Content-Type: application/vnd.oasis.stix+json; version=2.0" \
		--data-binary @new20.json -o /dev/null -w "%{http_code}" \
		"$TAXII_URL/api1/collections/$TAXII_SEED/objects/" | grep -qx 202'
expect 0 "TAXII 2.0: a third pull" pull --json -o v20.json "$U"
check "TAXII 2.0: read whole again, only the 5 counted as new" \
	jqe --argjson n $((N + 5)) '.status == "updated" and .objects == 5 and
		.total == $n' out
stop_server v20

# paging that cannot make progress ends with an error, not a loop
up stuck --more-without-next --repeat-cursor
export XDG_STATE_HOME=$T/state-stuck
expect 3 "a server that repeats its first page: exit 3" pull -o stuck.json "$U"
check "a server that repeats its first page: it says so" err_has "makes no progress"
check "a server that repeats its first page: nothing written" \
	eval '[ ! -e stuck.json ] && [ "$(wc -l <stuck.log.jsonl)" -lt 10 ]'
stop_server stuck

# --- a pull cut short, then run again: the same bundle -----------------------

up cut --fail-at 30,31
export XDG_STATE_HOME=$T/state-cut
expect 5 "the server fails mid-way: exit 5" \
	pull --retries 1 --max-wait 1s -o cut.json --json "$U"
check "the server fails mid-way: nothing written, no cursor" \
	eval '[ ! -e cut.json ] && ! [ -e "$(jq -r .state out)/taxii" ]'
expect 0 "run again: it completes" pull -o cut.json "$U"
check "run again: the same bundle as the baseline" cmp -s cut.json base.before

# SIGKILL after some pages
export XDG_STATE_HOME=$T/state-kill
"$CTI" pull --cacert "$TAXII_CA" -o kill.json "$U" 2>/dev/null &
_pid=$!
_before=$(wc -l <cut.log.jsonl)
for _i in $(seq 200); do
	[ $(($(wc -l <cut.log.jsonl) - _before)) -ge 20 ] && break
	sleep 0.05
done
kill -KILL $_pid 2>/dev/null
wait $_pid 2>/dev/null
check "killed after 20 pages: nothing written" eval '[ ! -e kill.json ]'
expect 0 "killed, run again: it completes" pull -o kill.json "$U"
check "killed, run again: the same bundle as the baseline" \
	cmp -s kill.json base.before
stop_server cut

# --- credentials, --list, signing --------------------------------------------

printf 'alice:s3cr3t-pw\n' >users
printf 's3cr3t-pw\n' >pw
up auth --users "$T/users"
export XDG_STATE_HOME=$T/state-auth
expect 6 "basic auth: refused without credentials" pull -o auth.json "$U"
check "basic auth: the TAXII error object in the message" \
	err_has "401 UNAUTHORIZED: unauthorized: credentials are required"
expect 0 "basic auth: pulled with them, -v" \
	pull -v --json --user alice --password-file pw -o auth.json "$U"
check "basic auth: no password in any output" \
	eval '! grep -q s3cr3t "$T/out" "$T/err"'
check "basic auth: the same objects" all_once auth.json

expect 0 "--list: a table" pull -v --list "taxii+$TAXII_URL/taxii2/" \
	--user alice --password-file pw
sed "s|$TAXII_URL|URL|" "$T/out" >list.txt
cat >list.want <<'EOF'
discovery: cti test TAXII server
api root: URL/api1/ (TAXII 2.1, cti test root)
  ID                                   READ WRITE TITLE
  c011ec70-0000-4000-8000-000000000001 yes  yes   Seed
  c011ec70-0000-4000-8000-000000000002 yes  yes   Inbox
  c011ec70-0000-4000-8000-000000000003 yes  no    Read only
  c011ec70-0000-4000-8000-000000000004 no   yes   Write only
  c011ec70-0000-4000-8000-000000000005 yes  no    Twin
  c011ec70-0000-4000-8000-000000000006 yes  no    Twin
api root: URL/api2/ (TAXII 2.1, second root)
EOF
check "--list: the table, byte for byte" cmp -s list.txt list.want
check "--list: the http:// API roots of discovery taken as https://, said" \
	eval 'grep -q "http:// from an https:// server: taken as $TAXII_URL/api1/" "$T/err"'
check "--list: no password in any output" \
	eval '! grep -q s3cr3t "$T/out" "$T/err"'
expect 0 "--list --json" pull --list --json "taxii+$TAXII_URL/taxii2/" \
	--user alice --password-file pw
check "--list --json: roots and collections" \
	jqe --arg u "$TAXII_URL" '.discovery == "cti test TAXII server" and
		(.api_roots | length) == 2 and .api_roots[0].url == "\($u)/api1/" and
		(.api_roots[0].collections | length) == 6 and
		.api_roots[0].collections[3] == {id: "c011ec70-0000-4000-8000-000000000004",
			title: "Write only", can_read: false, can_write: true} and
		.api_roots[1].collections == []' out
expect 0 "a collection by its title" \
	pull --user alice --password-file pw -o title.json \
	"taxii+$TAXII_URL/api1/collections/by-title/Read%20only/"
check "a collection by its title: the seed objects" all_once title.json

# --sign-key: the bundle installed is signed, feed and seq as said
export XDG_STATE_HOME=$T/state-sign
printf 'pass\n' >pass
export CTI_PASSPHRASE_FILE=$T/pass
"$CTI" keygen -q -p k.pub -s k.key >/dev/null 2>&1
expect 0 "--sign-key: signed pull" \
	pull --user alice --password-file pw --sign-key k.key --feed partner \
	--keep-gzip -o signed.json.gz --json "$U"
expect 0 "--sign-key: the output verifies, feed partner" \
	"$CTI" verify -p k.pub --feed partner signed.json.gz
check "--sign-key: the signature names the file as installed" sh -c \
	"'$CTI' verify --json -p k.pub signed.json.gz | jq -e '.signers[0].file == \"signed.json.gz\"' >/dev/null"
unset CTI_PASSPHRASE_FILE
stop_server auth

# --- bad URLs and options -----------------------------------------------------

up bad
export XDG_STATE_HOME=$T/state-bad
expect 2 "an API root, no collection: exit 2" pull "taxii+$TAXII_URL/api1/"
check "an API root, no collection: said" err_has "names no TAXII collection"
expect 2 "a title two collections have: exit 2" \
	pull "taxii+$TAXII_URL/api1/collections/by-title/Twin/"
expect 6 "a title none has: exit 6" \
	pull "taxii+$TAXII_URL/api1/collections/by-title/Nope/"
expect 6 "an unknown collection: exit 6" \
	pull "taxii+$TAXII_URL/api1/collections/c011ec70-0000-4000-8000-000000000099/"
check "an unknown collection: the TAXII error object in the message" \
	err_has "404 NOT FOUND: "
expect 6 "a collection that cannot be read: exit 6" \
	pull "taxii+$TAXII_URL/api1/collections/$TAXII_WRITEONLY/"
expect 2 "--match on an unknown field: exit 2" pull --match colour=red "$U"
expect 2 "--match without a value: exit 2" pull --match type= "$U"
expect 2 "--limit 0: exit 2" pull --limit 0 "$U"
expect 2 "--since not a time: exit 2" pull --since yesterday "$U"
expect 2 "--limit for an https:// source: exit 2" \
	pull --limit 10 "$TAXII_URL/file.json.gz"
expect 2 "a public key for a TAXII source: exit 2" pull -p k.pub "$U"
expect 2 "--taxii with a path: exit 2" pull --taxii /tmp/x
expect 2 "taxii+http:// without --allow-http: exit 2" \
	pull "taxii+http://127.0.0.1:1/api1/collections/x/"
expect 0 "--taxii with an https:// URL, --match and --since" \
	pull --taxii --json --match type=indicator \
	--since 2020-01-01T00:00:00.009900Z -o since.json \
	"$TAXII_URL/api1/collections/$TAXII_SEED/"
check "--since: the 100 objects added after it" \
	jqe '.objects == 100' out
check "--match: sent as match[type]" \
	eval 'grep -q "match%5Btype%5D=indicator\|match\[type\]=indicator" bad.log.jsonl'
stop_server bad

# --- the TAXII examples of cti-pull(1), run against the test server --------

up examples
export XDG_STATE_HOME=$T/state-examples
mkdir -p bin examples && ln -sf "$CTI" bin/cti
_n=0
while IFS= read -r _c; do
	_n=$((_n + 1))
	_c=${_c//https:\/\/taxii.example.org/$TAXII_URL}
	_c=${_c/cti pull/cti pull --cacert $TAXII_CA}
	expect 0 "cti-pull(1) example: $_c" \
		sh -c "cd examples && PATH=\"$T/bin:\$PATH\" && $_c"
	cp "$T/out" "examples/out.$_n"
done < <(man_examples cti-pull.1 | grep taxii.example.org)
check "cti-pull(1): three TAXII examples" [ "$_n" -eq 3 ]
check "cti-pull(1) example: the listing names the Seed collection" \
	grep -q "c011ec70-0000-4000-8000-000000000001 yes  yes   Seed" examples/out.1
check "cti-pull(1) example: the last run is unchanged" \
	jqe '.status == "unchanged"' examples/out.3
stop_server examples

# the README's TAXII commands and crontab line run in t0110

done_testing
