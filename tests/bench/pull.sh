#!/bin/sh
# tests/bench/pull.sh - cti pull of a signed bundle file of about 1 GiB
# (the standard bundle packed with --level 0, so the gzip file is as large
# as its JSON; signed with a feed and seq) from a local nginx over HTTPS,
# against curl -so FILE of the same URL, interleaved, best of three. Each
# cti run starts with an empty state, so it downloads, verifies (hashing
# while receiving) and installs: the state's copy alone, with --keep-gzip
# (-o gets the signed gzip) and with the JSON (-o gets it inflated from
# the verified copy). The time of cti verify on the local file shows what
# hashing alone costs.
# Targets: at most 1.2x curl's wall time, peak RSS at most 32 MB.
. "$(dirname "$0")/lib.sh"

bench_need pull nginx openssl curl
n=$(scale 2500000)
json=$(gen_bundle "$n")
packed=$BENCH_TMP/pull-$n.cti
cached "$packed" "$CTI" pack --level 0 "$json"
R=$BENCH_RUN
D=$R/nginx
bench_nginx "$D"
"$CTI" keygen -W -p "$R/k.pub" -s "$R/k.key" >/dev/null || exit 1
mkdir -p "$D/www/pub" && cp "$packed" "$D/www/pub/feed.cti" || exit 1
"$CTI" sign -q -s "$R/k.key" --feed bench --seq 1 "$D/www/pub/feed.cti" || exit 1
size=$(wc -c <"$D/www/pub/feed.cti")
F=$NGINX_URL/pub/feed.cti
CA=$D/ca.pem
cat "$D/www/pub/feed.cti" >/dev/null	# every run starts from the page cache

# each run starts with nothing of the others left to write back (sync)
clean() { rm -rf "$R/st" "$R/curl.cti" "$R/out.cti" "$R/out.json"; sync; }
for i in 1 2 3; do
	clean
	measure curl$i curl -sS -f --cacert "$CA" -o "$R/curl.cti" "$F"
	clean
	measure state$i "$CTI" pull -q --cacert "$CA" -p "$R/k.pub" --state "$R/st" "$F"
	clean
	measure gz$i "$CTI" pull -q --cacert "$CA" -p "$R/k.pub" --state "$R/st" \
		--keep-gzip -o "$R/out.cti" "$F"
	clean
	measure json$i "$CTI" pull -q --cacert "$CA" -p "$R/k.pub" --state "$R/st" \
		-o "$R/out.json" "$F"
	clean
	measure hash$i "$CTI" verify -q -p "$R/k.pub" "$D/www/pub/feed.cti"
done
best curl 3
best state 3
best gz 3
best json 3
best hash 3
for l in state gz json; do
	eval "_s=\$${l}_s _kb=\$${l}_kb"
	r=$(ratio "$_s" "$curl_s")
	flag=$(awk -v r="$r" -v m="$(mb "$_kb")" 'BEGIN { if (r > 1.2 || m > 32) print " OVER" }')
	case $l in
	state) what="the state's copy" ;;
	gz) what="--keep-gzip -o" ;;
	json) what="JSON -o" ;;
	esac
	echo "pull $(awk -v s="$size" 'BEGIN { printf "%.0fMB", s / 1048576 }') ($n objects, $what):" \
		"cti ${_s}s $(mb "$_kb")MB, curl -so ${curl_s}s $(mb "$curl_kb")MB," \
		"ratio ${r}x (target <= 1.2x, <= 32MB)$flag"
done
# what a verified pull cannot avoid: every byte hashed (BLAKE2b-512), here
# on the cores that also run nginx and TLS
note pull "hashing the same file alone (cti verify of the local copy)" \
	"${hash_s}s, $(ratio "$hash_s" "$curl_s")x curl's time"
bench_done
