#!/bin/sh
# tests/demo.sh - `make demo`: the main job on the shipped samples.
# An analyst packs a pasted indicator list and a STIX bundle, signs the
# result, the receiving side verifies it before reading it, and compares two
# releases of a feed. Every command is printed, quoted as a shell reads
# it, before it runs in $O/demo, where the samples are copied: with cti on
# PATH, each can be pasted into a shell there.
set -eu
: "${CTI:?}" "${O:?}"
SRC=$(cd "$(dirname "$0")/.." && pwd)
S=$SRC/tests/data/demo
W=$O/demo
rm -rf "$W"
mkdir -p "$W"
cp "$S"/iocs.txt "$S"/ics-attack-18.0-sample.json \
	"$S"/ics-attack-18.1-sample.json "$W/"
cd "$W"

# one word as the shell must be given it
quote() {
	case $1 in
	'' | *[!A-Za-z0-9_./:=@%+,-]*)
		printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
	*) printf '%s' "$1" ;;
	esac
}

# run CMD ARG...: print it (cti for the binary under test), run it
run() {
	printf '\n$ cti'
	shift
	for a in "$@"; do
		printf ' '
		quote "$a"
	done
	printf '\n'
	"$CTI" "$@"
}

# pipe 'CMD | ...': a pipeline, printed as written
pipe() {
	printf '\n$ %s\n' "$1"
	sh -c "$(printf '%s' "$1" | sed "s|^cti |\"$CTI\" |")"
}

run "$CTI" pack -v -o iocs.cti --producer "Example CERT" --tlp green \
	--label malicious-activity iocs.txt
run "$CTI" show iocs.cti
# the bundle is plain gzip'd STIX: any tool reads it (jq, if installed)
if command -v jq >/dev/null; then
	pipe "gzip -dc iocs.cti | jq -c '.objects[] | select(.type == \"indicator\") | .pattern'"
else
	pipe "gzip -dc iocs.cti | head -c 600; echo"
fi
run "$CTI" pack -o attack.cti ics-attack-18.1-sample.json
run "$CTI" show attack.cti

# the producer signs; the key is unencrypted here only so the demo needs no
# passphrase (use a passphrase for real keys)
run "$CTI" keygen -W -p producer.pub -s producer.key -c "Example CERT"
run "$CTI" sign -s producer.key --feed example-iocs --seq 1 --expires 7d iocs.cti
run "$CTI" show iocs.cti
# the receiver checks it before a single byte is parsed
run "$CTI" verify -p producer.pub --feed example-iocs --state state -o iocs.json iocs.cti
run "$CTI" show iocs.json

# carried on removable media (a directory stands in for the stick): push
# writes it atomically, pull on the other side verifies it into its own
# copy; the second pull finds nothing new and says nothing
pipe "mkdir -p usb"
run "$CTI" push -v -p producer.pub iocs.cti usb/
run "$CTI" pull -v -p producer.pub --state pull-state -o pulled.json usb/iocs.cti
run "$CTI" pull --json -p producer.pub --state pull-state -o pulled.json usb/iocs.cti
cmp -s iocs.json pulled.json || { echo "demo: the pulled JSON differs" >&2; exit 1; }

# what changed between two releases of a feed
set +e
run "$CTI" diff --stat ics-attack-18.0-sample.json ics-attack-18.1-sample.json
st=$?
set -e
[ "$st" -eq 1 ] || { echo "demo: diff should report differences (exit 1), got $st" >&2; exit 1; }
echo
echo "demo: done; files in $W"
