#!/bin/bash
# cti pack: terminal input, spreadsheet and report input, counts, quiet and
# verbose, progress, and the bundles it must not write (I-JSON, limits,
# STIX 2.0 in any member order).
. "$(dirname "$0")/lib.sh"
export SOURCE_DATE_EPOCH=1767225600 # 2026-01-01T00:00:00Z

objs() { gzip -dc "$1" | jq -c "$2"; }
# the bundle is JSON that Python reads too, and cti reads again
reads_back() {
	gzip -dc "$1" | $PY -m json.tool >/dev/null && "$CTI" show "$1" >/dev/null
}

# ---- A6: one Ctrl-D ends input typed at a terminal
expect 0 "a list typed at a terminal ends with one Ctrl-D" env \
	LINES_TYPED="198.51.100.7|evil.example.com" \
	$PY "$SRC/tests/onterm.py" type "$CTI" pack -o "$T/tty.cti"
check "... and is packed" [ "$(objs "$T/tty.cti" '[.objects[].name]')" = '["198.51.100.7","evil.example.com"]' ]
expect 0 "a CSV typed at a terminal ends with one Ctrl-D" env \
	LINES_TYPED="value;description|198.51.100.7;typed" \
	$PY "$SRC/tests/onterm.py" type "$CTI" pack -o "$T/tty.cti"
check "... and is packed" [ "$(objs "$T/tty.cti" '[.objects[].description]')" = '["typed"]' ]
expect 0 "STIX typed at a terminal ends with one Ctrl-D" env \
	LINES_TYPED='{"type":"x","id":"x--1"}' \
	$PY "$SRC/tests/onterm.py" type "$CTI" pack -o "$T/tty.cti"
check "... and is packed" [ "$(objs "$T/tty.cti" '[.objects[].id]')" = '["x--1"]' ]

# ---- A7: spreadsheets
printf 'Indicator;Type;Description;Confidence\r\nevil.example.com;domain;"c2; seen twice";80\r\n198.51.100.7;ipv4;scanner, port 22;+50\r\n' >"$T/de.csv"
expect 0 "a ';' table is detected" "$CTI" pack --json -o "$T/de.cti" "$T/de.csv"
check "... two indicators" [ "$(jq -c '[.read, .indicators, .skipped]' "$T/out")" = '[2,2,0]' ]
check "... with their cells" [ "$(objs "$T/de.cti" '[.objects[] | [.name, .description, .confidence]]')" = '[["evil.example.com","c2; seen twice",80],["198.51.100.7","scanner, port 22",50]]' ]
printf 'value\tdescription\n198.51.100.8\tfrom a, b and c\n' >"$T/tab.tsv"
expect 0 "a tab-separated table is detected" "$CTI" pack -o "$T/tab.cti" "$T/tab.tsv"
check "... its description kept whole" [ "$(objs "$T/tab.cti" '[.objects[] | .description]')" = '["from a, b and c"]' ]
printf 'value;tags\n198.51.100.9;a,b\n' >"$T/semi.csv"
expect 0 "--delimiter forces the separator" "$CTI" pack --delimiter ';' -o "$T/semi.cti" "$T/semi.csv"
check "... (labels split on ',' only in the cell)" [ "$(objs "$T/semi.cti" '.objects[0].labels')" = '["a,b"]' ]
expect 3 "--delimiter ',' on a ';' table: no value column" "$CTI" pack --delimiter , -o "$T/x.cti" "$T/semi.csv"
check "... the header is listed" [ "$(cat "$T/err")" = "cti: pack: $T/semi.csv:1: no value column (value, indicator or ioc) in the header: 'value;tags'; name the value column with --column" ]
expect 0 "--delimiter tab" "$CTI" pack --delimiter tab -o "$T/x.cti" "$T/tab.tsv"
expect 2 "--delimiter of another character" "$CTI" pack --delimiter : -o "$T/x.cti" "$T/semi.csv"
check "... names the ones allowed" [ "$(cat "$T/err")" = "cti: pack: --delimiter: bad value ':'; want ',', ';', '|' or tab" ]

