#!/bin/bash
# cti pack: lists, CSV, STIX in every layout; ids, markings, reproducibility.
. "$(dirname "$0")/lib.sh"
P=$SRC/tests/data/pack
export SOURCE_DATE_EPOCH=1767225600 # 2026-01-01T00:00:00Z

valid21() { gzip -dc "$1" | jq -r -f "$SRC/tests/stix21.jq" >"$T/problems" && [ ! -s "$T/problems" ] || { sed 's/^/#   /' "$T/problems" | head; false; }; }
objs() { gzip -dc "$1" | jq -c "$2"; }

# ---- indicator list with defanged values, comments, extra columns
expect 0 "pack a mixed indicator list" "$CTI" pack --json -o "$T/mixed.cti" "$P/mixed.txt"
check "--json counts: 13 read, 11 written (11 indicators), 1 skipped, 1 duplicate" \
	[ "$(cat "$T/out")" = '{"read":13,"written":11,"indicators":11,"passed":0,"added":0,"skipped":1,"duplicate":1}' ]
check "the unrecognised line is named with file:line" \
	grep -qF "mixed.txt:13: not an indicator, skipped: 'this'" "$T/err"
check "gzip -t accepts the bundle" gzip -t "$T/mixed.cti"
check "the bundle is valid STIX 2.1" valid21 "$T/mixed.cti"
objs "$T/mixed.cti" '[.objects[].pattern]' >"$T/patterns"
cat >"$T/want" <<'X'
["[ipv4-addr:value = '198.51.100.7']","[ipv4-addr:value = '203.0.113.0/24']","[ipv6-addr:value = '2001:db8::1']","[ipv6-addr:value = '2001:db8::/32']","[domain-name:value = 'evil-example.com']","[url:value = 'https://bad.example.net/dl/x.exe?a=1&b=\\'q\\'']","[email-addr:value = 'phish@example.org']","[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']","[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']","[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']","[file:hashes.'SHA-512' = 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e']"]
X
check "every kind detected, refanged, normalised and escaped" cmp -s "$T/patterns" "$T/want"
check "extra text is kept as the description" \
	[ "$(objs "$T/mixed.cti" '[.objects[] | select(.name=="203.0.113.0/24") | .description]')" = '["scanning range"]' ]
check "valid_from and created come from SOURCE_DATE_EPOCH" \
	[ "$(objs "$T/mixed.cti" '[.objects[].valid_from] | unique')" = '["2026-01-01T00:00:00.000Z"]' ]

