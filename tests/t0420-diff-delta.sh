#!/bin/bash
# t0420-diff-delta: cti diff --bundle writes a delta that stands on its own:
# every created_by_ref, object_marking_refs and granular marking_ref target
# of its objects (and of those, in turn) is in it, taken from NEW wherever
# NEW holds it (after, or before, the objects that refer to it), or the
# standard TLP 2.0 definition when NEW lacks it; cti show of the delta
# names its producer and TLP. On the two ATT&CK release pairs and on two
# releases of a packed list.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

need_tools jq

# the ids the objects of bundle $1 refer to that are not in it
dangling() {
	gzip -dc -f "$1" | jq -r '.objects as $o | ($o | map(.id)) as $ids |
		[$o[] | .created_by_ref, (.object_marking_refs // [])[],
		 ((.granular_markings // [])[] | .marking_ref)] |
		map(select(. != null)) | unique | .[] |
		select(. as $r | $ids | index($r) | not)'
}
ids() { gzip -dc -f "$1" | jq -r '[.objects[].id] | sort | .[]'; }

# ---------------------------------------------------------------- ATT&CK
for pair in ics-attack-18.0:ics-attack-18.1 mobile-attack-17.0:mobile-attack-17.1; do
	old=$DATA/${pair%%:*}.json new=$DATA/${pair##*:}.json
	if [ ! -f "$old" ] || [ ! -f "$new" ]; then
		skip "$pair: sample data missing"
		continue
	fi
	expect 1 "$pair: --bundle" "$CTI" diff --bundle -o delta.cti "$old" "$new"
	check "$pair: the delta refers to nothing it does not hold" test -z "$(dangling delta.cti)"
	n=$(gzip -dc delta.cti | jq '[.objects[] | select(.created_by_ref or .object_marking_refs)] | length')
	check "$pair: ... of the $n objects that refer to something" test "$n" -gt 20
	check "$pair: it holds MITRE's identity and marking, unchanged in NEW" sh -c \
		'gzip -dc delta.cti | jq -e "[.objects[].type] | index(\"identity\") and index(\"marking-definition\")" >/dev/null'
	"$CTI" diff --json "$old" "$new" | jq -r '(.added + .revoked + .deprecated + .modified)[].id' | sort >listed
	check "$pair: ... and beside them only what --json lists" \
		test "$(ids delta.cti | grep -v -e '^identity--' -e '^marking-definition--')" = "$(cat listed)"
	expect 0 "$pair: cti show of the delta" "$CTI" show delta.cti
	check "$pair: ... names the producer" out_has "producers:   The MITRE Corporation"
done

# ---------------------------------------------------------------- packed lists
cat >l1.txt <<'EOF'
198.51.100.7	scanner
evil-update.example.com
203.0.113.9
EOF
sed 's/scanner/scanner and c2/' l1.txt >l2.txt
echo 192.0.2.44 >>l2.txt
SOURCE_DATE_EPOCH=$(($(date +%s) - 60)) "$CTI" pack -o a.cti --producer CERT-XX --tlp green l1.txt
# with --base the identity and marking do not change: only the
# indicators are in the delta of themselves, and they refer back to the
# first two objects of NEW
"$CTI" pack -o b.cti --base a.cti --producer CERT-XX --tlp green l2.txt
expect 1 "two releases of a list: --bundle" "$CTI" diff -v --bundle -o d.cti a.cti b.cti
check "... 1 added and 1 modified" err_has "2 objects differ (1 added, 0 removed, 0 revoked, 0 deprecated, 1 modified), 4 unchanged"
check "... the delta refers to nothing it does not hold" test -z "$(dangling d.cti)"
check "... it holds the two indicators, the identity and the marking" \
	test "$(gzip -dc d.cti | jq -r '[.objects[].type] | sort | join(" ")')" = "identity indicator indicator marking-definition"
$PY "$SRC/tests/rawobjs.py" b.cti | sed -n 1,2p >head.want
check "... those two as NEW has them, after the indicators" \
	test "$($PY "$SRC/tests/rawobjs.py" d.cti | sed -n 3,4p)" = "$(cat head.want)"
expect 0 "... cti show of the delta" "$CTI" show d.cti
check "... names the producer" out_has "producers:   CERT-XX"
check "... and the TLP" out_has "markings:    TLP:GREEN (3 objects)"
expect 1 "... NEW from standard input" sh -c '"$1" diff --bundle -o d2.cti a.cti - <b.cti' sh "$CTI"
check "... the same delta" cmp -s d.cti d2.cti
expect 0 "nothing changed: an empty delta" "$CTI" diff --bundle -o e.cti a.cti a.cti
check "... with nothing in it" test "$(gzip -dc e.cti | jq '.objects | length')" = 0

# ---------------------------------------------------------------- by hand
# (JSON Lines) the one object that changed refers to TLP:AMBER, which NEW
# does not hold, to a marking by a granular marking, which comes before it
# in NEW and refers to an identity that comes after that, all unchanged;
# a reference to what NEW does not hold stays as it is
amber=marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421
cat >same.json <<'EOF'
{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--00000000-0000-4000-8000-00000000000a","created":"2026-01-01T00:00:00.000Z","created_by_ref":"identity--00000000-0000-4000-8000-00000000000b","definition_type":"statement","definition":{"statement":"(c) b"}}
{"type":"identity","spec_version":"2.1","id":"identity--00000000-0000-4000-8000-00000000000b","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"B","identity_class":"organization"}
{"type":"identity","spec_version":"2.1","id":"identity--00000000-0000-4000-8000-00000000000c","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"C, not referred to","identity_class":"organization"}
EOF
{ cat same.json
  echo '{"type":"malware","spec_version":"2.1","id":"malware--00000000-0000-4000-8000-000000000001","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"m","is_family":false}'
} >old.json
{ cat same.json
  echo '{"type":"malware","spec_version":"2.1","id":"malware--00000000-0000-4000-8000-000000000001","created":"2026-01-01T00:00:00.000Z","modified":"2026-02-01T00:00:00.000Z","name":"m","is_family":false,"object_marking_refs":["'$amber'"],"granular_markings":[{"marking_ref":"marking-definition--00000000-0000-4000-8000-00000000000a","selectors":["name"]}],"created_by_ref":"identity--00000000-0000-4000-8000-00000000000d"}'
} >new.json
expect 1 "by hand: --bundle" "$CTI" diff --bundle -o h.cti old.json new.json
check "... holds the malware, the granular marking, its identity and TLP:AMBER" \
	test "$(ids h.cti | tr '\n' ' ')" = "identity--00000000-0000-4000-8000-00000000000b malware--00000000-0000-4000-8000-000000000001 marking-definition--00000000-0000-4000-8000-00000000000a $amber "
check "... TLP:AMBER is the standard definition" \
	test "$(gzip -dc h.cti | jq -c ".objects[] | select(.id == \"$amber\")")" = "$(echo 192.0.2.1 | "$CTI" pack --tlp amber - | gzip -dc | jq -c ".objects[] | select(.id == \"$amber\")")"
check "... and the identity that is nowhere stays referred to" \
	test "$(dangling h.cti)" = identity--00000000-0000-4000-8000-00000000000d
expect 0 "... cti show of it" "$CTI" show h.cti
check "... names its TLP" out_has "TLP:AMBER (1 objects)"

done_testing
