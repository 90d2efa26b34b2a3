#!/bin/bash
# cti show: summary, --json, --objects; it reads and reports, it trusts nothing.
. "$(dirname "$0")/lib.sh"
P=$SRC/tests/data/pack
export SOURCE_DATE_EPOCH=1767225600

"$CTI" pack -o "$T/m.cti" --producer "CERT-XX" --tlp green "$P/mixed.txt" "$P/unicode.json" 2>/dev/null
expect 0 "show a bundle" "$CTI" show "$T/m.cti"
check "summary counts objects" out_has "objects:     15"
check "summary counts indicators" grep -qE '^  indicator +11$' "$T/out"
check "summary lists custom types" grep -qE '^  x-acme-thing +1$' "$T/out"
check "summary names the producer" out_has "producers:   CERT-XX"
check "summary counts TLP markings" out_has "markings:    TLP:GREEN (12 objects)"
check "summary gives both sizes" grep -qE '^size: +[0-9]+ bytes compressed, [0-9]+ bytes JSON$' "$T/out"
expect 0 "show --json" "$CTI" show --json "$T/m.cti"
check "--json is one JSON object with the counts" \
	[ "$(jq -c '[.objects, .types.indicator, .types.identity, .tlp["TLP:GREEN"], .producers[0].name, .gzip]' "$T/out")" = '[15,11,1,12,"CERT-XX",true]' ]
check "--json sizes match the file" [ "$(jq .bytes "$T/out")" = "$(stat -c %s "$T/m.cti")" ]
check "--json uncompressed size matches" [ "$(jq .json_bytes "$T/out")" = "$(gzip -dc "$T/m.cti" | wc -c)" ]
expect 0 "show --objects" "$CTI" show --objects "$T/m.cti"
check "--objects streams one object per line" [ "$(wc -l <"$T/out")" = 15 ]
check "--objects lines equal the bundle's objects" [ "$(jq -c . "$T/out")" = "$(gzip -dc "$T/m.cti" | jq -c '.objects[]')" ]
gzip -dc "$T/m.cti" | "$CTI" show --json - >"$T/out2"
check "show reads plain JSON from stdin" [ "$(jq -c '[.objects, .gzip]' "$T/out2")" = '[15,false]' ]
if [ -f "$DATA/ics-attack-18.0.json" ]; then
	expect 0 "show a real ATT&CK bundle" "$CTI" show --json "$DATA/ics-attack-18.0.json"
	check "ATT&CK: object counts per type match jq" \
		[ "$(jq -cS .types "$T/out")" = "$(jq -cS '.objects | group_by(.type) | map({(.[0].type): length}) | add' "$DATA/ics-attack-18.0.json")" ]
fi
expect 0 "show an unsigned bundle" "$CTI" show "$T/m.cti"
check "an unsigned bundle shows no signatures" out_has "signatures:  0 embedded"
"$CTI" keygen -W -p "$T/a.pub" -s "$T/a.key" >"$T/a.id"
"$CTI" keygen -W -p "$T/b.pub" -s "$T/b.key" >"$T/b.id"
"$CTI" sign -s "$T/a.key" "$T/m.cti" && "$CTI" sign -s "$T/b.key" "$T/m.cti"
expect 0 "show a bundle with two signatures" "$CTI" show "$T/m.cti"
check "both key ids are listed, marked as not verified" \
	out_has "signatures:  2 embedded (key $(cat "$T/a.id"), $(cat "$T/b.id")), not verified: see cti verify"
expect 0 "show --json a signed bundle" "$CTI" show --json "$T/m.cti"
check "--json lists the signature key ids" \
	[ "$(jq -c '[.signatures, .signature_key_ids]' "$T/out")" = "[2,[\"$(cat "$T/a.id")\",\"$(cat "$T/b.id")\"]]" ]
check "--json size counts the signatures" [ "$(jq .bytes "$T/out")" = "$(stat -c %s "$T/m.cti")" ]
printf '{"a":[1,2' >"$T/bad.json"
expect 3 "show a malformed file: exit 3" "$CTI" show "$T/bad.json"
check "the place is named" err_has "bad.json:1:10: unexpected end of input"
expect 4 "show a missing file: exit 4" "$CTI" show "$T/missing.cti"
expect 2 "show without a file: exit 2" "$CTI" show
expect 2 "show --json --objects: exit 2" "$CTI" show --json --objects "$T/m.cti"
expect 2 "show with an unknown option: exit 2" "$CTI" show --bogus "$T/m.cti"
"$CTI" show --objects "$T/m.cti" >/dev/full
check "show into a full disk exits 4" [ $? = 4 ]
done_testing
