#!/bin/sh
# tests/bench/taxii.sh - cti pull of a TAXII 2.1 collection of 100,000
# objects in pages of 1,000 from the test server (tests/servers/taxii.py,
# over TLS on loopback), against curl fetching the same pages in a loop
# (one curl per page, by added_after, each page to a file), interleaved,
# best of two. Each cti run starts with an empty state, so it pages
# through everything, writes the bundle file and installs it. Targets: at
# most 1.5x curl's wall time, peak RSS at most 32 MB.
. "$(dirname "$0")/lib.sh"

bench_need taxii openssl curl
if ! /usr/bin/python3 -c 'import flask' 2>/dev/null; then
	note taxii "skipped: no python3-flask (sh tests/setup.sh --test)"
	exit 0
fi
n=$(scale 100000)
page=1000
R=$BENCH_RUN
D=$R/taxii
bench_tls "$D"
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/python3 "$SRC/tests/servers/taxii.py" --port "$port" --quiet \
	--cert "$D/srv.pem" --key "$D/srv.key" --generate "$n" \
	--limit-cap "$page" --expire-next 600 >"$D/log" 2>&1 &
spid=$!
trap 'kill $spid 2>/dev/null; wait $spid 2>/dev/null; rm -rf "$BENCH_RUN"' EXIT
URL=https://127.0.0.1:$port
C=$URL/api1/collections/c011ec70-0000-4000-8000-000000000001
A='Accept: application/taxii+json;version=2.1'
for _ in $(seq 600); do
	curl -s -o /dev/null --cacert "$D/ca.pem" -H "$A" "$URL/api1/" && break
	sleep 0.1
done

# the curl loop: page k starts after the k * page-th object (the server's
# seed objects are added one microsecond apart from its --start)
cat >"$R/curl.sh" <<EOS
k=0
while [ \$k -lt $n ]; do
	after=\$(printf '2020-01-01T00:00:00.%06dZ' \$k)
	curl -sS -f --cacert "$D/ca.pem" -H "$A" -o "$R/page.\$k" \
		"$C/objects/?limit=$page&added_after=\$after" || exit 1
	k=\$((k + $page))
done
EOS

for i in 1 2; do
	measure curl$i sh "$R/curl.sh"
	rm -f "$R"/page.*
	measure cti$i "$CTI" pull -q --cacert "$D/ca.pem" --state "$R/st" \
		--limit "$page" -o "$R/out.json" "taxii+$C/"
	[ "$i" = 1 ] && note taxii "$(jq ".objects | length" "$R/out.json") objects in the bundle"
	rm -rf "$R/st" "$R/out.json"
done
best curl 2
best cti 2
r=$(ratio "$cti_s" "$curl_s")
flag=$(awk -v r="$r" -v m="$(mb "$cti_kb")" 'BEGIN { if (r > 1.5 || m > 32) print " OVER" }')
echo "taxii pull ($n objects, pages of $page): cti ${cti_s}s $(mb "$cti_kb")MB," \
	"curl loop ${curl_s}s, ratio ${r}x (target <= 1.5x, <= 32MB)$flag"
note taxii "$(rate "$n" "$cti_s") objects/s pulled"
bench_done
