# tests/bench/lib.sh - sourced by every tests/bench/NAME.sh.
#
# Environment: CTI (the binary, absolute), O (the build directory),
# BENCH_TMP (scratch space, default $O/bench: large inputs are cached there
# between runs and removed by `make clean`), BENCH_SCALE (divide the sizes
# of the standard inputs by this, default 1, for a quick trial run), DATA
# (shared sample data, default ../shared/data), SRC (the source tree).
#
# Benchmarks print; they never fail on a time or memory figure. They fail
# only when a command they run fails.
#
#   measure [-i IN] [-o OUT] LABEL CMD...
#       run CMD under /usr/bin/time; stdin from IN, stdout to OUT (default
#       /dev/null), stderr kept in $BENCH_RUN/LABEL.err. Sets ${LABEL}_s
#       (wall seconds) and ${LABEL}_kb (peak RSS, KiB); LABEL is a shell
#       name. Returns CMD's status, after printing its stderr when it fails.
#   ratio A B           print A / B with two decimals
#   rate N S            print N / S rounded (N items in S seconds)
#   mb KB               print KiB as MiB with one decimal
#   report NAME A B TARGET
#       print "NAME: cti Xs YMB | gzip Xs YMB | ratio Z.ZZx (target <= T)"
#       from the labels A (cti) and B (the baseline), flagging a ratio over
#       TARGET with " OVER"
#   report_rss NAME LABEL TARGET_MB
#       print "NAME: peak RSS YMB (target <= TMB)", flagged the same way
#   note NAME TEXT      print "NAME: TEXT" (objects/s, sizes ...)
#   cached FILE CMD...  create FILE from CMD's stdout unless it exists
#                       (written to FILE.tmp, renamed when complete)
#   gen_list N          path of a cached indicator list of N lines
#   gen_bundle N        path of a cached STIX bundle of N objects
#   scale N             N divided by BENCH_SCALE
#   bench_need NAME TOOL...
#                       exit 0 with a note when a tool is missing
#   best LABEL N        of runs measured as LABEL1 ... LABELN: set LABEL_s to
#                       the fastest wall time, LABEL_kb to the highest RSS
#   bench_tls DIR       DIR/ca.pem (a CA made here), DIR/srv.pem and
#                       DIR/srv.key (a certificate for 127.0.0.1 it signed)
#   bench_nginx DIR     nginx over TLS on a free loopback port serving
#                       DIR/www (tests/servers/nginx-conf.sh), with a CA
#                       made here (DIR/ca.pem); sets NGINX_URL; stopped by
#                       pid at exit
#   bench_tls DIR       a CA (DIR/ca.pem) and a server certificate for
#                       127.0.0.1 (DIR/srv.pem, DIR/srv.key)
#   bench_done          exit 1 if any measured command failed
set -u
: "${CTI:?CTI must name the cti binary}"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
O=${O:-$SRC/build}
DATA=${DATA:-$SRC/../shared/data}
BENCH_TMP=${BENCH_TMP:-$O/bench}
BENCH_SCALE=${BENCH_SCALE:-1}
export LC_ALL=C
unset SOURCE_DATE_EPOCH CTI_PASSPHRASE_FILE
mkdir -p "$BENCH_TMP" || exit 1
BENCH_TMP=$(cd "$BENCH_TMP" && pwd)
# per-run scratch, removed at exit; cached inputs stay in $BENCH_TMP
BENCH_RUN=$(mktemp -d "$BENCH_TMP/run.XXXXXX") || exit 1
trap 'rm -rf "$BENCH_RUN"' EXIT
_bench_failed=0

if [ ! -x /usr/bin/time ]; then
	echo "bench: /usr/bin/time is missing (sh tests/setup.sh --test)" >&2
	exit 1
fi

measure() {
	_in=/dev/null _out=/dev/null
	while :; do
		case $1 in
		-i) _in=$2; shift 2 ;;
		-o) _out=$2; shift 2 ;;
		*) break ;;
		esac
	done
	_label=$1
	shift
	/usr/bin/time -f '%e %M' -o "$BENCH_RUN/$_label.time" "$@" \
		<"$_in" >"$_out" 2>"$BENCH_RUN/$_label.err"
	_st=$?
	# the last line: time prints "Command exited ..." first on failure
	# shellcheck disable=SC2046 # two numbers, split on purpose
	set -- $(tail -n 1 "$BENCH_RUN/$_label.time")
	eval "${_label}_s=\${1:-0} ${_label}_kb=\${2:-0}"
	if [ "$_st" -ne 0 ]; then
		_bench_failed=1
		echo "bench: $_label: exit $_st" >&2
		sed 's/^/bench:   /' "$BENCH_RUN/$_label.err" | head -n 10 >&2
	fi
	return "$_st"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
