#!/bin/bash
# t0240-pack-base: cti pack --base PREV keeps a list feed stable between
# releases: what did not change is written with PREV's very bytes, what
# changed gets a new modified and keeps created, valid_until is renewed
# only past half its time, --revoke-missing revokes what the list lost,
# revoked objects stay revoked; PREV may be a directory of releases or the
# state of a cti pull; bad bases fail with the exact exit status.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

need_tools jq

objs() { gzip -dc "$1" | jq -c "$2"; }
raw() { $PY "$SRC/tests/rawobjs.py" "$1"; }
# the diff's counts, added removed revoked deprecated modified unchanged
counts() { "$CTI" diff --json "$1" "$2" | jq -r '[.added, .removed, .revoked, .deprecated, .modified | length] + [.unchanged] | map(tostring) | join(" ")'; }
# the object with the given name, as jq writes it
named() { objs "$1" ".objects[] | select(.name == \"$2\")"; }
# every line of file $1 is an object of bundle $2 as it is written there,
# and there are $3 of them
holds() { [ "$(wc -l <"$1")" -eq "$3" ] && [ -z "$(raw "$2" | sort | comm -13 - <(sort "$1"))" ]; }

now=$(date +%s)
then=$((now - 60))
opts="--producer CERT-XX --tlp green --valid-for 30d"

cat >list1.txt <<'EOF'
198.51.100.7	scanner
evil-update.example.com	c2
hxxps://cdn.example.net/payload.exe
44d88612fea8a8f36de82e1278abb02f
203.0.113.9
EOF

# ---------------------------------------------------------------- unchanged
# PREV a minute ago (the clock cti pack takes), the next one now, no
# SOURCE_DATE_EPOCH: the same file
SOURCE_DATE_EPOCH=$then "$CTI" pack -o r1.cti $opts list1.txt
expect 0 "pack --base of an unchanged list" "$CTI" pack -o r2.cti --base r1.cti $opts list1.txt
check "... is byte for byte PREV" cmp -s r1.cti r2.cti
expect 0 "... and cti diff finds no difference" "$CTI" diff r1.cti r2.cti
check "... and prints nothing" test ! -s "$T/out"
expect 0 "-v counts what it kept" "$CTI" pack -v -o r2.cti --base r1.cti $opts list1.txt
check "... in a line of its own" err_has "cti: pack: of the base: 6 kept, 0 modified, 0 revoked, 0 left out"
expect 0 "--json counts it too" "$CTI" pack --json -o r2.cti --base r1.cti $opts list1.txt
check "... after the usual counts" test "$(cat out)" = \
	'{"read":5,"written":7,"indicators":5,"passed":0,"added":2,"skipped":0,"duplicate":0,"kept":6,"modified":0,"revoked":0,"left_out":0}'
sleep 1
expect 0 "a second later, without SOURCE_DATE_EPOCH either" "$CTI" pack -o r2.cti --base r1.cti $opts list1.txt
check "... still PREV" cmp -s r1.cti r2.cti
expect 0 "--base in place (-o PREV)" sh -c 'cp r1.cti feed.cti && "$1" pack --base feed.cti -o feed.cti $2 list1.txt' sh "$CTI" "$opts"
check "... leaves it as it was" cmp -s r1.cti feed.cti
SOURCE_DATE_EPOCH=$then "$CTI" pack -o plain.json --plain $opts list1.txt
expect 0 "a plain JSON PREV" "$CTI" pack -o r2p.cti --base plain.json $opts list1.txt
check "... gives the same objects" cmp -s r1.cti r2p.cti
"$CTI" pack -o nobase.cti $opts list1.txt
expect 1 "... (without --base every object is modified)" "$CTI" diff r1.cti nobase.cti

