#!/bin/bash
# t0250-publish: the cron job of the README's "Publishing a feed from cron"
# runs as written, taken from the README itself: a first release into an
# empty directory, the same list an hour later (the same objects, the next
# seq), then a list with one line changed, one gone and one new (exactly
# those in the diff, the gone one revoked; the delta names producer and
# TLP; the older release is refused as a replay).
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

need_tools jq

# The section's "$ " commands, then its script block (indented lines that
# are not commands or their output), /srv taken inside $T.
section() {
	awk '{ l[NR] = $0 }
	     END { for (i = 1; i < NR; i++) {
			if (l[i] == "Publishing a feed from cron" && l[i + 1] ~ /^-+$/)
				on = i + 2
			else if (on && i > on && l[i + 1] ~ /^-+$/ && l[i] != "")
				break
			if (on && i >= on) print l[i]
		}
		if (on && i == NR) print l[NR] }' "$SRC/README" |
		sed "s|/srv/|$T/srv/|g"
}
setup=$(section | sed -n 's/^    \$ //p')
job=$(section | awk '/^    cti /, /^$/' | sed -e 's/^    //' -e '/^$/d')
check "README: a setup command" test -n "$setup"
check "README: the job packs with --base, signs with --seq auto and pushes" \
	sh -c 'printf "%s\n" "$1" | grep -q "^cti pack .*--base" &&
	       printf "%s\n" "$1" | grep -q "^cti sign .*--seq auto" &&
	       printf "%s\n" "$1" | grep -q "^cti push "' sh "$job"
printf '%s\n' "$job" >job.sh

mkdir bin home work && ln -s "$CTI" bin/cti && cd work || exit 2
export PATH="$T/bin:$PATH"
unset XDG_CONFIG_HOME XDG_STATE_HOME
export HOME=$T/home
printf 'correct horse battery staple\n' >"$T/pass"
export CTI_PASSPHRASE_FILE=$T/pass
"$CTI" keygen -q -c CERT-XX
cat >iocs.txt <<'EOF'
198.51.100.7	scanner
evil-update.example.com	c2
hxxps://cdn.example.net/payload.exe
44d88612fea8a8f36de82e1278abb02f
203.0.113.9
EOF
pub=$HOME/.config/cti/cti.pub
out=$T/srv/www/feeds/cert-xx/feed.cti

expect 0 "the setup, once" sh -c "$setup"
expect 0 "the job, a first release into an empty directory" sh ../job.sh
check "... is published" test -s "$out"
expect 0 "... it verifies" "$CTI" verify --json -p "$pub" -o /dev/null "$out"
check "... as release 1 of feed cert-xx" grep -q '"feed":"cert-xx".*"seq":1[,}]' "$T/out"
cp "$out" "$T/rel1.cti"

expect 0 "the job again, the list unchanged" sh ../job.sh
expect 0 "... the release has the same objects" "$CTI" diff "$T/rel1.cti" "$out"
check "... the very same bundle, but for the signature" \
	sh -c 'gzip -dc "$1" >a.json && gzip -dc "$2" >b.json && cmp -s a.json b.json' sh "$T/rel1.cti" "$out"
cp "$out" "$T/rel2.cti"

sed -e 's/	scanner/	scanner and c2/' -e '/203.0.113.9/d' iocs.txt >next && mv next iocs.txt
echo 192.0.2.44 >>iocs.txt
expect 0 "the job with one line changed, one gone, one new" sh ../job.sh
"$CTI" diff --json "$T/rel2.cti" "$out" >diff.json
check "... exactly 1 added, 1 revoked, 1 modified" test \
	"$(jq -c '[.added, .removed, .revoked, .modified | map(.name)]' diff.json)" = \
	'[["192.0.2.44"],[],["203.0.113.9"],["198.51.100.7"]]'
expect 1 "... its delta" "$CTI" diff --bundle -o delta.cti "$T/rel2.cti" "$out"
expect 0 "... shown" "$CTI" show delta.cti
check "... names its producer" out_has "producers:   CERT-XX"
check "... and TLP" out_has "markings:    TLP:GREEN"
expect 0 "a receiver accepts the releases in order" sh -c \
	'"$1" verify -q -p "$2" --feed cert-xx --state st -o /dev/null "$3" &&
	 "$1" verify -q -p "$2" --feed cert-xx --state st -o /dev/null "$4"' sh "$CTI" "$pub" "$T/rel1.cti" "$out"
expect 1 "... and refuses the older one after the newer" \
	"$CTI" verify -q -p "$pub" --feed cert-xx --state st -o /dev/null "$T/rel2.cti"

done_testing
