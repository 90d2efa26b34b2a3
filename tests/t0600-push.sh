#!/bin/sh
# t0600-push: cti push to a directory - the checks made before anything
# leaves (signature, TLP gate), the atomic write and the .minisig beside
# it, standard input, output modes, usage errors.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

printf '198.51.100.7\nevil.example.com\n' >iocs.txt
"$CTI" keygen -W -p alice.pub -s alice.key >/dev/null 2>&1
"$CTI" keygen -W -p mallory.pub -s mallory.key >/dev/null 2>&1
for l in clear green amber amber+strict red; do
	"$CTI" pack --tlp $l -o $l.gz iocs.txt && "$CTI" sign -s alice.key $l.gz
done
"$CTI" pack -o unsigned.gz iocs.txt
mkdir stick

# --- the happy path
expect 0 "push a signed bundle to a directory" \
	"$CTI" push -p alice.pub green.gz stick
check "the file arrived byte for byte" cmp -s green.gz stick/green.gz
check "nothing else is left in the directory" \
	test "$(ls -A stick)" = green.gz
check "default output is silent" test ! -s "$T/out" -a ! -s "$T/err"
expect 0 "push again replaces it" "$CTI" push -p alice.pub green.gz stick
expect 0 "--name picks the name at the destination" \
	"$CTI" push -p alice.pub --name feed.gz green.gz stick
check "stick/feed.gz arrived" cmp -s green.gz stick/feed.gz
mkdir ring && cp alice.pub ring/
expect 0 "a keyring directory (-k)" "$CTI" push -k ring green.gz stick
expect 0 "the default keyring ($XDG_CONFIG_HOME/cti/trusted)" sh -c \
	'mkdir -p "$XDG_CONFIG_HOME/cti/trusted" && cp alice.pub "$XDG_CONFIG_HOME/cti/trusted/" && "$CTI" push clear.gz stick'
rm -rf "$XDG_CONFIG_HOME/cti/trusted"
mkdir -p "$XDG_CONFIG_HOME/cti" && cp alice.pub "$XDG_CONFIG_HOME/cti/cti.pub"
expect 0 "the sender's own key ($XDG_CONFIG_HOME/cti/cti.pub) by default" \
	"$CTI" push clear.gz stick
cp unsigned.gz mallory.gz && "$CTI" sign -q -s mallory.key mallory.gz
expect 1 "... and nothing else" "$CTI" push mallory.gz stick
check "... which is named" err_has "unknown key"
rm -f "$XDG_CONFIG_HOME/cti/cti.pub"

# --- signature checks: exit 1, nothing written
expect 1 "an unsigned bundle is refused" "$CTI" push -p alice.pub unsigned.gz stick
check "the refusal names the file" err_has "unsigned.gz: no signature"
check "nothing written" test ! -e stick/unsigned.gz
expect 1 "signed by another key: refused" "$CTI" push -p mallory.pub green.gz stick
check "untrusted named" err_has "green.gz"
cp green.gz tampered.gz
printf 'x' | dd of=tampered.gz bs=1 seek=300 conv=notrunc 2>/dev/null
expect 1 "a tampered bundle is refused" "$CTI" push -p alice.pub tampered.gz stick
check "nothing written for it" test ! -e stick/tampered.gz
head -c 200 green.gz >truncated.gz
expect 1 "a truncated bundle is refused" "$CTI" push -p alice.pub truncated.gz stick
expect 0 "--allow-unsigned sends an unsigned bundle" \
	"$CTI" push --allow-unsigned unsigned.gz stick
check "it arrived" cmp -s unsigned.gz stick/unsigned.gz
expect 2 "no key and no --allow-unsigned is a usage error" \
	"$CTI" push unsigned.gz stick
check "the usage error says what to give" err_has "--allow-unsigned"

# --- detached signature goes along
"$CTI" pack -o det.gz iocs.txt
"$CTI" sign --detached -s alice.key det.gz
expect 0 "a detached-signed bundle" "$CTI" push -p alice.pub det.gz stick
check "det.gz arrived" cmp -s det.gz stick/det.gz
check "det.gz.minisig arrived beside it" cmp -s det.gz.minisig stick/det.gz.minisig
check "minisign accepts the pair at the destination" sh -c \
	'! command -v minisign >/dev/null || minisign -Vqm stick/det.gz -p alice.pub'
