#!/bin/bash
# cti pack: bad input exits 3 naming the file and place, I/O trouble exits 4,
# usage errors exit 2, and a failed pack never leaves or damages a file.
. "$(dirname "$0")/lib.sh"
P=$SRC/tests/data/pack

# a good bundle already at the target must survive every failure below
"$CTI" pack -o "$T/good.cti" "$P/mixed.txt" 2>/dev/null
cp "$T/good.cti" "$T/good.orig"

fails() { # STATUS DESC MESSAGE-FRAGMENT INPUT...
	_st=$1 _d=$2 _m=$3
	shift 3
	expect "$_st" "$_d: exit $_st" "$CTI" pack -o "$T/good.cti" "$@"
	check "$_d: message names '$_m'" err_has "$_m"
	check "$_d: the existing bundle is untouched" cmp -s "$T/good.cti" "$T/good.orig"
	check "$_d: no temporary file left" [ -z "$(ls -A "$T" | grep cti-tmp)" ]
}

printf '{"type":"bundle","objects":[{"type":"indicator","id":"indicator--1' >"$T/trunc.json"
fails 3 "truncated JSON" "trunc.json:1:67: unterminated string" "$T/trunc.json"
head -c 3000 "$DATA/ics-attack-18.0.json" >"$T/trunc2.json" 2>/dev/null || printf '[{"a":' >"$T/trunc2.json"
fails 3 "truncated real bundle" "trunc2.json:" "$T/trunc2.json"
python3 -c 'print("{\"type\":\"bundle\",\"objects\":[{\"type\":\"x\",\"id\":\"x--1\",\"a\":" + "[" * 10000 + "]" * 10000 + "}]}")' >"$T/deep.json"
fails 3 "JSON nested 10,000 deep" "deep.json:1:154: nesting deeper than the limit of 100" "$T/deep.json"
python3 -c 'print("[" * 10000 + "]" * 10000)' >"$T/deep2.json"
fails 3 "top-level arrays nested 10,000 deep" "deep2.json:1:2: not a STIX object" "$T/deep2.json"
python3 -c 'import sys; sys.stdout.write("{\"type\":\"bundle\",\"objects\":[{\"type\":\"note\",\"id\":\"note--1\",\"content\":\"" + "A" * (100 << 20) + "\"}]}")' >"$T/big.json"
fails 3 "a 100 MB string" "big.json:1:16650241: object larger than the limit of 16 MiB" "$T/big.json"
printf '[{"type":"note","id":"note--1","content":"caf\xe9"}]' >"$T/latin1.json"
fails 3 "invalid UTF-8 in JSON" "latin1.json:1:46: invalid UTF-8 in string" "$T/latin1.json"
printf '[{"type":"note","id":"note--1","content":"\xed\xa0\x80"}]' >"$T/surrogate.json"
fails 3 "UTF-8 encoded surrogate" "surrogate.json:1:43: invalid UTF-8" "$T/surrogate.json"
printf '[{"type":"note","id":"note--1","content":"\\ud800x"}]' >"$T/lone.json"
fails 3 "lone surrogate escape" "lone.json:1:49: lone high surrogate" "$T/lone.json"
printf '198.51.100.1\nb\xc3\x28d.example.com\n' >"$T/latin1.txt"
fails 3 "invalid UTF-8 in a list" "latin1.txt:2:2: invalid UTF-8" "$T/latin1.txt"
printf '{"name": "not stix", "value": 3}\n' >"$T/notstix.json"
fails 3 "not-STIX JSON" "notstix.json:1: object 1 is not STIX: no \"type\" string" "$T/notstix.json"
printf '{"type":"bundle","objects":[1,2]}' >"$T/numbers.json"
fails 3 "bundle of numbers" "numbers.json:1:29: not a STIX object" "$T/numbers.json"
printf '[{"type":"x","id":"x--1"}] trailing' >"$T/trailing.json"
fails 3 "trailing data" "trailing.json:1:28: trailing data" "$T/trailing.json"
printf '[{"type":"x","id":"x--1",}]' >"$T/comma.json"
fails 3 "trailing comma" "comma.json:1:26: unexpected '}', expected a member name" "$T/comma.json"
head -c 4096 /dev/urandom >"$T/garbage.bin"
printf '\x00\x01\x02' >>"$T/garbage.bin"
fails 3 "binary garbage" "garbage.bin:" "$T/garbage.bin"
head -c 4096 /dev/urandom | gzip >"$T/garbage.gz"
fails 3 "gzip of garbage" "garbage.gz:" "$T/garbage.gz"
head -c 100 "$T/good.orig" >"$T/trunc.cti"
fails 3 "truncated gzip" "trunc.cti: truncated gzip data" "$T/trunc.cti"
: >"$T/empty.txt"
fails 3 "empty file" "empty.txt: empty input" "$T/empty.txt"
printf '\n\n# only comments\n' >"$T/comments.txt"
"$CTI" pack -o "$T/c.cti" "$T/comments.txt"
check "a list of only comments packs to an empty bundle" [ "$(gzip -dc "$T/c.cti" | jq '.objects | length')" = 0 ]
printf 'nothing\nto see\nhere\n' >"$T/prose.txt"
fails 3 "no indicator in a whole list" "prose.txt: no indicators found in 3 lines" "$T/prose.txt"
python3 -c 'print("a" * 70000)' >"$T/longline.txt"
fails 3 "a line over 64 KiB" "longline.txt:1: line longer than the limit of 64 KiB" "$T/longline.txt"
printf '198.51.100.1\nnot-an-ioc\n' >"$T/strict.txt"
fails 3 "--strict and a bad line" "strict.txt:2: not an indicator: 'not-an-ioc'" --strict "$T/strict.txt"
printf 'value,comment\n"198.51.100.1,x\n' >"$T/badquote.csv"
fails 3 "CSV with an open quote" "badquote.csv:2" "$T/badquote.csv"

