#!/bin/sh
# tests/bench/taxii-push.sh - cti push of a signed bundle of 100,000
# objects to a collection of the TAXII 2.1 test server
# (tests/servers/taxii.py over TLS, a CA made here; max_content_length 1
# MiB, statuses complete at once). The server does the most work (Flask
# parses each envelope), so the figure is objects per second end to end,
# with cti's peak RSS (target <= 32 MB).
. "$(dirname "$0")/lib.sh"

bench_need taxii-push openssl
if ! /usr/bin/python3 -c 'import flask' 2>/dev/null; then
	echo "taxii-push: python3-flask missing (sh tests/setup.sh --test); skipped"
	exit 0
fi
n=$(scale 100000)
json=$(gen_bundle "$n")
R=$BENCH_RUN
"$CTI" keygen -W -p "$R/k.pub" -s "$R/k.key" >/dev/null || exit 1
cp "$json" "$R/feed.json" || exit 1
"$CTI" sign --detached -s "$R/k.key" "$R/feed.json" || exit 1

D=$R/tls
bench_tls "$D"
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/python3 "$SRC/tests/servers/taxii.py" --port "$port" --quiet \
	--cert "$D/srv.pem" --key "$D/srv.key" >"$D/server.log" 2>&1 &
srv=$!
trap 'kill $srv 2>/dev/null; wait $srv 2>/dev/null; rm -rf "$BENCH_RUN"' EXIT
for _ in $(seq 200); do
	/usr/bin/python3 -c 'import socket, sys
s = socket.socket()
sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))))' "$port" && break
	sleep 0.05
done
U=taxii+https://127.0.0.1:$port/api1/collections/c011ec70-0000-4000-8000-00000000000

# two runs, each into an empty collection (Inbox, then Write only)
measure cti1 "$CTI" push -q --json --cacert "$D/ca.pem" -p "$R/k.pub" \
	"$R/feed.json" "${U}2/"
measure cti2 "$CTI" push -q --json --cacert "$D/ca.pem" -p "$R/k.pub" \
	"$R/feed.json" "${U}4/"
best cti 2
flag=$(awk -v m="$(mb "$cti_kb")" 'BEGIN { if (m > 32) print " OVER" }')
echo "taxii push ($n objects): $(rate "$n" "$cti_s") objects/s (best ${cti_s}s)," \
	"peak RSS $(mb "$cti_kb")MB (target <= 32MB)$flag"
bench_done