rm det.gz.minisig
expect 1 "without its .minisig it is unsigned" "$CTI" push -p alice.pub det.gz stick

# --- the TLP gate: exit 1 naming the object and its marking
expect 1 "TLP:RED is refused by default" "$CTI" push -p alice.pub red.gz stick
check "the refusal names the object" sh -c \
	"grep -q 'red.gz: indicator--[0-9a-f-]* is marked TLP:RED (marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1), above the ceiling TLP:AMBER+STRICT' '$T/err'"
check "nothing written for it" test ! -e stick/red.gz
expect 0 "amber+strict passes the default ceiling" \
	"$CTI" push -p alice.pub amber+strict.gz stick
expect 1 "--max-tlp green refuses amber" \
	"$CTI" push --max-tlp green -p alice.pub amber.gz stick
check "TLP:AMBER named" err_has "is marked TLP:AMBER ("
expect 0 "--max-tlp green passes clear" \
	"$CTI" push --max-tlp green -p alice.pub clear.gz stick
expect 0 "--max-tlp red sends TLP:RED" "$CTI" push --max-tlp red -p alice.pub red.gz stick
expect 2 "a bad --max-tlp" "$CTI" push --max-tlp purple -p alice.pub red.gz stick

# granular markings, TLP 1.0 markings and a bundle's own TLP definition
gran='{"type":"indicator","spec_version":"2.1","id":"indicator--11111111-1111-4111-8111-111111111111","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '"'"'192.0.2.1'"'"']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","granular_markings":[{"marking_ref":"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1","selectors":["pattern"]}]}'
tlp1='{"type":"indicator","spec_version":"2.1","id":"indicator--22222222-2222-4222-8222-222222222222","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '"'"'192.0.2.2'"'"']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","object_marking_refs":["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"]}'
own='{"type":"indicator","spec_version":"2.1","id":"indicator--33333333-3333-4333-8333-333333333333","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '"'"'192.0.2.3'"'"']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","object_marking_refs":["marking-definition--44444444-4444-4444-8444-444444444444"]}'
owndef='{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--44444444-4444-4444-8444-444444444444","created":"2024-01-01T00:00:00.000Z","definition_type":"tlp","definition":{"tlp":"red"}}'
esc='{"type":"indicator","spec_version":"2.1","id":"indicator--55555555-5555-4555-8555-555555555555","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '"'"'192.0.2.5'"'"']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","object_\u006darking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]}'
for case in gran tlp1 own esc; do
	eval "obj=\$$case"
	if [ $case = own ]; then objs="$obj,$owndef"; else objs=$obj; fi
	printf '{"type":"bundle","id":"bundle--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa","objects":[%s]}' "$objs" |
		gzip -n >$case.gz
	"$CTI" sign -s alice.key $case.gz
	expect 1 "TLP gate: $case refused" "$CTI" push -p alice.pub $case.gz stick
	check "TLP gate: $case: the object is named" err_has "is marked TLP:RED"
done
# the gate reads a verified file as written, an unsigned one through the
# validating reader: both find the same markings, however laid out
for case in gran tlp1 own esc; do
	gzip -dc $case.gz | jq . | gzip -n >pretty-$case.gz
	"$CTI" sign -s alice.key pretty-$case.gz
	expect 1 "TLP gate, pretty-printed: $case refused" "$CTI" push -p alice.pub pretty-$case.gz stick
	check "TLP gate, pretty-printed: $case: the object is named" err_has "is marked TLP:RED"
	gzip -dc $case.gz | gzip -n >plain-$case.gz
	expect 1 "TLP gate, unsigned: $case refused" "$CTI" push --allow-unsigned plain-$case.gz stick
	check "TLP gate, unsigned: $case: the object is named" err_has "is marked TLP:RED"
done
check "nothing of them reached the stick" sh -c '! ls stick | grep -q -e pretty- -e plain-'
expect 1 "granular marking names its object" "$CTI" push -p alice.pub gran.gz stick
check "indicator--1111... named" err_has "gran.gz: indicator--11111111-1111-4111-8111-111111111111 is marked TLP:RED"
expect 1 "a marking defined after its use is still seen" "$CTI" push -p alice.pub own.gz stick
check "indicator--3333... named" err_has "indicator--33333333-3333-4333-8333-333333333333 is marked TLP:RED (marking-definition--44444444"
expect 0 "--max-tlp red lets them all through" sh -c \
	'for f in gran tlp1 own esc; do "$CTI" push --max-tlp red -p alice.pub $f.gz stick || exit 1; done'