# ---------------------------------------------------------------- changes
# 198.51.100.7 gets another description, 203.0.113.9 goes, 192.0.2.44 comes
sed -e 's/	scanner/	scanner and c2/' -e '/203.0.113.9/d' list1.txt >list2.txt
echo 192.0.2.44 >>list2.txt
expect 0 "pack --base of a changed list" "$CTI" pack -v -o r3.cti --base r1.cti $opts list2.txt
check "... -v: 4 kept, 1 modified, 1 left out" err_has "of the base: 4 kept, 1 modified, 0 revoked, 1 left out"
check "diff: 1 added, 1 removed, 1 modified, 5 unchanged" test "$(counts r1.cti r3.cti)" = "1 1 0 0 1 5"
check "... the modified one newer" test "$("$CTI" diff --json r1.cti r3.cti | jq -r '.modified[] | "\(.name) \(.kind)"')" = "198.51.100.7 newer"
old=$(named r1.cti 198.51.100.7) new=$(named r3.cti 198.51.100.7)
check "... keeps created and valid_from" test "$(jq -c '[.created, .valid_from]' <<<"$old")" = "$(jq -c '[.created, .valid_from]' <<<"$new")"
check "... and gets modified now, later than PREV's" bash -c '[ "$(jq -r .modified <<<"$2")" \> "$(jq -r .modified <<<"$1")" ]' sh "$old" "$new"
check "... valid for 30 days again" test "$(jq -r '.valid_until' <<<"$new")" = "$(date -u -d "@$(($(date -u -d "$(jq -r .modified <<<"$new")" +%s) + 30 * 86400))" +%Y-%m-%dT%H:%M:%S.000Z)"
check "... with its new description" test "$(jq -r .description <<<"$new")" = "scanner and c2"
raw r1.cti | grep -v -e '"name":"198.51.100.7"' -e '"name":"203.0.113.9"' >kept.want
check "the unchanged objects are PREV's bytes (3, the identity, the marking)" \
	holds kept.want r3.cti 5
check "the new one is made now" test "$(named r3.cti 192.0.2.44 | jq -r .created)" = "$(jq -r .modified <<<"$new")"

# --revoke-missing: the one that went is revoked, in a new version
expect 0 "--revoke-missing" "$CTI" pack -v -o r4.cti --base r1.cti --revoke-missing $opts list2.txt
check "... -v: 1 revoked, none left out" err_has "of the base: 4 kept, 1 modified, 1 revoked, 0 left out"
check "diff: 1 added, 1 revoked, 1 modified" test "$(counts r1.cti r4.cti)" = "1 0 1 0 1 5"
old=$(named r1.cti 203.0.113.9) rev=$(named r4.cti 203.0.113.9)
check "the revoked version is PREV's with revoked and a later modified" \
	test "$(jq -cS 'del(.modified)' <<<"$old" | jq -c '. + {revoked: true}' | jq -cS .)" = "$(jq -cS 'del(.modified)' <<<"$rev")"
check "... modified later" bash -c '[ "$(jq -r .modified <<<"$2")" \> "$(jq -r .modified <<<"$1")" ]' sh "$old" "$rev"
expect 0 "the next release of the same list, --revoke-missing" "$CTI" pack -o r5.cti --base r4.cti --revoke-missing $opts list2.txt
check "... is byte for byte its base (the revoked one kept as it is)" cmp -s r4.cti r5.cti
expect 0 "... without --revoke-missing" "$CTI" pack -v -o r6.cti --base r4.cti $opts list2.txt
check "... the revoked one is left out" err_has "of the base: 6 kept, 0 modified, 0 revoked, 1 left out"
check "... diff: 1 removed" test "$(counts r4.cti r6.cti)" = "0 1 0 0 0 7"
cat list2.txt >list2b.txt && echo 203.0.113.9 >>list2b.txt
expect 0 "a value whose indicator was revoked comes back" "$CTI" pack -o r7.cti --base r4.cti --revoke-missing $opts list2b.txt
check "... warns that it stays revoked" err_has "revoked in the base release r4.cti: a revoked object gets no new version, it stays revoked"
raw r4.cti | grep -F '"name":"203.0.113.9"' >rev.want
check "... and is written as the base has it" holds rev.want r7.cti 1
check "... diff: no difference" test "$(counts r4.cti r7.cti)" = "0 0 0 0 0 8"