# per second: N items in S seconds
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
scale() { echo $(($1 / BENCH_SCALE)); }
note() { _n=$1; shift; echo "$_n: $*"; }

report() {
	eval "_as=\$${2}_s _ak=\$${2}_kb _bs=\$${3}_s _bk=\$${3}_kb"
	_r=$(ratio "$_as" "$_bs")
	_flag=$(awk -v r="$_r" -v t="$4" 'BEGIN { if (r > t) print " OVER" }')
	echo "$1: cti ${_as}s $(mb "$_ak")MB | gzip ${_bs}s $(mb "$_bk")MB |" \
		"ratio ${_r}x (target <= $4)$_flag"
}

report_rss() {
	eval "_k=\$${2}_kb"
	_m=$(mb "$_k")
	_flag=$(awk -v m="$_m" -v t="$3" 'BEGIN { if (m > t) print " OVER" }')
	echo "$1: peak RSS ${_m}MB (target <= ${3}MB)$_flag"
}

cached() {
	_f=$1
	shift
	[ -s "$_f" ] && return 0
	"$@" >"$_f.tmp" && mv "$_f.tmp" "$_f" && return 0
	rm -f "$_f.tmp"
	echo "bench: cannot create $_f" >&2
	exit 1
}

# The generator, rebuilt when gen.c changes.
_gen() {
	_g=$BENCH_TMP/gen
	if [ ! -x "$_g" ] || [ "$SRC/tests/bench/gen.c" -nt "$_g" ]; then
		${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -o "$_g.tmp" \
			"$SRC/tests/bench/gen.c" && mv "$_g.tmp" "$_g" || exit 1
		# the data depends on the generator
		rm -f "$BENCH_TMP"/list-*.txt "$BENCH_TMP"/bundle-*.json
	fi
	echo "$_g"
}

gen_list() {
	_g=$(_gen) || exit 1
	cached "$BENCH_TMP/list-$1.txt" "$_g" list "$1"
	echo "$BENCH_TMP/list-$1.txt"
}

gen_bundle() {
	_g=$(_gen) || exit 1
	cached "$BENCH_TMP/bundle-$1.json" "$_g" bundle "$1"
	echo "$BENCH_TMP/bundle-$1.json"
}

bench_need() {
	_n=$1
	shift
	for _t in "$@"; do
		if ! command -v "$_t" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$_t" ]; then
			echo "$_n: $_t missing (sh tests/setup.sh --test); skipped"
			exit 0
		fi
	done
}

best() {
	eval "${1}_s=\$${1}1_s ${1}_kb=\$${1}1_kb"
	for _i in $(seq 2 "$2"); do
		eval "_t=\$${1}${_i}_s _k=\$${1}${_i}_kb _bt=\$${1}_s _bk=\$${1}_kb"
		if awk -v a="$_t" -v b="$_bt" 'BEGIN { exit !(a < b) }'; then
			eval "${1}_s=$_t"
		fi
		[ "$_k" -gt "$_bk" ] && eval "${1}_kb=$_k"
	done
}

# bench_tls DIR: a CA (DIR/ca.pem) and a server certificate for 127.0.0.1
# (DIR/srv.pem, DIR/srv.key)
bench_tls() {
	mkdir -p "$1" || exit 1
	printf 'subjectAltName=IP:127.0.0.1\n' >"$1/ext"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1/ca.key" -out "$1/ca.pem" -days 1 -subj /CN=bench-ca 2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1/srv.key" -out "$1/srv.csr" -subj /CN=127.0.0.1 2>/dev/null &&
	openssl x509 -req -in "$1/srv.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" \
		-CAcreateserial -out "$1/srv.pem" -days 1 -extfile "$1/ext" 2>/dev/null ||
		exit 1
}

bench_nginx() {
	_d=$1
	bench_tls "$_d"
	_port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	sh "$SRC/tests/servers/nginx-conf.sh" "$_d" "$_port" || exit 1
	_ng=$(command -v nginx || echo /usr/sbin/nginx)
	"$_ng" -p "$_d" -c "$_d/nginx.conf" -e "$_d/error.log" >"$_d/out" 2>&1 &
	_ngpid=$!
	trap 'kill $_ngpid 2>/dev/null; wait $_ngpid 2>/dev/null; rm -rf "$BENCH_RUN"' EXIT
	for _ in $(seq 100); do
		curl -s -o /dev/null --cacert "$_d/ca.pem" "https://127.0.0.1:$_port/" && break
		sleep 0.05
	done
	NGINX_URL=https://127.0.0.1:$_port
}

bench_done() {
	[ "$_bench_failed" -eq 0 ]
}