# the gate first searches the text (a plain file while its signature is
# checked): what the search cannot decide, the objects decide
ind='{"type":"indicator","spec_version":"2.1","id":"indicator--66666666-6666-4666-8666-666666666666","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '"'"'192.0.2.6'"'"']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"'
RED=marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1
GREEN=marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb
reddef='{"type":"marking-definition","spec_version":"2.1","id":"'$RED'","created":"2022-10-01T00:00:00.000Z","name":"TLP:RED","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"red"}}}'
bundle() {
	printf '{"type":"bundle","id":"bundle--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa","objects":[%s]}' "$1" >"$2" &&
		"$CTI" sign -q --detached -s alice.key "$2"
}
bundle "$reddef,$ind"',"object_marking_refs":["'$GREEN'"]}' defs.json
expect 0 "TLP:RED defined but not used: sent" "$CTI" push -v -p alice.pub defs.json stick
check "found by the search of the text" err_has "defs.json: markings found by a search of the text"
check "the marking used is named" err_has "highest marking TLP:GREEN"
bundle "$ind"',"x_note":"'$RED'","object_marking_refs":["'$GREEN'"]}' note.json
expect 0 "the TLP:RED id as a property's value: sent" "$CTI" push -v -p alice.pub note.json stick
check "the objects decided" sh -c "! grep -q 'search of the text' '$T/err' && grep -q 'highest marking TLP:GREEN' '$T/err'"
bundle "$ind"',"object_marking_refs":["marking\u002ddefinition--e828b379-4e03-4974-9ac4-e53a884c97c1"]}' escref.json
expect 1 "a reference written with escapes is refused" "$CTI" push -p alice.pub escref.json stick
check "its object named" err_has "indicator--66666666-6666-4666-8666-666666666666 is marked TLP:RED"
# a reference and a definition across the 128 KiB the search reads at a
# time: the opening quote of the TLP:RED id at every offset around it
reddesc() { printf '{"type":"marking-definition","spec_version":"2.1","description":"%s","id":"%s","created":"2022-10-01T00:00:00.000Z","name":"TLP:RED","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"red"}}}' "$1" $RED; }
refdesc() { printf '%s,"description":"%s","object_marking_refs":["%s"]}' "$ind" "$1" "$2"; }
xs() { head -c "$1" /dev/zero | tr '\0' x; }
quote_at() { grep -b -o "\"$RED" "$1" | head -n 1 | cut -d: -f1; }
for at in 131000 131014 131015 131016 131040 131060 131070 131071 131072 131073; do
	bundle "$(refdesc "$(xs 1000)" $RED)" probe.json
	pad=$((1000 + at - $(quote_at probe.json)))
	bundle "$(refdesc "$(xs $pad)" $RED)" cut-ref-$at.json
	bundle "$(reddesc "$(xs 1000)"),$(refdesc x $GREEN)" probe.json
	pad=$((1000 + at - $(quote_at probe.json)))
	bundle "$(reddesc "$(xs $pad)"),$(refdesc x $GREEN)" cut-def-$at.json
	[ "$(quote_at cut-ref-$at.json)" = $at ] && [ "$(quote_at cut-def-$at.json)" = $at ] ||
		echo "not ok - the test's files: the id is not at $at"
done
expect 0 "at every offset: a reference is refused, a definition is not" sh -c '
	for f in cut-ref-*.json; do
		"$CTI" push -q -p alice.pub $f stick 2>err; [ $? -eq 1 ] && grep -q "is marked TLP:RED" err || { echo "$f"; exit 1; }
	done
	for f in cut-def-*.json; do
		"$CTI" push -v -p alice.pub $f stick 2>err && grep -q "search of the text" err && grep -q "highest marking TLP:GREEN" err || { echo "$f"; cat err; exit 1; }
	done'