# another producer's indicator, read from STIX, is not revoked
SOURCE_DATE_EPOCH=$then "$CTI" pack -o theirs.cti --producer CERT-YY list1.txt
"$CTI" show --objects theirs.cti | jq -c 'select(.name == "203.0.113.9")' >theirs.json
SOURCE_DATE_EPOCH=$then "$CTI" pack -o mixed.cti $opts list2.txt theirs.json
expect 0 "a STIX input's indicator that went is not ours to revoke" "$CTI" pack -v -o mixed2.cti --base mixed.cti --revoke-missing $opts list2.txt
check "... it is left out" err_has "0 revoked, 1 left out"
jq -c '. + {revoked: true}' theirs.json >theirs-rev.json
SOURCE_DATE_EPOCH=$then "$CTI" pack -o mixedrev.cti $opts list2.txt theirs-rev.json
expect 0 "... nor, revoked, kept as ours would be" "$CTI" pack -v -o mixedrev2.cti --base mixedrev.cti --revoke-missing $opts list2.txt
check "... it is left out" err_has "6 kept, 0 modified, 0 revoked, 1 left out"
expect 0 "a STIX input holding an object made: one of them is written" "$CTI" pack -v -o mixed3.cti --base r1.cti $opts list1.txt r1.cti
check "... the copies are duplicates" err_has "0 skipped, 7 duplicate"
check "... the bundle is PREV" cmp -s r1.cti mixed3.cti
expect 0 "... the STIX input first" "$CTI" pack -v -o mixed4.cti --base r1.cti $opts r1.cti list1.txt
check "... the copies are duplicates" err_has "0 skipped, 7 duplicate"
check "... the bundle is PREV" cmp -s r1.cti mixed4.cti

# the identity follows its content: a new TLP is a new version of it
expect 0 "another --tlp" "$CTI" pack -o amber.cti --base r1.cti --producer CERT-XX --tlp amber --valid-for 30d list1.txt
check "... every object made is modified (its marking changed)" test "$(counts r1.cti amber.cti)" = "1 1 0 0 6 0"

# ---------------------------------------------------------------- validity
day=86400 t0=1767225600 # 2026-01-01
SOURCE_DATE_EPOCH=$t0 "$CTI" pack -o v0.cti --valid-for 10d list1.txt
SOURCE_DATE_EPOCH=$((t0 + 4 * day)) "$CTI" pack -o v4.cti --base v0.cti --valid-for 10d list1.txt
check "6 of 10 days of validity left: kept" cmp -s v0.cti v4.cti
SOURCE_DATE_EPOCH=$((t0 + 5 * day)) "$CTI" pack -o v5.cti --base v0.cti --valid-for 10d list1.txt
check "5 of 10 days left (half): kept" cmp -s v0.cti v5.cti
SOURCE_DATE_EPOCH=$((t0 + 5 * day + 1)) "$CTI" pack -o v6.cti --base v0.cti --valid-for 10d list1.txt
check "less than half left: every indicator renewed" test "$(counts v0.cti v6.cti)" = "0 0 0 0 5 0"
check "... valid_until now plus 10 days, created and valid_from kept" \
	test "$(objs v6.cti '[.objects[] | [.created, .modified, .valid_from, .valid_until]] | unique | .[]')" = \
	'["2026-01-01T00:00:00.000Z","2026-01-06T00:00:01.000Z","2026-01-01T00:00:00.000Z","2026-01-16T00:00:01.000Z"]'
SOURCE_DATE_EPOCH=$((t0 + 9 * day)) "$CTI" pack -o v9.cti --base v6.cti --valid-for 10d list1.txt
check "... and kept again after that" cmp -s v6.cti v9.cti
expect 0 "11 days later, an indicator gone, --revoke-missing" env SOURCE_DATE_EPOCH=$((t0 + 11 * day)) \
	"$CTI" pack -v -o vx.cti --base v0.cti --revoke-missing --valid-for 10d list2.txt
check "... expired, it is not revoked but left out" err_has "0 revoked, 1 left out"
SOURCE_DATE_EPOCH=$((t0 + 11 * day)) "$CTI" pack -o vy.cti --base vx.cti --revoke-missing --valid-for 10d list2.txt
check "... and the next release is the same" cmp -s vx.cti vy.cti
SOURCE_DATE_EPOCH=$((t0 + day)) "$CTI" pack -o vs.cti --base v0.cti --valid-for 3d list1.txt
check "a shorter --valid-for: cut to now plus it" \
	test "$(objs vs.cti '[.objects[].valid_until] | unique | .[]')" = '"2026-01-05T00:00:00.000Z"'