# local I/O: exit 4
fails 4 "missing input" "nonexistent.txt: No such file or directory" "$T/nonexistent.txt"
fails 4 "a directory as input" "is a directory" "$T"
printf '198.51.100.1\n' >"$T/secret.txt"
chmod 000 "$T/secret.txt"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 777 "$T"
	expect 4 "unreadable file: exit 4" setpriv --reuid=65534 --regid=65534 --clear-groups "$CTI" pack -o "$T/x.cti" "$T/secret.txt"
else
	expect 4 "unreadable file: exit 4" "$CTI" pack -o "$T/x.cti" "$T/secret.txt"
fi
check "unreadable file: message says permission denied" err_has "secret.txt: Permission denied"
check "unreadable file: no output written" [ ! -e "$T/x.cti" ]
expect 4 "-o /dev/full: exit 4" "$CTI" pack -o /dev/full "$P/mixed.txt"
check "-o /dev/full: disk full reported" err_has "/dev/full: No space left on device"
check "-o /dev/full: the device is still a device" [ -c /dev/full ]
mkdir "$T/ro"
chmod 555 "$T/ro"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	expect 4 "unwritable directory: exit 4" setpriv --reuid=65534 --regid=65534 --clear-groups "$CTI" pack -o "$T/ro/x.cti" "$P/mixed.txt"
else
	expect 4 "unwritable directory: exit 4" "$CTI" pack -o "$T/ro/x.cti" "$P/mixed.txt"
fi
check "unwritable directory: message names it" err_has "ro/x.cti: Permission denied"
check "unwritable directory: nothing left in it" [ -z "$(ls -A "$T/ro")" ]
expect 4 "missing output directory: exit 4" "$CTI" pack -o "$T/no/such/x.cti" "$P/mixed.txt"

# usage: exit 2
expect 2 "unknown option" "$CTI" pack --frobnicate "$P/mixed.txt"
check "unknown option is named" err_has "unknown option '--frobnicate'"
check "usage follows the message" err_has "usage: cti pack"
expect 2 "bad --tlp value" "$CTI" pack --tlp purple -o "$T/x.cti" "$P/mixed.txt"
check "bad --tlp names the allowed values" err_has "cti: pack: --tlp: bad value 'purple'; want clear, green, amber, amber+strict or red"
check "without dumping the usage" sh -c "! grep -q '^usage:' '$T/err'"
expect 2 "--confidence over 100" "$CTI" pack --confidence 101 -o "$T/x.cti" "$P/mixed.txt"
expect 2 "--valid-for without a unit" "$CTI" pack --valid-for 30 -o "$T/x.cti" "$P/mixed.txt"
expect 2 "--from unknown" "$CTI" pack --from xml -o "$T/x.cti" "$P/mixed.txt"
expect 2 "-o without a value" "$CTI" pack -o
expect 2 "--json needs -o" "$CTI" pack --json "$P/mixed.txt"
check "no stray output files" [ ! -e "$T/x.cti" ]

# a closed pipe ends the command as it ends gzip and git: killed by
# SIGPIPE (141), no message; a full disk is a reported error (4)
"$CTI" pack --plain "$DATA/ipsum-2026-08-22.txt" 2>"$T/err" | head -c 10 >/dev/null
st=${PIPESTATUS[0]}
check "writing into a closed pipe: status 141, as gzip and git" [ "$st" = 141 ]
check "writing into a closed pipe: no message" [ ! -s "$T/err" ]
"$CTI" show --objects "$DATA/ics-attack-18.0.json" 2>"$T/err" | head -n 1 >/dev/null
st=${PIPESTATUS[0]}
check "show --objects | head -1: status 141" [ "$st" = 141 ]
check "show --objects | head -1: no message" [ ! -s "$T/err" ]
"$CTI" pack --plain -o /dev/full "$DATA/ipsum-2026-08-22.txt" 2>"$T/err"
check "a full disk is still reported (exit $?)" sh -c "[ $? = 4 ] && grep -q 'No space left' '$T/err'"
done_testing
