#!/bin/sh
# tests/bench/push.sh - cti push against curl -T of the same signed bundle
# (plain JSON, about 1 GiB, with its .minisig) to a local nginx over HTTPS
# (tests/servers/nginx-conf.sh, a CA made here), interleaved, best of three.
# cti checks the signature and the TLP markings before it sends; curl only
# sends. The parts (sending alone, checking alone) are measured too. Targets: at most 1.2x curl's wall time, peak
# RSS at most 32 MB.
. "$(dirname "$0")/lib.sh"

bench_need push nginx openssl curl
n=$(scale 2500000)
json=$(gen_bundle "$n")
R=$BENCH_RUN
"$CTI" keygen -W -p "$R/k.pub" -s "$R/k.key" >/dev/null || exit 1
cp "$json" "$R/feed.json" || exit 1
"$CTI" sign --detached -s "$R/k.key" "$R/feed.json" || exit 1
size=$(wc -c <"$R/feed.json")

D=$R/nginx
bench_nginx "$D"
U=$NGINX_URL/pub
cat "$R/feed.json" >/dev/null	# both start from the page cache

# each run starts with nothing of the others left to write back (sync)
clean() { rm -f "$D/www/pub/curl.json" "$D/www/pub/feed.json" "$D/www/pub/feed.json.minisig"; sync; }
for i in 1 2 3; do
	clean
	measure curl$i curl -sS -f --cacert "$D/ca.pem" -T "$R/feed.json" "$U/curl.json"
	clean
	measure cti$i "$CTI" push -q --cacert "$D/ca.pem" -p "$R/k.pub" "$R/feed.json" "$U/"
	clean
	measure send$i "$CTI" push -q --cacert "$D/ca.pem" --allow-unsigned --max-tlp red \
		"$R/feed.json" "$U/"
	clean
	measure check$i "$CTI" verify -q -p "$R/k.pub" "$R/feed.json"
done
best curl 3
best cti 3
best send 3
best check 3
r=$(ratio "$cti_s" "$curl_s")
flag=$(awk -v r="$r" -v m="$(mb "$cti_kb")" 'BEGIN { if (r > 1.2 || m > 32) print " OVER" }')
echo "push $(awk -v s="$size" 'BEGIN { printf "%.0fMB", s / 1048576 }') ($n objects): cti ${cti_s}s $(mb "$cti_kb")MB," \
	"curl -T ${curl_s}s $(mb "$curl_kb")MB, ratio ${r}x (target <= 1.2x, <= 32MB)$flag"
# the parts: nothing may leave before the signature is checked, so a push
# takes at least the check (hashing every byte) and then the sending
note push "sending alone (--allow-unsigned --max-tlp red) ${send_s}s," \
	"$(ratio "$send_s" "$curl_s")x curl; checking alone (cti verify) ${check_s}s;" \
	"their sum $(awk -v a="$send_s" -v b="$check_s" -v c="$curl_s" 'BEGIN { printf "%.2fx", (a + b) / c }') curl"
bench_done
