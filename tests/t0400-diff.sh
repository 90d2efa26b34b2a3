#!/bin/sh
# t0400-diff: cti diff finds what changed between two bundles. Counts on
# two real ATT&CK release pairs match counts jq computes on its own from the
# raw JSON; equal content in another form (keys reordered, re-indented,
# numbers spelled otherwise, gzip'd, packed and signed, JSON Lines) is no
# difference; --bundle holds exactly the NEW versions of what --json lists
# and the identities and markings they refer to;
# bad input names the side and exits 3 or 4.
. "$(dirname "$0")/lib.sh"
F=$SRC/tests/data/diff

need_tools jq

# ---------------------------------------------------------------- fixture
# old.json/new.json hold one object of each category, a second version of
# an id on each side, a text (non-UUID) id, an SCO without "modified", and
# equal objects written differently (key order, "80" and "80.0", "0.5" and
# "5e-1", "\u0053" and "S").
expect 1 "fixture: differences exit 1" "$CTI" diff "$F/old.json" "$F/new.json"
check "fixture: text output as expected" cmp -s "$T/out" "$F/text.out"
expect 1 "fixture: --json exits 1" "$CTI" diff --json "$F/old.json" "$F/new.json"
check "fixture: --json output as expected" cmp -s "$T/out" "$F/json.out"
check "fixture: --json is JSON" sh -c 'jq -e . "$1" >/dev/null' sh "$T/out"
expect 1 "fixture: --stat exits 1" "$CTI" diff --stat "$F/old.json" "$F/new.json"
check "fixture: --stat output as expected" cmp -s "$T/out" "$F/stat.out"

counts() { jq -c 'map_values(if type == "array" then length else . end)' "$T/out"; }
expect 1 "fixture: --deprecated-property" "$CTI" diff --json \
	--deprecated-property x_acme_deprecated "$F/old.json" "$F/new.json"
check "fixture: --deprecated-property x_acme_deprecated moves the tool" \
	test "$(jq -r '[.deprecated[].id] | join(" ")' "$T/out")" = \
	"tool--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
check "fixture: ... and x_mitre_deprecated is ordinary again" \
	test "$(counts)" = '{"added":1,"removed":1,"revoked":1,"deprecated":1,"modified":6,"unchanged":3}'
expect 1 "fixture: --ignore modified --ignore description" "$CTI" diff --json \
	--ignore modified --ignore description "$F/old.json" "$F/new.json"
check "fixture: ignored properties make three malware objects equal" \
	test "$(counts)" = '{"added":1,"removed":1,"revoked":1,"deprecated":1,"modified":3,"unchanged":6}'

expect 0 "fixture: a bundle against itself exits 0" \
	"$CTI" diff --json "$F/new.json" "$F/new.json"
check "fixture: ... with nothing listed" \
	test "$(counts)" = '{"added":0,"removed":0,"revoked":0,"deprecated":0,"modified":0,"unchanged":12}'

expect 1 "fixture: OLD from standard input" \
	sh -c '"$1" diff --json - "$2" <"$3"' sh "$CTI" "$F/new.json" "$F/old.json"
check "fixture: ... gives the same output" cmp -s "$T/out" "$F/json.out"
expect 1 "fixture: NEW from standard input" \
	sh -c '"$1" diff --json "$2" - <"$3"' sh "$CTI" "$F/old.json" "$F/new.json"
check "fixture: ... gives the same output" cmp -s "$T/out" "$F/json.out"

# --bundle: the NEW versions of added, revoked, deprecated and modified
# objects; of two NEW versions of one id, the latest.
expect 1 "fixture: --bundle -o" "$CTI" diff --bundle -o "$T/delta.cti" \
	"$F/old.json" "$F/new.json"
check "fixture: --bundle writes nothing on stdout" test ! -s "$T/out"
check "fixture: the bundle is gzip" gzip -t "$T/delta.cti"
got=$(gzip -dc "$T/delta.cti" | jq -r '[.objects[] | "\(.id) \(.name)"] | sort | .[]')
want=$(jq -r '(.added + .revoked + .deprecated + .modified) | map("\(.id) \(.name)") | sort | .[]' "$F/json.out")
check "fixture: the bundle holds what --json lists" test "$got" = "$want"
check "fixture: ... the latest of two NEW versions" \
	test "$(gzip -dc "$T/delta.cti" | jq -r '.objects[] | select(.id | startswith("indicator--cccc")) | .modified')" = \
	"2024-02-01T00:00:00.000Z"
expect 1 "fixture: --bundle with NEW from standard input" \
	sh -c '"$1" diff --bundle -o "$2" "$3" - <"$4"' sh "$CTI" \
	"$T/delta2.cti" "$F/old.json" "$F/new.json"