SOURCE_DATE_EPOCH=$((t0 + day)) "$CTI" pack -o vn.cti --base v0.cti list1.txt
check "no --valid-for: valid_until goes, in a new version" \
	test "$(objs vn.cti '[.objects[] | has("valid_until")] | unique | .[]')" = false
check "... of every indicator" test "$(counts v0.cti vn.cti)" = "0 0 0 0 5 0"
sed 's/	c2/	c2 server/' list1.txt >list1b.txt
SOURCE_DATE_EPOCH=$t0 "$CTI" pack -o same.cti --base v0.cti --valid-for 10d list1b.txt
check "a change at PREV's very time: modified 1 ms later" \
	test "$(named same.cti evil-update.example.com | jq -r .modified)" = "2026-01-01T00:00:00.001Z"

# ---------------------------------------------------------------- CSV columns
cat >t1.csv <<'EOF'
value,type,confidence,labels,first_seen,description
198.51.100.7,ipv4,50,scanner,2025-12-01,seen scanning
evil-update.example.com,domain,80,c2;malware,2025-12-02,
203.0.113.9,ipv4,20,,2025-12-03,
192.0.2.44,ipv4,60,scanner,,
EOF
sed -e 's/,50,/,70,/' -e 's/c2;malware/c2/' -e 's/2025-12-03/2025-12-04/' t1.csv >t2.csv
SOURCE_DATE_EPOCH=$then "$CTI" pack -o c1.cti $opts t1.csv
expect 0 "a CSV table whose confidence, labels and first_seen changed" "$CTI" pack -o c2.cti --base c1.cti $opts t2.csv
check "... exactly those three are modified" test "$("$CTI" diff --json c1.cti c2.cti | jq -r '[.modified[].name] | sort | join(" ")')" = "198.51.100.7 203.0.113.9 evil-update.example.com"
check "... the rest unchanged" test "$(counts c1.cti c2.cti)" = "0 0 0 0 3 3"
check "... first_seen gives the new valid_from" test "$(named c2.cti 203.0.113.9 | jq -r .valid_from)" = 2025-12-04T00:00:00.000Z
check "... the others keep theirs" test "$(named c2.cti 198.51.100.7 | jq -r .valid_from)" = 2025-12-01T00:00:00.000Z

# ---------------------------------------------------------------- written otherwise
# PREV as another program writes it (keys sorted, indented): unchanged
# objects are copied from it, in its form
jq -S --indent 3 . <(gzip -dc r1.cti) >sorted.json
expect 0 "a PREV written otherwise" "$CTI" pack -v -o s2.cti --base sorted.json $opts list2.txt
check "... the same counts" err_has "of the base: 4 kept, 1 modified, 0 revoked, 1 left out"
check "... diff against it: 1 added, 1 removed, 1 modified" test "$(counts sorted.json s2.cti)" = "1 1 0 0 1 5"
# (the TLP marking is the standard one: cti pack writes it as OASIS does)
jq -c -S '.objects[]' sorted.json | grep -v -e '"name":"198.51.100.7"' -e '"name":"203.0.113.9"' -e '"type":"marking-definition"' >sorted.want
check "... the unchanged objects are PREV's, as it writes them" holds sorted.want s2.cti 4
expect 0 "... and an unchanged list against it" "$CTI" pack -o s1.cti --base sorted.json $opts list1.txt
expect 0 "... is no difference" "$CTI" diff sorted.json s1.cti
cat >stamps.json <<'EOF'
{"type":"bundle","id":"bundle--1","objects":[
{"type":"indicator","spec_version":"2.1","id":"indicator--bc61879a-0f14-5c0f-ad82-22d99d1fb25f","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","name":"198.51.100.7","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","pattern_version":"2.1","valid_from":"2026-01-01T00:00:00Z"}]}
EOF
echo 198.51.100.7 >one.txt
expect 0 "times written without milliseconds" "$CTI" pack -o st.cti --base stamps.json one.txt
check "... the object is copied as it was" test "$(raw st.cti)" = "$(jq -c '.objects[0]' stamps.json)"

