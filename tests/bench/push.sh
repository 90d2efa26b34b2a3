#!/bin/sh
# tests/bench/push.sh - cti push against curl -T of the same signed bundle
# (plain JSON, about 1 GiB, with its .minisig) to a local nginx over HTTPS
# (tests/servers/nginx-conf.sh, a CA made here), interleaved, best of two.
# cti checks the signature and reads every object for the TLP gate before
# it sends; curl only sends. Targets: at most 1.2x curl's wall time, peak
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

for i in 1 2; do
	measure curl$i curl -sS -f --cacert "$D/ca.pem" -T "$R/feed.json" "$U/curl.json"
	measure cti$i "$CTI" push -q --cacert "$D/ca.pem" -p "$R/k.pub" "$R/feed.json" "$U/"
	rm -f "$D/www/pub/curl.json" "$D/www/pub/feed.json"
done
best curl 2
best cti 2
r=$(ratio "$cti_s" "$curl_s")
flag=$(awk -v r="$r" -v m="$(mb "$cti_kb")" 'BEGIN { if (r > 1.2 || m > 32) print " OVER" }')
echo "push $(awk -v s="$size" 'BEGIN { printf "%.0fMB", s / 1048576 }') ($n objects): cti ${cti_s}s $(mb "$cti_kb")MB," \
	"curl -T ${curl_s}s $(mb "$curl_kb")MB, ratio ${r}x (target <= 1.2x, <= 32MB)$flag"
bench_done