printf 'Address;Port;Seen\n198.51.100.7;443;2026-11-02\n203.0.113.9;8080;2026-11-03\n' >"$T/nocol.csv"
expect 3 "a table without a value column is an error" "$CTI" pack -o "$T/x.cti" "$T/nocol.csv"
check "... listing the header and suggesting --column" [ "$(cat "$T/err")" = "cti: pack: $T/nocol.csv:1: no value column (value, indicator or ioc) in the header: 'Address', 'Port', 'Seen'; name the value column with --column" ]
check "... not a line skipped per row" [ "$(wc -l <"$T/err")" = 1 ]
expect 0 "... --column names it" "$CTI" pack --column address -o "$T/x.cti" "$T/nocol.csv"
expect 3 "--column names one that is not there" "$CTI" pack --column ip -o "$T/x.cti" "$T/nocol.csv"
check "... said without the advice" [ "$(cat "$T/err")" = "cti: pack: $T/nocol.csv:1: no column 'ip' in the header: 'Address', 'Port', 'Seen'" ]

printf 'value,first_seen\n198.51.100.7,2026-11-02\n198.51.100.8,2026-11-02T10:00:00.250+01:00\n198.51.100.9,\n' >"$T/fs.csv"
expect 0 "first_seen takes a date and RFC 3339" "$CTI" pack -o "$T/fs.cti" "$T/fs.csv"
check "... a date is its midnight UTC" [ "$(objs "$T/fs.cti" '[.objects[].valid_from]')" = '["2026-11-02T00:00:00.000Z","2026-11-02T09:00:00.250Z","2026-01-01T00:00:00.000Z"]' ]
printf 'value,first_seen\n198.51.100.7,02/11/2026\n' >"$T/fs2.csv"
expect 3 "a first_seen that is neither" "$CTI" pack -o "$T/x.cti" "$T/fs2.csv"
check "... names the formats wanted" [ "$(cat "$T/err")" = "cti: pack: $T/fs2.csv:2: bad first_seen '02/11/2026': want a date (2026-11-02) or an RFC 3339 time (2026-11-02T10:00:00Z)" ]

printf 'value,type\n198.51.100.7,IP\n198.51.100.8,ipv4\nevil.example.com,IPv4\n' >"$T/types.csv"
expect 0 "an unknown type is reported, the row skipped" "$CTI" pack --json -o "$T/x.cti" "$T/types.csv"
known="known: ipv4, ipv6, ipv4-cidr, ipv6-cidr, domain, url, email, md5, sha1, sha256, sha512, and ipv4-addr, ipv6-addr, domain-name, hostname, email-addr, sha-1, sha-256, sha-512"
check "... as unknown, with the names known" [ "$(sed -n 1p "$T/err")" = "cti: pack: $T/types.csv:2: unknown type, skipped: 'IP'; $known" ]
check "... a value of another type as such" [ "$(sed -n 2p "$T/err")" = "cti: pack: $T/types.csv:4: not of type ipv4, skipped: 'evil.example.com'" ]
check "... one indicator, two skipped" [ "$(jq -c '[.indicators, .skipped]' "$T/out")" = '[1,2]' ]
expect 3 "... fatal with --strict" "$CTI" pack --strict -o "$T/x.cti" "$T/types.csv"
check "... naming the place" [ "$(cat "$T/err")" = "cti: pack: $T/types.csv:2: unknown type: 'IP'; $known" ]
# every name the message and cti-pack(1) list, with a value of its type
e3=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
while read -r t v; do
	printf 'value,type\n%s,%s\n' "$v" "$t" | "$CTI" pack -q -o "$T/t.cti" - 2>"$T/err"
	check "type $t is known" [ "$(objs "$T/t.cti" '.objects | length')" = 1 ]