# signed PREV: the signatures are not looked at
"$CTI" keygen -q -W -p k.pub -s k.key
cp r1.cti signed.cti && "$CTI" sign -q -s k.key signed.cti
expect 0 "a signed PREV" "$CTI" pack -o fromsigned.cti --base signed.cti $opts list1.txt
check "... gives the same bundle" cmp -s r1.cti fromsigned.cti

# ---------------------------------------------------------------- directories
mkdir rel
cp r1.cti rel/old.cti && touch -d @$((now - 7200)) rel/old.cti
cp r3.cti rel/new.cti && touch -d @$((now - 3600)) rel/new.cti
cp nobase.cti rel/.hidden.cti && touch -d @$now rel/.hidden.cti
echo hello >rel/notes.txt && touch -d @$now rel/notes.txt
cp nobase.cti rel/stale.cti.minisig && touch -d @$now rel/stale.cti.minisig
expect 0 "a directory of releases" "$CTI" pack -o d1.cti --base rel $opts list2.txt
check "... the most recently modified *.cti is PREV" cmp -s r3.cti d1.cti
touch -d @$((now - 3600)) rel/old.cti
cp r3.cti rel/a.cti && touch -d @$((now - 3600)) rel/a.cti
expect 0 "... of equal times, the greatest name" "$CTI" pack -o d2.cti --base rel/ $opts list1.txt
check "... (old.cti)" cmp -s r1.cti d2.cti
cp r1.cti rel/x.json.gz && touch -d @$((now - 60)) rel/x.json.gz
"$CTI" pack -q -o d3.cti --base rel $opts list2.txt
check "*.json.gz counts as a release" test "$(counts r1.cti d3.cti)" = "1 1 0 0 1 5"
mkdir empty
expect 0 "an empty directory: a first release" "$CTI" pack -o first.cti --base empty $opts list1.txt
check "... said in a warning" err_has "cti: pack: empty: no earlier release in it: packing a first one"
# a cti pull state: its last good copy, whatever else the directory holds
mkdir state && cp r3.cti state/bundle && printf 'etag\n' >state/validators && : >state/lock
cp r1.cti state/newer.cti
expect 0 "the state directory of cti pull" "$CTI" pack -o p1.cti --base state $opts list2.txt
check "... its bundle is PREV" cmp -s r3.cti p1.cti

# ---------------------------------------------------------------- errors
expect 2 "--revoke-missing without --base" "$CTI" pack --revoke-missing -o e.cti list1.txt
check "... says so" err_has "cti: pack: --revoke-missing goes with --base"
expect 2 "--base -" "$CTI" pack --base - -o e.cti list1.txt
check "... names what it wants" err_has "cti: pack: --base: bad value '-'; want a bundle file or a directory of releases, not standard input"
expect 4 "a missing PREV exits 4" "$CTI" pack --base nosuch.cti -o e.cti list1.txt
check "... naming it" err_has "cti: pack: nosuch.cti: No such file or directory"
printf '{"type":"bundle","objects":[{"type":"indicator","id":' >bad.json
expect 3 "a malformed PREV exits 3" "$CTI" pack --base bad.json -o e.cti list1.txt
check "... the message starts with base:" err_has "cti: pack: base: bad.json:"
head -c 300 r1.cti >trunc.cti
expect 3 "a truncated PREV exits 3" "$CTI" pack --base trunc.cti -o e.cti list1.txt
check "... the message starts with base:" err_has "cti: pack: base: trunc.cti"
check "no output is left after any of them" test ! -e e.cti
cp r1.cti flip.cti && printf 'X' | dd of=flip.cti bs=1 seek=200 conv=notrunc 2>/dev/null
expect 3 "a PREV with a flipped byte exits 3" "$CTI" pack --base flip.cti -o e.cti list1.txt
check "... and leaves no output" test ! -e e.cti