# ---- deterministic ids: UUIDv5 of the pattern under the documented namespace
id=$(objs "$T/mixed.cti" '.objects[0].id' | tr -d '"')
want=$(python3 -c 'import uuid; print("indicator--" + str(uuid.uuid5(uuid.UUID("c7f0ae4e-5b0f-4b8e-9d21-3a6f1d7c2e90"), "[ipv4-addr:value = '"'"'198.51.100.7'"'"']")))')
check "indicator id is UUIDv5(namespace, pattern)" [ "$id" = "$want" ]
echo "198.51.100.7" | SOURCE_DATE_EPOCH=1800000000 "$CTI" pack -o "$T/one.cti" -
check "the same value packed later keeps its id" [ "$(objs "$T/one.cti" '.objects[0].id' | tr -d '"')" = "$want" ]

# ---- reproducible
"$CTI" pack -o "$T/again.cti" "$P/mixed.txt" 2>/dev/null
check "same inputs, same options: byte-identical" cmp -s "$T/mixed.cti" "$T/again.cti"
check "gzip header: no name, zero mtime" [ "$(head -c 8 "$T/mixed.cti" | od -An -tx1 | tr -d ' \n')" = "1f8b080000000000" ]
cat "$P/mixed.txt" | "$CTI" pack -o "$T/stdin.cti" - 2>/dev/null
check "stdin gives the same objects as the file" [ "$(objs "$T/stdin.cti" .objects)" = "$(objs "$T/mixed.cti" .objects)" ]
"$CTI" pack -o "$T/plain.json" --plain "$P/mixed.txt" 2>/dev/null
check "--plain writes the same bundle uncompressed" sh -c "gzip -dc '$T/mixed.cti' | cmp -s - '$T/plain.json'"

# ---- producer, TLP, labels, confidence, valid-for
expect 0 "pack with --producer --tlp --label --confidence --valid-for" "$CTI" pack -o "$T/m.cti" \
	--producer "CERT-XX" --tlp amber+strict --label malicious-activity --label c2 --confidence 70 --valid-for 30d "$P/mixed.txt"
check "the bundle with markings is valid STIX 2.1" valid21 "$T/m.cti"
ident=$(objs "$T/m.cti" '[.objects[] | select(.type=="identity")] | .[0].id' | tr -d '"')
want=$(python3 -c 'import uuid; print("identity--" + str(uuid.uuid5(uuid.UUID("c7f0ae4e-5b0f-4b8e-9d21-3a6f1d7c2e90"), "CERT-XX")))')
check "producer identity has a deterministic id" [ "$ident" = "$want" ]
check "every indicator is created_by_ref the producer" \
	[ "$(objs "$T/m.cti" "[.objects[] | select(.type==\"indicator\") | .created_by_ref == \"$ident\"] | all")" = true ]
check "the TLP:AMBER+STRICT marking-definition is in the bundle" \
	[ "$(objs "$T/m.cti" '[.objects[] | select(.type=="marking-definition") | .name]')" = '["TLP:AMBER+STRICT"]' ]
mid=$(objs "$T/m.cti" '[.objects[] | select(.type=="marking-definition")][0].id' | tr -d '"')
check "created objects reference the marking" \
	[ "$(objs "$T/m.cti" "[.objects[] | select(.type!=\"marking-definition\") | .object_marking_refs == [\"$mid\"]] | all")" = true ]
check "labels and confidence set" \
	[ "$(objs "$T/m.cti" '[.objects[] | select(.type=="indicator") | [.labels, .confidence]] | unique')" = '[[["malicious-activity","c2"],70]]' ]
check "valid_until is valid_from plus 30 days" \
	[ "$(objs "$T/m.cti" '[.objects[] | select(.type=="indicator") | .valid_until] | unique')" = '["2026-01-31T00:00:00.000Z"]' ]
for l in clear green amber red; do
	echo 192.0.2.1 | "$CTI" pack -o "$T/tlp.cti" --tlp $l -
	n=$(objs "$T/tlp.cti" '[.objects[] | select(.type=="marking-definition")][0].name' | tr -d '"')
	check "--tlp $l adds the $n marking" [ "$n" = "TLP:$(echo $l | tr a-z A-Z)" ]
done
echo 192.0.2.1 | "$CTI" pack -o "$T/clear.cti" --tlp clear -
check "TLP:CLEAR is marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487" \
	[ "$(objs "$T/clear.cti" '.objects[0].id')" = '"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"' ]

# ---- CSV
expect 0 "pack a CSV table" "$CTI" pack --json -o "$T/csv.cti" "$P/table.csv"
check "CSV: three rows, three indicators" [ "$(cat "$T/out")" = '{"read":3,"written":3,"indicators":3,"passed":0,"added":0,"skipped":0,"duplicate":0}' ]
check "CSV bundle is valid STIX 2.1" valid21 "$T/csv.cti"
check "CSV columns map to STIX properties" \
	[ "$(objs "$T/csv.cti" '.objects[0] | [.confidence, .valid_from, .description, .labels]')" = '[80,"2026-01-02T03:04:05.000Z","seen in \"campaign X\", twice",["c2","botnet"]]' ]
check "CSV quoted field with a comma and a defanged URL" \
	[ "$(objs "$T/csv.cti" '.objects[2] | [.pattern, .description]')" = '["[url:value = '"'"'http://a.example.com/p,q'"'"']","multi\nline"]' ]
printf 'ioc_value,comment\n192.0.2.5,x\n' >"$T/col.csv"
expect 0 "--column names the value column" "$CTI" pack --from csv --column ioc_value -o "$T/col.cti" "$T/col.csv"
check "--column value packed" [ "$(objs "$T/col.cti" '.objects[0].name')" = '"192.0.2.5"' ]

# ---- STIX inputs: every layout, gzip, 2.0, custom types, Unicode
expect 0 "pack a STIX 2.0 bundle" "$CTI" pack -o "$T/20.cti" "$P/stix20.json"
check "2.0 objects are marked spec_version 2.0, not upgraded" \
	[ "$(objs "$T/20.cti" '.objects[0] | [.spec_version, .labels[0], .id]')" = '["2.0","malicious-activity","indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]' ]
expect 0 "pack JSON array with Unicode and custom types" "$CTI" pack -o "$T/u.cti" "$P/unicode.json"
check "objects carried through with equal JSON values" \
	[ "$(gzip -dc "$T/u.cti" | jq -S .objects)" = "$(jq -S . "$P/unicode.json")" ]
check "Cyrillic, Turkish, Arabic and escapes pass byte-exact" \
	sh -c "gzip -dc '$T/u.cti' | grep -qF 'Медведь' && gzip -dc '$T/u.cti' | grep -qF 'İstanbul ığdır şğü; العربية: مجموعة تهديد; emoji 🐻; escaped \\u00e9 and \\ud83d\\udc3b'"
check "numbers keep their spelling" sh -c "gzip -dc '$T/u.cti' | grep -qF '\"x_custom\":{\"n\":1.0e0,\"a\":[1,-0,2.50]}'"
jq -c '.[]' "$P/unicode.json" >"$T/lines.jsonl"
expect 0 "pack JSON Lines" "$CTI" pack -o "$T/l.cti" "$T/lines.jsonl"
check "JSON Lines gives the same objects as the array" [ "$(objs "$T/l.cti" .objects)" = "$(objs "$T/u.cti" .objects)" ]
jq -c '.[0]' "$P/unicode.json" >"$T/single.json"
expect 0 "pack a single object" "$CTI" pack -o "$T/s.cti" "$T/single.json"
check "single object packed" [ "$(objs "$T/s.cti" '.objects | length')" = 1 ]
gzip -c "$P/stix20.json" >"$T/20.json.gz"
expect 0 "pack gzip-compressed JSON" "$CTI" pack -o "$T/gz.cti" "$T/20.json.gz"
check "gzip input gives the same objects" [ "$(objs "$T/gz.cti" .objects)" = "$(objs "$T/20.cti" .objects)" ]
expect 0 "a bundle cti wrote is valid input" "$CTI" pack -o "$T/re.cti" "$T/mixed.cti"
check "repacking a bundle is byte-identical" cmp -s "$T/re.cti" "$T/mixed.cti"
expect 0 "several inputs, duplicates written once" "$CTI" pack --json -o "$T/dup.cti" "$T/mixed.cti" "$P/mixed.txt" "$P/unicode.json"
check "duplicates (same id and modified) counted" [ "$(jq -c '[.written, .duplicate]' "$T/out")" = '[13,12]' ]

# ---- the shipped real data
if [ -f "$DATA/ipsum-2026-08-22.txt" ]; then
	expect 0 "pack the IPsum list" "$CTI" pack --json -o "$T/ipsum.cti" "$DATA/ipsum-2026-08-22.txt"
	check "IPsum: exactly 120,430 IPv4 indicators" \
		[ "$(gzip -dc "$T/ipsum.cti" | jq '[.objects[] | select(.type=="indicator" and (.pattern | startswith("[ipv4-addr:value = ")))] | length')" = 120430 ]
	"$CTI" pack -o "$T/ipsum2.cti" "$DATA/ipsum-2026-08-22.txt"
	check "IPsum packed twice is byte-identical" cmp -s "$T/ipsum.cti" "$T/ipsum2.cti"
	check "IPsum bundle is valid STIX 2.1" valid21 "$T/ipsum.cti"
	for f in ics-attack-18.0 ics-attack-18.1 mobile-attack-17.0 mobile-attack-17.1; do
		"$CTI" pack -o "$T/$f.cti" "$DATA/$f.json"
		check "$f: every object carried through with equal JSON values" \
			[ "$(gzip -dc "$T/$f.cti" | jq -S .objects | cksum)" = "$(jq -S .objects "$DATA/$f.json" | cksum)" ]
	done
else
	skip "shared data not found at $DATA"
fi
done_testing