# --- standard input: spooled, checked, then sent
expect 0 "FILE - with --name" sh -c '"$CTI" push -p alice.pub --name in.gz - stick <green.gz'
check "stick/in.gz is the input" cmp -s green.gz stick/in.gz
expect 2 "FILE - without --name" sh -c '"$CTI" push -p alice.pub - stick <green.gz'
expect 1 "an unsigned standard input is refused" sh -c \
	'"$CTI" push -p alice.pub --name u.gz - stick <unsigned.gz'
check "the message says standard input" err_has "standard input: no signature"
check "nothing written" test ! -e stick/u.gz
expect 1 "a TLP:RED standard input is refused" sh -c \
	'"$CTI" push -p alice.pub --name r.gz - stick <red.gz'
check "named as standard input" err_has "standard input: indicator--"

# --- output modes
expect 0 "-v says what was checked and where it went" \
	"$CTI" push -v -p alice.pub green.gz stick
check "-v: the signature" err_has "green.gz: good embedded signature by alice"
check "-v: the marking" err_has "highest marking TLP:GREEN, ceiling TLP:AMBER+STRICT"
check "-v: the destination" err_has "green.gz: sent to stick/green.gz (204, "
expect 0 "--json" "$CTI" push --json -p alice.pub green.gz stick
check "--json: one status line" sh -c "test \$(wc -l <'$T/out') -eq 1 && jq -e '.status == \"pushed\" and .http_status == 204 and .signers == 1 and .tlp == \"TLP:GREEN\" and .location == \"stick/green.gz\"' '$T/out' >/dev/null"
expect 1 "--json on failure" "$CTI" push --json -p alice.pub red.gz stick
check "--json: failed, exit and error" sh -c "jq -e '.status == \"failed\" and .exit == 1 and (.error | contains(\"TLP:RED\"))' '$T/out' >/dev/null"
expect 0 "-q is quiet" "$CTI" push -q -p alice.pub green.gz stick
check "-q: nothing on stderr or stdout" test ! -s "$T/out" -a ! -s "$T/err"

# --- destinations and usage
expect 4 "a directory that does not exist" "$CTI" push -p alice.pub green.gz nowhere/
expect 4 "a file that does not exist" "$CTI" push -p alice.pub none.gz stick
expect 2 "one argument" "$CTI" push -p alice.pub green.gz
expect 2 "three arguments" "$CTI" push -p alice.pub green.gz stick stick
expect 2 "an unknown scheme" "$CTI" push -p alice.pub green.gz ftp://example.org/x
expect 2 "s3:// is not there yet" "$CTI" push -p alice.pub green.gz s3://bucket/key
expect 2 "--method GET" "$CTI" push --method GET -p alice.pub green.gz stick
expect 2 "--password takes no value on the command line" \
	"$CTI" push --password secret -p alice.pub green.gz stick
expect 2 "a bad --retries" "$CTI" push --retries many -p alice.pub green.gz stick
expect 2 "a bad --timeout" "$CTI" push --timeout 5 -p alice.pub green.gz stick
expect 2 "a URL with a user and password" \
	"$CTI" push -p alice.pub green.gz https://user:pw@example.org/x
check "credentials in a URL are refused" err_has "credentials in a URL are refused"
check "and the password is not repeated" sh -c "! grep -q pw@ '$T/err'"

# a file DEST (not a directory) is written as that file
expect 0 "a file path as DEST" "$CTI" push -p alice.pub green.gz stick/other.gz
check "stick/other.gz arrived" cmp -s green.gz stick/other.gz

# --- a full disk: nothing partial left (a tiny tmpfs, root only)
awk 'BEGIN { for (i = 0; i < 4000; i++) printf "10.%d.%d.%d\n", i / 65536 % 256, i / 256 % 256, i % 256 }' >many.txt
"$CTI" pack --level 0 -o big.gz many.txt && "$CTI" sign -s alice.key big.gz
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
	mkdir small
	expect 4 "a full disk: exit 4" unshare -m sh -c \
		'mount -t tmpfs -o size=64k tmpfs small && cp green.gz small/big.gz && "$CTI" push -p alice.pub big.gz small; st=$?; ls -A small >listing; exit $st'
	check "the full disk is named" err_has "No space left on device"
	check "the old file stays, no temporary is left" test "$(cat listing)" = big.gz
else
	skip "a full disk needs root and unshare"
	skip "a full disk: no temporary left"
	skip "a full disk: old file kept"
fi

done_testing