# ---------------------------------------------------------------- 100,000 lines
ipsum=$DATA/ipsum-2026-08-22.txt
if [ -f "$ipsum" ]; then
	grep -v '^#' "$ipsum" | head -n 100000 >big1.txt
	# one description changed (the count after the address), one line
	# gone, one new
	awk 'NR == 500 { $2 = $2 + 1 } NR == 70000 { next } { print $1 "\t" $2 }' big1.txt >big2.txt
	echo "192.0.2.250	1" >>big2.txt
	chg=$(sed -n 500p big1.txt | cut -f1) gone=$(sed -n 70000p big1.txt | cut -f1)
	SOURCE_DATE_EPOCH=$then "$CTI" pack -o b1.cti big1.txt
	expect 0 "100,000 lines, a minute later, without SOURCE_DATE_EPOCH" "$CTI" pack -o b2.cti --base b1.cti big1.txt
	expect 0 "... cti diff exits 0" "$CTI" diff b1.cti b2.cti
	check "... the very same file" cmp -s b1.cti b2.cti
	expect 0 "one changed, one gone, one new" "$CTI" pack -o b3.cti --base b1.cti big2.txt
	"$CTI" diff --json b1.cti b3.cti >b3.json
	check "... exactly 1 added, 1 removed, 1 modified (newer)" test "$(jq -c '[(.added | map(.name)), (.removed | map(.name)), (.modified | map([.name, .kind]))]' b3.json)" = \
		"[[\"192.0.2.250\"],[\"$gone\"],[[\"$chg\",\"newer\"]]]"
	check "... 99,998 unchanged" test "$(jq .unchanged b3.json)" = 99998
	raw b1.cti | grep -v -e "\"name\":\"$chg\"" -e "\"name\":\"$gone\"" >big.want
	check "... the unchanged ones are b1's bytes" holds big.want b3.cti 99998
	expect 0 "... with --revoke-missing" "$CTI" pack -o b4.cti --base b1.cti --revoke-missing big2.txt
	"$CTI" diff --json b1.cti b4.cti >b4.json
	check "... exactly 1 added, 1 revoked, 1 modified" test "$(jq -c '[(.added | map(.name)), (.revoked | map(.name)), (.modified | map(.name)), (.removed | length)]' b4.json)" = \
		"[[\"192.0.2.250\"],[\"$gone\"],[\"$chg\"],0]"
	# new lines in the middle, and the list in another order: objects
	# whose id the release has not come to yet wait for it
	awk 'NR == 30000 { $2 = $2 + 1 } NR % 20000 == 0 { print "192.0.2." NR / 20000 "\tnew" }
	     NR == 60000 { next } { print $1 "\t" $2 }' big1.txt >big5.txt
	chg=$(sed -n 30000p big1.txt | cut -f1) gone=$(sed -n 60000p big1.txt | cut -f1)
	expect 0 "new lines in the middle" "$CTI" pack -o b5.cti --base b1.cti big5.txt
	"$CTI" diff --json b1.cti b5.cti >b5.json
	check "... exactly 5 added, 1 removed, 1 modified" test "$(jq -c '[(.added | map(.name) | sort), (.removed | map(.name)), (.modified | map(.name))]' b5.json)" = \
		"[[\"192.0.2.1\",\"192.0.2.2\",\"192.0.2.3\",\"192.0.2.4\",\"192.0.2.5\"],[\"$gone\"],[\"$chg\"]]"
	raw b1.cti | grep -v -e "\"name\":\"$chg\"" -e "\"name\":\"$gone\"" >big5.want
	check "... the unchanged ones are b1's bytes" holds big5.want b5.cti 99998
	SOURCE_DATE_EPOCH=$now "$CTI" pack -o b5a.cti --base b1.cti big5.txt
	SOURCE_DATE_EPOCH=$now "$CTI" pack -o b5b.cti --base b1.cti big5.txt
	check "... the same inputs give the same bytes" cmp -s b5a.cti b5b.cti
	sort -t . -k 4n big1.txt >big6.txt
	expect 0 "the list in another order" "$CTI" pack -o b6.cti --base b1.cti big6.txt
	expect 0 "... no difference" "$CTI" diff b1.cti b6.cti
	raw b1.cti >big6.want
	check "... every object b1's bytes" holds big6.want b6.cti 100000
else
	skip "100,000 lines: $ipsum missing"
fi

done_testing
