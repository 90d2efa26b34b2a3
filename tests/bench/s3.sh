#!/bin/sh
# tests/bench/s3.sh - cti push and cti pull of a signed bundle file of
# about 1 GiB (the standard bundle packed with --level 0, signed with a
# feed and seq) to and from S3, against Debian's `aws s3 cp` both ways:
# the S3 emulator (s3rver) behind tests/servers/s3front.py, which checks
# every request's Signature V4 and streams bodies, on loopback over TLS
# (a CA made here); interleaved, best of three. cti checks the signature
# and the TLP markings before it sends, and verifies while it receives
# (each pull starts with an empty state); aws only moves bytes (in parts
# of 8 MiB, ten at a time). Both go through the same front, the bottleneck
# of this machine, so the ratios say more than the times.
# Targets: at most 1.2x aws's wall time, cti's peak RSS at most 32 MB.
. "$(dirname "$0")/lib.sh"

bench_need s3 node openssl /usr/bin/aws
s3rver=$SRC/tests/servers/s3/node_modules/s3rver/bin/s3rver.js
if [ ! -f "$s3rver" ]; then
	echo "s3: no s3rver (sh tests/setup.sh --test); skipped"
	exit 0
fi
n=$(scale 2500000)
json=$(gen_bundle "$n")
packed=$BENCH_TMP/pull-$n.cti
cached "$packed" "$CTI" pack --level 0 "$json"
R=$BENCH_RUN
"$CTI" keygen -W -p "$R/k.pub" -s "$R/k.key" >/dev/null || exit 1
cp "$packed" "$R/feed.cti" || exit 1
"$CTI" sign -q -s "$R/k.key" --feed bench --seq 1 "$R/feed.cti" || exit 1
size=$(wc -c <"$R/feed.cti")

# the emulator behind the front, both on free loopback ports, stopped by
# pid at exit
D=$R/s3
mkdir -p "$D/data" && bench_tls "$D"
port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
bp=$(port) fp=$(port)
KEY_ID=AKIABENCH$(od -An -tx1 -N 6 /dev/urandom | tr -d ' \n' | tr a-f A-F)
SECRET=$(head -c 30 /dev/urandom | base64)
(umask 077 && echo "$KEY_ID $SECRET" >"$D/credentials")
node "$s3rver" -d "$D/data" -a 127.0.0.1 -p "$bp" --no-vhost-buckets -s \
	>"$D/s3rver.log" 2>&1 &
p1=$!
/usr/bin/python3 "$SRC/tests/servers/s3front.py" serve --port "$fp" \
	--cert "$D/srv.pem" --key "$D/srv.key" --backend "$bp" \
	--credentials "$D/credentials" --log "$D/requests.jsonl" \
	>"$D/front.log" 2>&1 &
p2=$!
trap 'kill $p1 $p2 2>/dev/null; wait $p1 $p2 2>/dev/null; rm -rf "$BENCH_RUN"' EXIT
EP=https://127.0.0.1:$fp
CA=$D/ca.pem
# the keys in the environment, not in argv; aws with path-style addressing
export AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$SECRET
export AWS_CONFIG_FILE=$R/awsconfig AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_CA_BUNDLE=$CA HOME=$R
printf '[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n' >"$AWS_CONFIG_FILE"
# (a script, for /usr/bin/time to run: Debian's aws, not one earlier on
# PATH)
printf '#!/bin/sh\nexec /usr/bin/aws --endpoint-url "%s" --no-cli-pager "$@"\n' \
	"$EP" >"$R/aws" && chmod +x "$R/aws"
made=
for _ in $(seq 100); do
	"$R/aws" s3api create-bucket --bucket bench >"$R/mb.log" 2>&1 &&
		made=1 && break
	sleep 0.1
done
[ -n "$made" ] || { echo "s3: no bucket:" >&2; cat "$R/mb.log" >&2; exit 1; }
S="--cacert $CA --endpoint $EP -p $R/k.pub"
cat "$R/feed.cti" >/dev/null	# every run starts from the page cache

# each run starts with nothing of the others left to write back (sync)
clean() { rm -rf "$R/st" "$R/aws.cti"; sync; }
for i in 1 2 3; do
	clean
	measure awsput$i "$R/aws" s3 cp --only-show-errors "$R/feed.cti" s3://bench/aws.cti
	clean
	measure push$i "$CTI" push -q $S "$R/feed.cti" s3://bench/cti.cti
	clean
	measure awsget$i "$R/aws" s3 cp --only-show-errors s3://bench/aws.cti "$R/aws.cti"
	clean
	measure pull$i "$CTI" pull -q $S --state "$R/st" s3://bench/cti.cti
done
best awsput 3
best push 3
best awsget 3
best pull 3
if ! cmp -s "$R/feed.cti" "$R/st/bundle"; then
	echo "s3: the object pulled is not the file pushed" >&2
	_bench_failed=1
fi
mbs=$(awk -v s="$size" 'BEGIN { printf "%.0fMB", s / 1048576 }')
for l in push pull; do
	eval "_s=\$${l}_s _kb=\$${l}_kb"
	if [ $l = push ]; then b=awsput; else b=awsget; fi
	eval "_bs=\$${b}_s _bk=\$${b}_kb"
	r=$(ratio "$_s" "$_bs")
	flag=$(awk -v r="$r" -v m="$(mb "$_kb")" 'BEGIN { if (r > 1.2 || m > 32) print " OVER" }')
	echo "s3 $l $mbs ($n objects): cti ${_s}s $(mb "$_kb")MB," \
		"aws s3 cp ${_bs}s $(mb "$_bk")MB, ratio ${r}x (target <= 1.2x, <= 32MB)$flag"
done
bench_done
