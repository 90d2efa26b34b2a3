#!/bin/sh
# tests/bench/push.sh - cti push against curl -T of the same signed bundle
# (plain JSON, about 1 GiB, with its .minisig) to a local nginx over HTTPS
# (tests/servers/nginx-conf.sh, a CA made here), interleaved, best of two.
# cti checks the signature and reads every object for the TLP gate before
# it sends; curl only sends. Targets: at most 1.2x curl's wall time, peak
# RSS at most 32 MB.
. "$(dirname "$0")/lib.sh"

for t in nginx openssl curl; do
	if ! command -v $t >/dev/null 2>&1 && [ ! -x /usr/sbin/$t ]; then
		echo "push: $t missing (sh tests/setup.sh --test); skipped"
		exit 0
	fi
done
n=$(scale 2500000)
json=$(gen_bundle "$n")
R=$BENCH_RUN
"$CTI" keygen -W -p "$R/k.pub" -s "$R/k.key" >/dev/null || exit 1
cp "$json" "$R/feed.json" || exit 1
"$CTI" sign --detached -s "$R/k.key" "$R/feed.json" || exit 1
size=$(wc -c <"$R/feed.json")

# nginx over TLS on a free port, stopped by pid at exit
D=$R/nginx
mkdir -p "$D"
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'subjectAltName=IP:127.0.0.1\n' >"$D/ext"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$D/ca.key" -out "$D/ca.pem" -days 1 -subj /CN=bench-ca 2>/dev/null &&
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$D/srv.key" -out "$D/srv.csr" -subj /CN=127.0.0.1 2>/dev/null &&
openssl x509 -req -in "$D/srv.csr" -CA "$D/ca.pem" -CAkey "$D/ca.key" \
	-CAcreateserial -out "$D/srv.pem" -days 1 -extfile "$D/ext" 2>/dev/null &&
sh "$SRC/tests/servers/nginx-conf.sh" "$D" "$port" || exit 1
ng=$(command -v nginx || echo /usr/sbin/nginx)
"$ng" -p "$D" -c "$D/nginx.conf" -e "$D/error.log" >"$D/out" 2>&1 &
ngpid=$!
trap 'kill $ngpid 2>/dev/null; wait $ngpid 2>/dev/null; rm -rf "$BENCH_RUN"' EXIT
for _ in $(seq 100); do
	curl -s -o /dev/null --cacert "$D/ca.pem" "https://127.0.0.1:$port/" && break
	sleep 0.05
done
U=https://127.0.0.1:$port/pub
cat "$R/feed.json" >/dev/null	# both start from the page cache

for i in 1 2; do
	measure curl$i curl -sS -f --cacert "$D/ca.pem" -T "$R/feed.json" "$U/curl.json"
	measure cti$i "$CTI" push -q --cacert "$D/ca.pem" -p "$R/k.pub" "$R/feed.json" "$U/"
	rm -f "$D/www/pub/curl.json" "$D/www/pub/feed.json"
done
for l in curl cti; do
	eval "_a=\$${l}1_s _b=\$${l}2_s _ka=\$${l}1_kb _kb=\$${l}2_kb"
	if awk -v a="$_a" -v b="$_b" 'BEGIN { exit !(a <= b) }'; then
		eval "${l}_s=$_a"
	else
		eval "${l}_s=$_b"
	fi
	eval "${l}_kb=$(( _ka > _kb ? _ka : _kb ))"
done
r=$(ratio "$cti_s" "$curl_s")
flag=$(awk -v r="$r" -v m="$(mb "$cti_kb")" 'BEGIN { if (r > 1.2 || m > 32) print " OVER" }')
echo "push $(awk -v s="$size" 'BEGIN { printf "%.0fMB", s / 1048576 }') ($n objects): cti ${cti_s}s $(mb "$cti_kb")MB," \
	"curl -T ${curl_s}s $(mb "$curl_kb")MB, ratio ${r}x (target <= 1.2x, <= 32MB)$flag"
bench_done
