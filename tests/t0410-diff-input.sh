#!/bin/bash
# cti diff: quiet when nothing differs, -q and -v, STIX 2.0 read as pack
# reads it, one rule with pack for copies under one id and modified,
# progress on a terminal.
. "$(dirname "$0")/lib.sh"
F=$SRC/tests/data/diff
export SOURCE_DATE_EPOCH=1767225600

# ---- A9: nothing to say when nothing differs, as diff(1)
expect 0 "no differences: exit 0" "$CTI" diff "$F/new.json" "$F/new.json"
check "... and nothing printed" [ ! -s "$T/out" ] && [ ! -s "$T/err" ]
expect 0 "no differences, --stat: exit 0" "$CTI" diff --stat "$F/new.json" "$F/new.json"
check "... nothing printed" [ ! -s "$T/out" ]
expect 0 "no differences, --json: exit 0" "$CTI" diff --json "$F/new.json" "$F/new.json"
check "... the JSON all the same" [ "$(jq -c .unchanged "$T/out")" = 12 ]
expect 0 "no differences, -v" "$CTI" diff -v "$F/new.json" "$F/new.json"
check "... says so on stderr" [ "$(cat "$T/err")" = "cti: diff: 0 objects differ (0 added, 0 removed, 0 revoked, 0 deprecated, 0 modified), 12 unchanged" ]
check "... and nothing on stdout" [ ! -s "$T/out" ]
expect 1 "differences, -q: exit 1" "$CTI" diff -q "$F/old.json" "$F/new.json"
check "... and nothing printed" [ ! -s "$T/out" ] && [ ! -s "$T/err" ]
expect 1 "differences, -v" "$CTI" diff -v "$F/old.json" "$F/new.json"
check "... the report as without -v" cmp -s "$T/out" "$F/text.out"
check "... and the counts on stderr" [ "$(cat "$T/err")" = "cti: diff: 10 objects differ (1 added, 1 removed, 1 revoked, 1 deprecated, 6 modified), 3 unchanged" ]
expect 1 "differences, -q --json" "$CTI" diff -q --json "$F/old.json" "$F/new.json"
check "... the JSON asked for" cmp -s "$T/out" "$F/json.out"
expect 2 "an empty --ignore" "$CTI" diff --ignore '' "$F/old.json" "$F/new.json"
check "... names what is wanted" [ "$(cat "$T/err")" = "cti: diff: --ignore: bad value ''; want a property name" ]
expect 2 "an empty --deprecated-property" "$CTI" diff --deprecated-property= "$F/old.json" "$F/new.json"
check "... names what is wanted" [ "$(cat "$T/err")" = "cti: diff: --deprecated-property: bad value ''; want a property name" ]

# ---- C2: a STIX 2.0 bundle and its packed form are equal
cat >"$T/a20.json" <<'X'
{"type":"bundle","id":"bundle--1","objects":[
{"type":"indicator","id":"indicator--11111111-1111-4111-8111-111111111111","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","labels":["malicious-activity"],"pattern":"[file:name = 'x']","valid_from":"2016-01-01T00:00:00Z"},
{"type":"malware","id":"malware--22222222-2222-4222-8222-222222222222","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","labels":["trojan"],"name":"Poison Ivy"}],
"spec_version":"2.0"}
X
jq '{type, id, spec_version, objects}' "$T/a20.json" >"$T/b20.json"
"$CTI" pack -o "$T/a20.cti" "$T/a20.json"
expect 0 "a 2.0 bundle (spec_version last) against its packed form" "$CTI" diff "$T/a20.json" "$T/a20.cti"
check "... prints nothing" [ ! -s "$T/out" ]
expect 0 "... the packed form against the bundle" "$CTI" diff "$T/a20.cti" "$T/a20.json"
expect 0 "... spec_version first" "$CTI" diff "$T/b20.json" "$T/a20.cti"
"$CTI" pack -o "$T/b20.cti" "$T/b20.json"
expect 0 "a 2.0 bundle (spec_version first) against its packed form" "$CTI" diff "$T/b20.json" "$T/b20.cti"
check "... prints nothing" [ ! -s "$T/out" ]
check "... the packed forms are the same" cmp -s "$T/a20.cti" "$T/b20.cti"
jq -c '.objects[]' "$T/a20.json" >"$T/a20.jsonl"
expect 0 "... its objects as JSON Lines" "$CTI" diff "$T/a20.jsonl" "$T/a20.cti"
jq '.objects[1].name = "Poison Ivy 2"' "$T/a20.json" >"$T/c20.json"
expect 1 "a 2.0 change is still a change" "$CTI" diff --json "$T/a20.cti" "$T/c20.json"
check "... one unbumped malware" [ "$(jq -c '[.modified[] | [.type, .kind]]' "$T/out")" = '[["malware","unbumped"]]' ]
expect 1 "--bundle of a 2.0 NEW" "$CTI" diff --bundle -o "$T/d20.cti" "$T/a20.cti" "$T/c20.json"
check "... marks it as pack does" [ "$(gzip -dc "$T/d20.cti" | jq -c '[.objects[] | [(keys_unsorted[0]), .spec_version, .name]]')" = '[["spec_version","2.0","Poison Ivy 2"]]' ]
if [ -f "$DATA/ics-attack-18.0.json" ]; then
	jq '.spec_version = "2.0" | .objects |= map(del(.spec_version))' \
		"$DATA/ics-attack-18.0.json" >"$T/ics20.json"
	"$CTI" pack -o "$T/ics20.cti" "$T/ics20.json"
	expect 0 "ATT&CK as STIX 2.0 against its packed form" "$CTI" diff "$T/ics20.json" "$T/ics20.cti"