done <<X
ipv4 198.51.100.7
ipv6 2001:db8::1
ipv4-cidr 192.0.2.0/24
ipv6-cidr 2001:db8::/32
domain evil.example.com
url http://evil.example.com/x
email a@example.com
md5 d41d8cd98f00b204e9800998ecf8427e
sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709
sha256 $e3
sha512 $e3$e3
ipv4-addr 198.51.100.7
ipv6-addr 2001:db8::1
domain-name evil.example.com
hostname evil.example.com
email-addr a@example.com
sha-1 da39a3ee5e6b4b0d3255bfef95601890afd80709
sha-256 $e3
sha-512 $e3$e3
X
check "... the names listed are those tried" [ "$(echo "${known#known: }" | sed 's/, and /, /' | tr -d ,)" = "ipv4 ipv6 ipv4-cidr ipv6-cidr domain url email md5 sha1 sha256 sha512 ipv4-addr ipv6-addr domain-name hostname email-addr sha-1 sha-256 sha-512" ]
printf 'value,type\n198.51.100.7,IP\n' >"$T/types2.csv"
expect 3 "a table whose every row is skipped is an error" "$CTI" pack -o "$T/x.cti" "$T/types2.csv"
check "... saying so" [ "$(tail -n 1 "$T/err")" = "cti: pack: $T/types2.csv: no indicators found in 1 rows" ]

# ---- B3: confidence cells are numbers, written as numbers
printf 'value,confidence\n198.51.100.1,+50\n198.51.100.2,007\n198.51.100.3,"50\n"\n198.51.100.4, 0 \n198.51.100.5,100\n' >"$T/conf.csv"
expect 0 "confidence +50, 007, a quoted one with a newline" "$CTI" pack -o "$T/conf.cti" "$T/conf.csv"
check "... written as the numbers they are" [ "$(objs "$T/conf.cti" '[.objects[].confidence]')" = '[50,7,50,0,100]' ]
check "... in canonical form in the bytes" sh -c "gzip -dc '$T/conf.cti' | grep -o '\"confidence\":[^,}]*' | tr '\n' ' ' | grep -qx '\"confidence\":50 \"confidence\":7 \"confidence\":50 \"confidence\":0 \"confidence\":100 '"
check "... JSON that Python and cti read" reads_back "$T/conf.cti"
for v in 101 -1 50.5 1e2 0x10 '"5 0"' abc '"+"'; do
	printf 'value,confidence\n198.51.100.1,%s\n' "$v" >"$T/c.csv"
	expect 3 "confidence $v is refused" "$CTI" pack -o "$T/x.cti" "$T/c.csv"
	check "... naming FILE:LINE" err_has "cti: pack: $T/c.csv:2: confidence '"
done

# ---- A7: report-style lines
cat >"$T/report.txt" <<'X'
Indicators of compromise:
- evil.example.com
* 198.51.100.7:8443 cobalt strike
• [2001:db8::7]:443
1. SHA256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
2) IP address: 203.0.113.5
X
expect 0 "report lines: bullets, labels, ports" "$CTI" pack --json -o "$T/r.cti" "$T/report.txt"
check "... every value" [ "$(objs "$T/r.cti" '[.objects[].name]')" = '["evil.example.com","198.51.100.7","2001:db8::7","e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","203.0.113.5"]' ]
check "... the port kept in the description" [ "$(objs "$T/r.cti" '[.objects[] | .description]')" = '[null,"port 8443, cobalt strike","port 443",null,null]' ]
check "... the heading line skipped" [ "$(cat "$T/err")" = "cti: pack: $T/report.txt:1: not an indicator, skipped: 'Indicators'" ]

# ---- non-ASCII in warnings is shown as UTF-8, control characters are not
printf 'Медведь-сервер c2\n198.51.100.7\nbad\033[2Jvalue\n' >"$T/utf8.txt"
expect 0 "a list with Cyrillic and an escape sequence" "$CTI" pack -o "$T/x.cti" "$T/utf8.txt"
check "... Cyrillic shown as UTF-8" [ "$(sed -n 1p "$T/err")" = "cti: pack: $T/utf8.txt:1: not an indicator, skipped: 'Медведь-сервер'" ]
check "... the escape character shown as '?'" [ "$(sed -n 2p "$T/err")" = "cti: pack: $T/utf8.txt:3: not an indicator, skipped: 'bad?[2Jvalue'" ]
$PY -c 'import sys; sys.stdout.write("é" * 100 + "\n198.51.100.7\n")' >"$T/long.txt"
"$CTI" pack -o "$T/x.cti" "$T/long.txt" 2>"$T/err"
check "a long value is cut on a character boundary" [ "$(cat "$T/err")" = "cti: pack: $T/long.txt:1: not an indicator, skipped: '$($PY -c 'print("é" * 32, end="")')...'" ]

# ---- A8, A9: counts that mean what they say; -q and -v
"$CTI" pack -o "$T/in.cti" "$SRC/tests/data/pack/unicode.json" 2>/dev/null
printf '198.51.100.7\n198.51.100.7\nnothing\n' >"$T/small.txt"
expect 0 "pack -v of a list, a bundle, a producer and a marking" "$CTI" pack -v \
	--producer CERT-XX --tlp green -o "$T/v.cti" "$T/small.txt" "$T/in.cti"
check "... counts each kind apart" [ "$(tail -n 1 "$T/err")" = "cti: pack: 5 read: 1 indicators created, 2 objects passed through, 2 added (identity, marking), 1 skipped, 1 duplicate" ]
check "... and they add up to the bundle" [ "$(objs "$T/v.cti" '.objects | length')" = 5 ]
expect 0 "pack --json of the same" "$CTI" pack --json --producer CERT-XX --tlp green -o "$T/v.cti" "$T/small.txt" "$T/in.cti"
check "... the same counts" [ "$(cat "$T/out")" = '{"read":5,"written":5,"indicators":1,"passed":2,"added":2,"skipped":1,"duplicate":1}' ]
expect 0 "pack -q" "$CTI" pack -q -o "$T/v.cti" "$T/small.txt"
check "... prints nothing, not even the line skipped" [ ! -s "$T/err" ] && [ ! -s "$T/out" ]
expect 2 "-q and an unknown option" "$CTI" pack -q --bogus "$T/small.txt"
check "... still reports the usage error" err_has "unknown option '--bogus'"

# ---- A10: TLP names as people write them
for l in white WHITE TLP:CLEAR tlp:white; do
	echo 198.51.100.7 | "$CTI" pack --tlp "$l" -o "$T/tlp.cti" -
	check "--tlp $l is TLP:CLEAR" [ "$(objs "$T/tlp.cti" '.objects[0].name')" = '"TLP:CLEAR"' ]
done
echo 198.51.100.7 | "$CTI" pack --tlp TLP:Amber+Strict -o "$T/tlp.cti" -
check "--tlp TLP:Amber+Strict" [ "$(objs "$T/tlp.cti" '.objects[0].name')" = '"TLP:AMBER+STRICT"' ]
expect 2 "--valid-for past the year 9999" "$CTI" pack --valid-for 500000w -o "$T/x.cti" "$T/small.txt"
check "... says what is wanted" err_has "cti: pack: --valid-for: bad value '500000w'; want a duration such as 90s, 12h, 30d or 2w, ending before the year 10000"

# ---- A14: a progress line on a terminal, none elsewhere
yes '198.51.100.7 scanner' | head -n 60000 >"$T/slow.txt"
expect 0 "pack with stderr on a terminal" env SLOW_STDIN="$T/slow.txt" \
	$PY "$SRC/tests/onterm.py" stderr "$CTI" pack -o "$T/p.cti" -
check "... draws a progress line" grep -q 'cti: pack: reading: [0-9.]* [kM]B' "$T/out"
check "... and erases it" grep -q "$(printf '\r\033\\[K')" "$T/out"
expect 0 "pack -q with stderr on a terminal" env SLOW_STDIN="$T/slow.txt" \
	$PY "$SRC/tests/onterm.py" stderr "$CTI" pack -q -o "$T/p.cti" -
check "... draws none" [ ! -s "$T/out" ]
yes 198.51.100.7 | head -n 300000 >"$T/big.txt"
expect 0 "pack with stderr not a terminal" "$CTI" pack -o "$T/p.cti" "$T/big.txt"
check "... no progress line" [ ! -s "$T/err" ]

# ---- B4: I-JSON: duplicate member names and numbers beyond a double
printf '{"type":"bundle","objects":[{"type":"x","id":"x--1"}],"objects":[{"type":"x","id":"x--2"}]}' >"$T/dupobj.json"
expect 3 "a bundle with two \"objects\"" "$CTI" pack -o "$T/x.cti" "$T/dupobj.json"
check "... is refused, naming the place" [ "$(cat "$T/err")" = "cti: pack: $T/dupobj.json:1:55: duplicate member name \"objects\"" ]
expect 3 "... and cti show refuses it too" "$CTI" show "$T/dupobj.json"
printf '[{"type":"x","id":"x--1","id":"x--2"}]' >"$T/dupid.json"
expect 3 "an object with two \"id\"" "$CTI" pack -o "$T/x.cti" "$T/dupid.json"
check "... is refused, naming the place" [ "$(cat "$T/err")" = "cti: pack: $T/dupid.json:1:26: duplicate member name \"id\"" ]
printf '[{"type":"x","id":"x--1","n":1e999999999}]' >"$T/huge.json"
expect 3 "a number beyond a double" "$CTI" pack -o "$T/x.cti" "$T/huge.json"
check "... is refused, naming the place" [ "$(cat "$T/err")" = "cti: pack: $T/huge.json:1:30: number out of range (beyond a double)" ]
expect 3 "... as diff refuses it" "$CTI" diff "$T/huge.json" "$T/huge.json"
printf '[{"type":"x","id":"x--1","n":1.7976931348623157e308,"m":-0.1e-999999}]' >"$T/edge.json"
expect 0 "the largest double and an underflow pass" "$CTI" pack -o "$T/edge.cti" "$T/edge.json"
expect 0 "... and diff reads what pack wrote" "$CTI" diff "$T/edge.json" "$T/edge.cti"

# ---- B5: nothing pack writes is refused when read again
rm -f "$T/x.cti"
deep() { # DEPTH: a single object whose member nests DEPTH arrays deep
	$PY -c 'import sys; d = int(sys.argv[1]); print("{\"type\":\"x\",\"id\":\"x--1\",\"a\":" + "[" * d + "]" * d + "}")' "$1"
}
deep 97 >"$T/d97.json"
expect 0 "an object nested to the limit in the bundle is packed" "$CTI" pack -o "$T/d97.cti" "$T/d97.json"
expect 0 "... and read again" "$CTI" show "$T/d97.cti"
for d in 98 99 100; do
	deep $d >"$T/d.json"
	expect 3 "an object $d deep (over the limit once in a bundle) is refused" "$CTI" pack -o "$T/x.cti" "$T/d.json"
	check "... as nested too deep" err_has "nesting deeper than the limit of 100"
	jq -c . "$T/d.json" >"$T/d.jsonl"
	expect 3 "... in JSON Lines too" "$CTI" pack -o "$T/x.cti" "$T/d.jsonl"
done
check "no bundle left behind" [ ! -e "$T/x.cti" ]
# a STIX 2.0 object that fits 16 MiB only without its spec_version
big20() { # LENGTH: a 2.0 bundle whose one object is LENGTH bytes minified
	$PY -c 'import sys
n = int(sys.argv[1])
head = "{\"type\":\"note\",\"id\":\"note--1\",\"created\":\"2016-01-01T00:00:00Z\",\"content\":\""
sys.stdout.write("{\"type\":\"bundle\",\"spec_version\":\"2.0\",\"objects\":[" + head + "a" * (n - len(head) - 2) + "\"}]}")' "$1"
}
big20 $((16 * 1048576 - 21)) >"$T/b20.json"
expect 0 "a 2.0 object that fits 16 MiB with its spec_version" "$CTI" pack -o "$T/b20.cti" "$T/b20.json"
check "... is read again" "$CTI" show --objects "$T/b20.cti" >/dev/null
check "... 16 MiB exactly" [ "$(objs "$T/b20.cti" '.objects[0] | tojson | length')" = $((16 * 1048576)) ]
big20 $((16 * 1048576 - 20)) >"$T/b20.json"
expect 3 "one byte more is refused" "$CTI" pack -o "$T/x.cti" "$T/b20.json"
check "... saying why" [ "$(cat "$T/err")" = "cti: pack: $T/b20.json:1: object note--1: larger than the limit of 16 MiB once marked \"spec_version\":\"2.0\"" ]
rm -f "$T/b20.json" "$T/b20.cti"

# ---- C1: STIX 2.0 whatever the member order
cat >"$T/first.json" <<'X'
{"type":"bundle","id":"bundle--1","spec_version":"2.0","objects":[
{"type":"indicator","id":"indicator--11111111-1111-4111-8111-111111111111","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","labels":["malicious-activity"],"pattern":"[file:name = 'x']","valid_from":"2016-01-01T00:00:00Z"},
{"type":"marking-definition","id":"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","definition":{"tlp":"white"}}]}
X
jq -c '{objects, type, id, spec_version}' "$T/first.json" >"$T/last.json"
jq -c '.objects' "$T/first.json" >"$T/array.json"
expect 0 "a 2.0 bundle, spec_version before its objects" "$CTI" pack -o "$T/first.cti" "$T/first.json"
expect 0 "... spec_version after them" "$CTI" pack -o "$T/last.cti" "$T/last.json"
expect 0 "... its objects alone in an array" "$CTI" pack -o "$T/array.cti" "$T/array.json"
check "every object is marked 2.0, first" [ "$(objs "$T/last.cti" '[.objects[] | keys_unsorted[0] + "=" + .spec_version]')" = '["spec_version=2.0","spec_version=2.0"]' ]
check "the order of the bundle's members makes no difference" cmp -s "$T/first.cti" "$T/last.cti"
check "... nor a bundle at all" cmp -s "$T/first.cti" "$T/array.cti"
printf '[{"type":"ipv4-addr","id":"ipv4-addr--1","value":"198.51.100.7"},{"type":"x-foo","id":"x-foo--1"},{"type":"indicator","id":"indicator--2","spec_version":"2.1","created":"2020-01-01T00:00:00Z"}]' >"$T/21.json"
expect 0 "observables, objects without created and 2.1 objects" "$CTI" pack -o "$T/21.cti" "$T/21.json"
check "... are left as they are" [ "$(objs "$T/21.cti" '[.objects[].spec_version]')" = '[null,null,"2.1"]' ]

# ---- C3: same id and modified, other content
printf '[{"type":"x","id":"x--1","modified":"2020-01-01T00:00:00Z","v":1},\n{"type":"x","id":"x--1","modified":"2020-01-01T00:00:00Z","v":2},\n{"type":"x","id":"x--1","modified":"2020-01-01T00:00:00Z","v":1}]' >"$T/twice.json"
expect 0 "two copies of an object that differ" "$CTI" pack --json -o "$T/twice.cti" "$T/twice.json"
check "... the first is kept" [ "$(objs "$T/twice.cti" '[.objects[].v]')" = '[1]' ]
check "... the other reported with its id, the same copy not" [ "$(cat "$T/err")" = "cti: pack: $T/twice.json:2: x--1: a copy with the same \"modified\" but other content was read before; the first is kept" ]
check "... both counted as duplicates" [ "$(jq .duplicate "$T/out")" = 2 ]

# ---- C4: a bundle without objects is an empty bundle
printf '{"type":"bundle","id":"bundle--44444444-4444-4444-8444-444444444444","spec_version":"2.0"}' >"$T/noobj.json"
expect 0 "a bundle without \"objects\"" "$CTI" pack --json -o "$T/noobj.cti" "$T/noobj.json"
check "... is an empty bundle" [ "$(objs "$T/noobj.cti" '.objects')" = '[]' ]
check "... nothing read" [ "$(jq -c '[.read, .written]' "$T/out")" = '[0,0]' ]

# ---- C5: broken JSON is reported as JSON
printf '<{"type":"bundle","objects":[]}\nline two\nline three\n' >"$T/lt.json"
expect 3 "a file starting '<{'" "$CTI" pack -o "$T/x.cti" "$T/lt.json"
check "... reports the JSON error, nothing else" [ "$(cat "$T/err")" = "cti: pack: $T/lt.json:1:1: not JSON: unexpected '<', expected an object or array" ]
printf '{ this is not JSON\nline two\n' >"$T/brace.json"
expect 3 "a file starting '{' and garbage" "$CTI" pack -o "$T/x.cti" "$T/brace.json"
check "... reports the JSON error, nothing else" [ "$(cat "$T/err")" = "cti: pack: $T/brace.json:1:3: unexpected 't', expected a member name" ]
printf '[2001:db8::1]:443\n' >"$T/v6.txt"
expect 0 "a list starting with [IPv6]:port is still a list" "$CTI" pack -o "$T/x.cti" "$T/v6.txt"
done_testing