check "fixture: ... writes the same bytes" cmp -s "$T/delta.cti" "$T/delta2.cti"
expect 0 "fixture: --bundle with no differences exits 0" \
	"$CTI" diff --bundle -o "$T/empty.cti" "$F/old.json" "$F/old.json"
check "fixture: ... and writes an empty bundle" \
	test "$(gzip -dc "$T/empty.cti" | jq '.objects | length')" = 0

# ---------------------------------------------------------------- ATT&CK
# The counts, computed by jq from the raw JSON: the latest version of each
# id on each side, then the categories in the order cti diff checks them.
cat >"$T/count.jq" <<'EOF'
def latest: group_by(.id) | map(sort_by(.modified // "") | last)
	| map({key: .id, value: .}) | from_entries;
($old[0].objects | latest) as $o | ($new[0].objects | latest) as $n |
([$n | to_entries[] | .value as $nv | $o[.key] as $ov |
  if $ov == null then "added"
  elif $ov == $nv then "unchanged"
  elif ($nv.revoked == true) and ($ov.revoked != true) then "revoked"
  elif ($nv.x_mitre_deprecated == true) and ($ov.x_mitre_deprecated != true)
  then "deprecated"
  elif ($nv.modified // "") > ($ov.modified // "") then "newer"
  elif ($nv.modified // "") == ($ov.modified // "") then "unbumped"
  else "older" end] + [$o | keys[] | select($n[.] == null) | "removed"])
| reduce .[] as $c ({added: 0, removed: 0, revoked: 0, deprecated: 0,
	newer: 0, unbumped: 0, older: 0, unchanged: 0}; .[$c] += 1)
EOF
# The same counts from cti diff --json.
cat >"$T/cti.jq" <<'EOF'
{added: (.added | length), removed: (.removed | length),
 revoked: (.revoked | length), deprecated: (.deprecated | length),
 newer: ([.modified[] | select(.kind == "newer")] | length),
 unbumped: ([.modified[] | select(.kind == "unbumped")] | length),
 older: ([.modified[] | select(.kind == "older")] | length),
 unchanged: .unchanged}
EOF
for pair in "ics-attack-18.0 ics-attack-18.1" "mobile-attack-17.0 mobile-attack-17.1"; do
	set -- $pair
	old=$DATA/$1.json new=$DATA/$2.json
	if [ ! -f "$old" ] || [ ! -f "$new" ]; then
		skip "$1 and $2 are not in $DATA"
		continue
	fi
	want=$(jq -nc --slurpfile old "$old" --slurpfile new "$new" -f "$T/count.jq")
	expect 1 "$1 -> $2: --json exits 1" "$CTI" diff --json "$old" "$new"
	cp "$T/out" "$T/$2.diff.json"
	got=$(jq -c -f "$T/cti.jq" "$T/out")
	if [ "$got" = "$want" ]; then
		ok "$1 -> $2: every count matches jq's ($got)"
	else
		not_ok "$1 -> $2: every count matches jq's"
		echo "#   cti: $got"
		echo "#   jq:  $want"
	fi
	# --stat's total line says the same
	expect 1 "$1 -> $2: --stat exits 1" "$CTI" diff --stat "$old" "$new"
	tot=$(awk '$1 == "total" { print $2, $3, $4, $5, $6, $7 }' "$T/out")
	want_tot=$(printf '%s' "$want" | jq -r '"\(.added) \(.removed) \(.revoked) \(.deprecated) \(.newer + .unbumped + .older) \(.unchanged)"')
	check "$1 -> $2: --stat totals match ($tot)" test "$tot" = "$want_tot"
	# the default output has one line per entry of --json
	"$CTI" diff "$old" "$new" >"$T/text" 2>/dev/null
	n=$(jq '[.added, .removed, .revoked, .deprecated, .modified | length] | add' \
		"$T/$2.diff.json")
	check "$1 -> $2: one text line per changed object ($n)" \
		test "$(grep -c '^[a-z:]*	' "$T/text")" = "$n"

	# --bundle: exactly the listed objects, in their NEW form, and the
	# identities and markings they refer to (and those refer to)
	expect 1 "$1 -> $2: --bundle exits 1" "$CTI" diff --bundle -o "$T/delta.cti" "$old" "$new"
	gzip -dc "$T/delta.cti" | jq -S '.objects | sort_by(.id)' >"$T/got.json"
	jq -r '(.added + .revoked + .deprecated + .modified)[].id' \
		"$T/$2.diff.json" | jq -R . | jq -s . >"$T/ids.json"
	jq -S --slurpfile ids "$T/ids.json" '
		def refs: [.created_by_ref, (.object_marking_refs // [])[],
			((.granular_markings // [])[] | .marking_ref)] |
			map(select(. != null));
		def pick($l): [.[] | select(.id as $i | $l | index($i))];
		.objects as $all | $ids[0] as $l0 |
		($all | pick($l0) | map(refs) | add // []) as $l1 |
		($all | pick($l1) | map(refs) | add // []) as $l2 |
		$all | pick($l0 + $l1 + $l2) | group_by(.id) |
		map(sort_by(.modified // "") | last) | sort_by(.id)' "$new" \
		>"$T/want.json"
	check "$1 -> $2: --bundle holds the NEW objects --json lists and what they refer to ($(jq length "$T/want.json"))" \
		cmp -s "$T/got.json" "$T/want.json"
done

# ---------------------------------------------------------------- same content
ics=$DATA/ics-attack-18.0.json
if [ -f "$ics" ]; then
	jq -S --indent 7 . "$ics" >"$T/sorted.json"
	expect 0 "keys sorted and re-indented: no difference" "$CTI" diff "$ics" "$T/sorted.json"
	jq '.objects |= reverse' "$ics" >"$T/reversed.json"
	expect 0 "objects in another order: no difference" "$CTI" diff "$T/reversed.json" "$ics"
	jq -c '.objects[]' "$ics" >"$T/lines.json"
	expect 0 "JSON Lines against a bundle: no difference" "$CTI" diff "$T/lines.json" "$ics"
	gzip -9 -c "$ics" >"$T/ics.json.gz"
	expect 0 "gzip'd against plain: no difference" "$CTI" diff "$T/ics.json.gz" "$ics"
	if "$CTI" keygen -W -p "$T/k.pub" -s "$T/k.sec" >/dev/null 2>&1 &&
	   "$CTI" pack -o "$T/ics.cti" "$ics" 2>/dev/null &&
	   "$CTI" sign -s "$T/k.sec" "$T/ics.cti" >/dev/null 2>&1; then
		expect 0 "packed and signed against plain: no difference" \
			"$CTI" diff "$ics" "$T/ics.cti"
		expect 0 "plain against packed and signed: no difference" \
			"$CTI" diff "$T/ics.cti" "$ics"
	else
		skip "packed and signed against plain (cti pack/sign not working)"
	fi
	# one changed number: a difference, whatever the spelling
	jq '(.objects[] | select(.type == "x-mitre-matrix")) += {x_n: 1}' "$ics" >"$T/n1.json"
	sed 's/"x_n": 1$/"x_n": 1.0e0/' "$T/n1.json" >"$T/n2.json"
	jq '(.objects[] | select(.type == "x-mitre-matrix")) += {x_n: 2}' "$ics" >"$T/n3.json"
	expect 0 "1 and 1.0e0 are equal" "$CTI" diff "$T/n1.json" "$T/n2.json"
	check "... (the spelling did change)" grep -q '"x_n": 1.0e0' "$T/n2.json"
	expect 1 "1 and 2 are not" "$CTI" diff --json "$T/n1.json" "$T/n3.json"
	check "... one unbumped x-mitre-matrix" \
		test "$(jq -r '.modified[] | "\(.type) \(.kind)"' "$T/out")" = "x-mitre-matrix unbumped"
else
	skip "$ics missing"
fi

# STIX 2.0: no spec_version on the objects; the same objects in 2.1 differ
# only in that property.
jq '.spec_version = "2.0" | .objects |= map(del(.spec_version))' \
	"$F/new.json" >"$T/new20.json"
expect 1 "STIX 2.0 against 2.1: spec_version differs" "$CTI" diff "$T/new20.json" "$F/new.json"
expect 0 "STIX 2.0 against 2.1 with --ignore spec_version: no difference" \
	"$CTI" diff --ignore spec_version "$T/new20.json" "$F/new.json"
expect 1 "STIX 2.0 OLD against 2.1 NEW: the same categories" \
	"$CTI" diff --json --ignore spec_version \
	"$(jq '.spec_version = "2.0" | .objects |= map(del(.spec_version))' "$F/old.json" >"$T/old20.json"; echo "$T/old20.json")" \
	"$F/new.json"
check "... as with both in 2.1" test "$(counts)" = \
	"$(jq -c 'map_values(if type == "array" then length else . end)' "$F/json.out")"

# ---------------------------------------------------------------- bad input
printf '{"type":"bundle","objects":[{"type":"x","id":"x--1",}]}' >"$T/bad.json"
expect 3 "malformed OLD exits 3" "$CTI" diff "$T/bad.json" "$F/new.json"
check "... naming OLD and the place" err_has "cti: diff: OLD: $T/bad.json:1:"
expect 3 "malformed NEW exits 3" "$CTI" diff "$F/old.json" "$T/bad.json"
check "... naming NEW and the place" err_has "cti: diff: NEW: $T/bad.json:1:"
expect 4 "missing OLD exits 4" "$CTI" diff "$T/nonexistent.json" "$F/new.json"
check "... naming OLD" err_has "cti: diff: OLD: $T/nonexistent.json"
expect 4 "missing NEW exits 4" "$CTI" diff "$F/old.json" "$T/nonexistent.json"
check "... naming NEW" err_has "cti: diff: NEW: $T/nonexistent.json"
head -c 1000 "$T/ics.json.gz" >"$T/trunc.gz" 2>/dev/null ||
	gzip -c "$F/old.json" | head -c 100 >"$T/trunc.gz"
expect 3 "truncated gzip NEW exits 3" "$CTI" diff "$F/old.json" "$T/trunc.gz"
check "... naming NEW" err_has "cti: diff: NEW:"
printf '{"type":"bundle","objects":[{"type":"x","id":"x--1","a":1,"a":2}]}' >"$T/dup.json"
expect 3 "a duplicate member name exits 3" "$CTI" diff "$T/dup.json" "$F/new.json"
check "... naming OLD and the place" err_has "OLD: $T/dup.json:1:59: duplicate member name \"a\""
printf '{"type":"bundle","objects":[{"type":"x","id":"x--1","modified":"yesterday"}]}' >"$T/ts.json"
expect 3 "a modified that is no timestamp exits 3" "$CTI" diff "$F/old.json" "$T/ts.json"
check "... naming NEW and the object" err_has "NEW: $T/ts.json:1: object x--1: bad modified"
printf '{"type":"bundle","objects":[{"type":"x","id":"x--1","n":1e999}]}' >"$T/big.json"
expect 3 "a number beyond a double exits 3" "$CTI" diff "$F/old.json" "$T/big.json"
expect 3 "malformed OLD from standard input exits 3" \
	sh -c '"$1" diff - "$2" <"$3"' sh "$CTI" "$F/new.json" "$T/bad.json"
check "... naming OLD" err_has "cti: diff: OLD: stdin:1:"

# ---------------------------------------------------------------- usage
expect 0 "-h exits 0" "$CTI" diff -h
check "... and prints the usage" out_has "usage: cti diff [-q | -v] [--json | --bundle -o OUT | --stat]"
expect 2 "one operand is a usage error" "$CTI" diff "$F/old.json"
expect 2 "three operands are a usage error" "$CTI" diff "$F/old.json" "$F/old.json" "$F/old.json"
expect 2 "--json with --stat is a usage error" "$CTI" diff --json --stat "$F/old.json" "$F/new.json"
expect 2 "--bundle without -o is a usage error" "$CTI" diff --bundle "$F/old.json" "$F/new.json"
expect 2 "-o without --bundle is a usage error" "$CTI" diff -o "$T/x" "$F/old.json" "$F/new.json"
expect 2 "both sides on standard input is a usage error" "$CTI" diff - -
expect 2 "an unknown option is a usage error" "$CTI" diff --frobnicate "$F/old.json" "$F/new.json"
expect 2 "--ignore needs a value" "$CTI" diff "$F/old.json" "$F/new.json" --ignore

# ---------------------------------------------------------------- output errors
if [ -w /dev/full ]; then
	expect 4 "a full disk on standard output exits 4" \
		sh -c '"$1" diff "$2" "$3" >/dev/full' sh "$CTI" "$F/old.json" "$F/new.json"
	check "... saying so" err_has "standard output"
fi
expect 4 "--bundle into a missing directory exits 4" \
	"$CTI" diff --bundle -o "$T/no/such/dir/out.cti" "$F/old.json" "$F/new.json"
check "... and leaves nothing behind" test ! -e "$T/no"

# ids are reported exactly as written, whatever their case
printf '[{"type":"x","id":"x--AAAAAAAA-0000-4000-8000-000000000000","a":1}]' >"$T/u1.json"
printf '[{"type":"x","id":"x--AAAAAAAA-0000-4000-8000-000000000000","a":2}]' >"$T/u2.json"
expect 1 "an upper-case id that changed is a difference" "$CTI" diff --json "$T/u1.json" "$T/u2.json"
check "... reported with its id as written" \
	[ "$(jq -r '.modified[0].id' "$T/out")" = "x--AAAAAAAA-0000-4000-8000-000000000000" ]

done_testing
