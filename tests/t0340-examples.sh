#!/bin/bash
# t0340-examples: the commands that the README's "Air-gapped transfer"
# walkthrough and the EXAMPLES of cti-keygen(1), cti-sign(1) and
# cti-verify(1) show run as written, in order, each with exit status 0,
# taken from the files themselves so that they cannot drift from the tool.
# Only what a reader's machine has and a test's has not is provided: the
# files the examples start from, a passphrase file for the prompts, and
# the USB stick (/media/usb is a directory of the test).
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

mkdir bin && ln -s "$CTI" bin/cti
export PATH="$T/bin:$PATH"
printf 'correct horse battery staple\n' >"$T/pass"
export CTI_PASSPHRASE_FILE="$T/pass"
have_minisign=0
command -v minisign >/dev/null 2>&1 && have_minisign=1

# readme_cmds: the "$ " lines of the README's Air-gapped transfer section,
# a line ending in a backslash continued on the next.
readme_cmds() {
	awk '/^Air-gapped transfer$/ { on = 1; next }
	     /^What changed between releases$/ { exit }
	     on && /^    \$ / { c = substr($0, 7); cont = (c ~ /\\$/)
		if (!cont) { print c; next } sub(/\\$/, "", c); buf = c; next }
	     on && cont { l = $0; sub(/^ +/, " ", l); cont = (l ~ /\\$/)
		sub(/\\$/, "", l); buf = buf l; if (!cont) print buf }' \
		"$SRC/README"
}

# run_all NAME LIST: run each command of LIST (one per line) in the current
# directory; the output of the last is in $T/out.
run_all() {
	_name=$1 _n=0
	while IFS= read -r _c; do
		_n=$((_n + 1))
		case $_c in
		*minisign*) [ "$have_minisign" = 1 ] || { skip "$_name: $_c (no minisign)"; continue; } ;;
		esac
		expect 0 "$_name: $_c" sh -c "$_c"
	done <<EOF
$2
EOF
	check "$_name: has examples ($_n)" [ "$_n" -gt 0 ]
}

# --- README: the air-gapped walkthrough, as a new user follows it
mkdir readme readme/home usb && cd readme || exit 2
cat >iocs.txt <<'EOF'
# seen in the 2026-11 campaign
198.51.100.7    scanner
evil-update[.]example.com
hxxps://cdn.example.net/payload.exe
44d88612fea8a8f36de82e1278abb02f
EOF
# the co-signer has a key pair of their own
cti keygen -q -W -c CERT-YY -p cert-yy.pub -s cert-yy.key
cmds=$(readme_cmds | sed "s|/media/usb|$T/usb|g")
check "README: the walkthrough has its steps" [ "$(printf '%s\n' "$cmds" | wc -l)" -ge 9 ]
cfg=$XDG_CONFIG_HOME state=$XDG_STATE_HOME
unset XDG_CONFIG_HOME XDG_STATE_HOME
HOME="$T/readme/home" run_all README "$cmds"
check "README: two signers for the feed, as shown" sh -c "
	grep -q 'usb/feed.cti: good embedded signature by cert-xx (key ' '$T/out' &&
	grep -q 'usb/feed.cti: good embedded signature by cert-yy (key ' '$T/out'"
check "README: the TLP of what was accepted" grep -qx "$T/usb/feed.cti: payload TLP:AMBER" "$T/out"
check "README: the bundle JSON was written" sh -c "gzip -dc '$T/usb/feed.cti' | cmp -s - feed.json"
check "README: the key pair went to ~/.config/cti" test -s home/.config/cti/cti.key
check "README: the replay state to ~/.local/state/cti" test -d home/.local/state/cti/accepted/cert-xx
cd "$T" || exit 2

# --- cti-keygen(1)
mkdir keygen keygen/home && cd keygen || exit 2
printf '{}' | gzip -n >bundle.cti
HOME="$T/keygen/home" run_all cti-keygen.1 "$(man_examples cti-keygen.1)"
check "cti-keygen.1: the key pair went to ~/.config/cti" test -s home/.config/cti/cti.key
check "cti-keygen.1: the public key printed is a key" cti show cert-xy-feed.pub
export XDG_CONFIG_HOME="$cfg" XDG_STATE_HOME="$state"
cd "$T" || exit 2

# --- cti-sign(1)
mkdir sign && cd sign || exit 2
cp ../readme/iocs.txt .
cti keygen -q -W -c cert-xy -p cert-xy.pub -s cert-xy.key
cti keygen -q -W -c cert-zz -p cert-zz.pub -s cert-zz.key
run_all cti-sign.1 "$(man_examples cti-sign.1)"
cti verify -q --json -p cert-xy.pub -p cert-zz.pub --threshold 2 --feed cert-xy --state st iocs.cti >v.json 2>&1
check "cti-sign.1: the co-signed file passes verify --feed --threshold 2" grep -q '"verified":true' v.json
cd "$T" || exit 2

# --- cti-verify(1)
mkdir verify verify/keys && cd verify || exit 2
cp ../readme/iocs.txt .
cti keygen -q -W -c cert-xy -p cert-xy.pub -s cert-xy.key
cti keygen -q -W -c a -p keys/a.pub -s a.key
cti keygen -q -W -c b -p keys/b.pub -s b.key
cti pack -o iocs.cti iocs.txt
cti sign -q -s cert-xy.key --feed cert-xy --seq 42 iocs.cti
cti pack -o eu-feed.cti iocs.txt
cti sign -q -s a.key --feed eu-feed --seq 1 eu-feed.cti
cti sign -q -s b.key eu-feed.cti
cti pack -o report.cti iocs.txt
[ "$have_minisign" = 1 ] && minisign -G -W -p my.pub -s my.key >/dev/null
run_all cti-verify.1 "$(man_examples cti-verify.1)"
check "cti-verify.1: the sync job wrote the bundle JSON" sh -c 'gzip -dc eu-feed.cti | cmp -s - eu-feed.json'
cd "$T" || exit 2

done_testing