else
	skip "ATT&CK as STIX 2.0 ($DATA missing)"
fi

# ---- C3: one rule with pack: the first copy of an id and modified
cat >"$T/twice.json" <<'X'
[{"type":"x","id":"x--1","modified":"2020-01-01T00:00:00Z","v":1},
{"type":"x","id":"x--1","modified":"2020-01-01T00:00:00Z","v":2},
{"type":"x","id":"x--2","modified":"2020-01-01T00:00:00Z","v":1},
{"type":"x","id":"x--2","modified":"2020-01-01T00:00:00Z","v":1}]
X
printf '[{"type":"x","id":"x--1","modified":"2020-01-01T00:00:00Z","v":1},{"type":"x","id":"x--2","modified":"2020-01-01T00:00:00Z","v":1}]' >"$T/once.json"
"$CTI" pack -q -o "$T/twice.cti" "$T/twice.json"
expect 0 "NEW with two copies that differ: the first stands" "$CTI" diff "$T/once.json" "$T/twice.json"
check "... a warning names the place and the id, not the copy that is the same" [ "$(cat "$T/err")" = "cti: diff: NEW: $T/twice.json:2: x--1: a copy with the same \"modified\" but other content came before; the first is used" ]
expect 0 "OLD with two copies that differ: the first stands" "$CTI" diff "$T/twice.json" "$T/once.json"
check "... warned about" [ "$(cat "$T/err")" = "cti: diff: OLD: $T/twice.json:2: x--1: a copy with the same \"modified\" but other content came before; the first is used" ]
expect 0 "pack and diff agree on which copy" "$CTI" diff "$T/twice.cti" "$T/twice.json"
printf '[{"type":"y","id":"y--1","modified":"2020-01-01T00:00:00Z","v":1},{"type":"y","id":"y--1","modified":"2020-01-01T00:00:00Z","v":2}]' >"$T/gone.json"
expect 1 "removed copies that differ" "$CTI" diff "$T/gone.json" "$T/once.json"
check "... warned about, by id" [ "$(cat "$T/err")" = "cti: diff: OLD: $T/gone.json: y--1: two copies with the same \"modified\" differ; the first is used" ]
expect 1 "-q hides the warning" "$CTI" diff -q "$T/gone.json" "$T/once.json"
check "... nothing printed" [ ! -s "$T/err" ]
printf '[{"type":"x","id":"x--1","modified":"2020-01-01T00:00:00Z","v":2}]' >"$T/second.json"
expect 1 "the copy dropped is a difference" "$CTI" diff --json "$T/twice.json" "$T/second.json"
check "... an unbumped x--1" [ "$(jq -c '[.modified[] | [.id, .kind]]' "$T/out")" = '[["x--1","unbumped"]]' ]
"$CTI" diff --bundle -o "$T/delta.cti" "$T/second.json" "$T/twice.json" 2>/dev/null
check "--bundle writes the first copy" [ "$(gzip -dc "$T/delta.cti" | jq -c '[.objects[] | [.id, .v]]')" = '[["x--1",1],["x--2",1]]' ]

# ---- C4: a bundle without objects is empty on both sides
printf '{"type":"bundle","id":"bundle--1"}' >"$T/empty.json"
printf '[]' >"$T/none.json"
expect 0 "a bundle without \"objects\" against an empty array" "$CTI" diff "$T/empty.json" "$T/none.json"
expect 1 "... against objects: all added" "$CTI" diff --json "$T/empty.json" "$T/once.json"
check "... two added" [ "$(jq '.added | length' "$T/out")" = 2 ]

# ---- A14: a progress line on a terminal
# NEW: 15,000 indicators, so that batches of them come as the pipe fills
$PY -c 'for i in range(15000): print("10.%d.%d.%d" % (i >> 16, i >> 8 & 255, i & 255))' |
	"$CTI" pack -q --plain -o "$T/big.json" -
expect 1 "diff with stderr on a terminal" env SLOW_STDIN="$T/big.json" \
	$PY "$SRC/tests/onterm.py" stderr "$CTI" diff --stat "$F/old.json" -
check "... draws a progress line" grep -q 'cti: diff: reading: [0-9.]* [kM]*B' "$T/out"
check "... and erases it" grep -q "$(printf '\r\033\\[K')" "$T/out"
expect 1 "diff -q with stderr on a terminal" env SLOW_STDIN="$T/big.json" \
	$PY "$SRC/tests/onterm.py" stderr "$CTI" diff -q "$F/old.json" -
check "... draws nothing" [ ! -s "$T/out" ]
expect 1 "diff with stderr not a terminal" "$CTI" diff --stat "$F/old.json" "$F/new.json"
check "... no progress line" [ ! -s "$T/err" ]
done_testing
