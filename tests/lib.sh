# tests/lib.sh - sourced by every tests/tNNNN-name.sh.
#
# Environment: CTI (the binary under test), DATA (shared sample data,
# default ../shared/data), SRC (the source tree). Each test file gets a
# scratch directory $T, removed at exit, and these helpers:
#   expect STATUS DESC CMD...   run CMD (stdout in $T/out, stderr in $T/err)
#                               and check its exit status
#   check DESC CMD...           pass when CMD succeeds
#   skip DESC                   count a skipped test (a tool is missing)
#   skip_all DESC               skip DESC, then end the test (done_testing)
#   done_testing                print the counts; exit non-zero on failure
#   flip FILE OFFSET            invert the byte at OFFSET of FILE (a
#                               negative OFFSET counts from the end): a
#                               change that cannot happen to be none
#   free_port                   print a free TCP port on 127.0.0.1
#   start_server NAME PORT CMD...
#                               run CMD in the background (output in
#                               $T/NAME.log), wait until 127.0.0.1:PORT
#                               accepts connections, remember its pid in
#                               $T/NAME.pid; killed at exit, also on failure
#   stop_server NAME            kill it now (by pid) and wait for it
#   make_tls DIR                a test CA and a server certificate for
#                               127.0.0.1 and localhost (see below)
#   start_nginx                 nginx over TLS on a free port: $NGINX_URL,
#                               $NGINX_DIR (tests/servers/nginx-conf.sh)
#   start_faults                the fault-injecting HTTPS server:
#                               $FAULTS_URL, $FAULTS_STORE
#                               (tests/servers/faults.py)
#   need_nginx, need_faults     start_nginx, start_faults, or skip_all
#                               when what the server needs is missing
#   start_taxii NAME [--http] [OPTION...]
#                               start_server NAME with tests/servers/taxii.py
#                               (a TAXII 2.1 server; OPTIONs in its header)
#                               on a free port, over TLS unless --http; sets
#                               TAXII_URL (https://127.0.0.1:PORT), TAXII_PORT,
#                               TAXII_CA (the CA of its certificate, also of
#                               TAXII_CLIENT_CERT and _KEY, made once per
#                               test), and TAXII_SEED, _INBOX, _READONLY,
#                               _WRITEONLY, _TWIN_A, _TWIN_B (collection ids)
#   start_s3 NAME [OPTION...]   S3 on a free port: the emulator s3rver behind
#                               tests/servers/s3front.py (Signature V4
#                               checked; OPTIONs in its header), bucket
#                               $S3_BUCKET made; see start_s3 below
#   state_sums DIR              checksums of a pull state directory (less
#                               its locks and partial download)
#   feed_files                  iocs.txt, more.txt, alice's keys, and
#                               s1.cti s2.cti s3.cti signed by her for feed
#                               cert-xy with seq 1 to 3
#   s3_curl [--payload H] [--header 'N: V']... METHOD PATH [CURL-ARG...]
#                               a request to $S3_ENDPOINT signed with the
#                               test's key; prints the status (s3_sign and
#                               s3_send do its two halves)
set -u
: "${CTI:?CTI must name the cti binary}"
SRC=$(cd "$(dirname "$0")/.." && pwd)
DATA=${DATA:-$SRC/../shared/data}
T=$(mktemp -d "${TMPDIR:-/tmp}/cti-test.XXXXXX")
_servers=
_cleanup() {
	for _s in $_servers; do stop_server "$_s"; done
	chmod -R u+w "$T" 2>/dev/null
	rm -rf "$T"
}
trap _cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
export LC_ALL=C
unset CTI_PASSPHRASE_FILE SOURCE_DATE_EPOCH
export XDG_CONFIG_HOME="$T/.config" XDG_STATE_HOME="$T/.state"
_pass=0 _fail=0 _skip=0

ok() { _pass=$((_pass + 1)); echo "ok - $1"; }
not_ok() { _fail=$((_fail + 1)); echo "not ok - $1"; }
skip() { _skip=$((_skip + 1)); echo "ok - $1 # skip"; }

expect() {
	_want=$1 _desc=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	_got=$?
	if [ "$_got" -eq "$_want" ]; then
		ok "$_desc"
	else
		not_ok "$_desc (exit $_got, want $_want)"
		sed 's/^/#   /' "$T/err" | head -n 5
	fi
}

check() {
	_desc=$1
	shift
	if "$@"; then ok "$_desc"; else not_ok "$_desc"; fi
}

# the last command's stderr contains the fixed string $1
err_has() { grep -qF -- "$1" "$T/err"; }
out_has() { grep -qF -- "$1" "$T/out"; }

# Debian's interpreter: a python3 earlier on PATH may not see its packages
PY=/usr/bin/python3

flip() {
	_o=$2
	[ "$_o" -lt 0 ] && _o=$(( $(wc -c <"$1") + _o ))
	_b=$(od -An -tu1 -j "$_o" -N 1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059 # the format is the byte, made here
	printf "\\$(printf %o $((_b ^ 255)))" |
		dd of="$1" bs=1 seek="$_o" conv=notrunc 2>/dev/null
}

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds; fails
# after SECONDS. For a state another process reaches (a lock taken): a fixed
# sleep is too short on a loaded machine.
wait_for() {
	_w=$(($1 * 20))
	shift
	while ! "$@" 2>/dev/null; do
		_w=$((_w - 1))
		[ "$_w" -gt 0 ] || return 1
		sleep 0.05
	done
}

free_port() {
	$PY -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

start_server() {
	_name=$1 _port=$2
	shift 2
	"$@" >"$T/$_name.log" 2>&1 &
	echo $! >"$T/$_name.pid"
	_servers="$_servers $_name"
	for _i in $(seq 200); do
		if ! kill -0 "$(cat "$T/$_name.pid")" 2>/dev/null; then
			echo "# $_name exited early:" >&2
			sed 's/^/#   /' "$T/$_name.log" | tail -n 20 >&2
			return 1
		fi
		if $PY -c 'import socket, sys
s = socket.socket()
s.settimeout(0.2)
sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))))' "$_port" 2>/dev/null
		then
			return 0
		fi
		sleep 0.05
	done
	echo "# $_name did not answer on port $_port" >&2
	return 1
}

stop_server() {
	# a server started with another one (start_s3) stops it too
	if [ -f "$T/$1.with" ]; then
		_with=$(cat "$T/$1.with")
		rm -f "$T/$1.with"
		stop_server "$1"
		stop_server "$_with"
		return 0
	fi
	[ -f "$T/$1.pid" ] || return 0
	_pid=$(cat "$T/$1.pid")
	rm -f "$T/$1.pid"
	kill "$_pid" 2>/dev/null || return 0
	for _i in $(seq 50); do
		kill -0 "$_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$_pid" 2>/dev/null
	wait "$_pid" 2>/dev/null
	return 0
}

# make_tls DIR: DIR/ca.pem (a CA), DIR/srv.pem and DIR/srv.key (a server
# certificate it signed, for 127.0.0.1 and localhost), DIR/client.pem and
# DIR/client.key (a client certificate it signed, for mutual TLS),
# DIR/other-ca.pem (a CA that signed nothing here), DIR/pin (the server
# key's sha256//BASE64 pin) and DIR/other-pin (another key's). openssl's
# messages go to DIR/openssl.log, shown when it fails.
make_tls() {
	mkdir -p "$1" && _make_tls "$1" >"$1/openssl.log" 2>&1 && return 0
	sed 's/^/#   /' "$1/openssl.log" >&2
	return 1
}

_make_tls() {
	_d=$1 _ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
	for _c in ca other-ca; do
		# shellcheck disable=SC2086 # $_ec is meant to be split
		openssl req -x509 $_ec -keyout "$_d/$_c.key" -out "$_d/$_c.pem" \
			-days 2 -subj "/CN=cti test $_c" \
			-addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign || return 1
	done
	printf '%s\n' subjectAltName=IP:127.0.0.1,DNS:localhost \
		basicConstraints=CA:FALSE extendedKeyUsage=serverAuth >"$_d/srv.ext"
	printf '%s\n' basicConstraints=CA:FALSE extendedKeyUsage=clientAuth \
		>"$_d/client.ext"
	for _c in srv client; do
		# shellcheck disable=SC2086 # as above
		openssl req -new $_ec -keyout "$_d/$_c.key" -out "$_d/$_c.csr" \
			-subj "/CN=cti test $_c" &&
			openssl x509 -req -in "$_d/$_c.csr" -CA "$_d/ca.pem" \
				-CAkey "$_d/ca.key" -CAcreateserial -days 2 \
				-extfile "$_d/$_c.ext" -out "$_d/$_c.pem" || return 1
	done
	for _k in srv other-ca; do
		openssl pkey -in "$_d/$_k.key" -pubout -outform der |
			openssl dgst -sha256 -binary | base64 |
			sed 's|^|sha256//|' >"$_d/$_k.pin" || return 1
	done
	mv "$_d/srv.pin" "$_d/pin" && mv "$_d/other-ca.pin" "$_d/other-pin"
}

# start_nginx: nginx on 127.0.0.1 over TLS with a CA of its own
# ($NGINX_DIR/ca.pem), basic auth for user alice ($NGINX_DIR/password).
# Returns 1 when nginx or openssl is missing (the caller skips).
start_nginx() {
	command -v openssl >/dev/null 2>&1 || return 1
	_ng=$(command -v nginx || echo /usr/sbin/nginx)
	[ -x "$_ng" ] || return 1
	NGINX_DIR=$T/nginx
	NGINX_PORT=$(free_port)
	NGINX_URL=https://127.0.0.1:$NGINX_PORT
	make_tls "$NGINX_DIR" || return 1
	printf 'correct horse battery staple\n' >"$NGINX_DIR/password"
	printf 'alice:%s\n' "$(openssl passwd -apr1 'correct horse battery staple')" \
		>"$NGINX_DIR/htpasswd"
	sh "$SRC/tests/servers/nginx-conf.sh" "$NGINX_DIR" "$NGINX_PORT" &&
	start_server nginx "$NGINX_PORT" "$_ng" -p "$NGINX_DIR" \
		-c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log"
}

# start_faults: tests/servers/faults.py on 127.0.0.1 with the CA of
# make_tls in $FAULTS_DIR; files it serves and receives in $FAULTS_STORE.
start_faults() {
	command -v openssl >/dev/null 2>&1 || return 1
	FAULTS_DIR=$T/faults
	FAULTS_STORE=$FAULTS_DIR/store
	FAULTS_PORT=$(free_port)
	FAULTS_URL=https://127.0.0.1:$FAULTS_PORT
	make_tls "$FAULTS_DIR" || return 1
	mkdir -p "$FAULTS_STORE"
	start_server faults "$FAULTS_PORT" $PY "$SRC/tests/servers/faults.py" \
		"$FAULTS_PORT" "$FAULTS_DIR/srv.pem" "$FAULTS_DIR/srv.key" \
		"$FAULTS_STORE"
}

# need_nginx, need_faults: the server started, or the test ended with a
# skip that names what is missing
need_nginx() {
	start_nginx || skip_all "nginx or openssl missing (sh tests/setup.sh --test)"
}
need_faults() {
	start_faults || skip_all "openssl missing (sh tests/setup.sh --test)"
}

# state_sums DIR: the checksums of a pull state directory, less the locks
# (they hold the pid of the last holder) and a partial download (kept to
# resume): what a failed pull must leave as it was
state_sums() {
	(cd "$1" && find . -type f ! -name lock ! -name .lock ! -name "partial*" |
		sort | xargs -r sha256sum)
}

# feed_files: in the current directory, iocs.txt and more.txt (indicator
# lists), alice.pub and alice.key (an unencrypted key pair) and s1.cti,
# s2.cti, s3.cti: bundle files signed by alice for feed cert-xy with seq
# 1, 2 (of more.txt) and 3
feed_files() {
	printf '198.51.100.7\nevil.example.com\n' >iocs.txt &&
	printf '203.0.113.9\n' >more.txt &&
	"$CTI" keygen -W -p alice.pub -s alice.key >/dev/null 2>&1 || return 1
	for _f in 1:iocs 2:more 3:iocs; do
		"$CTI" pack -o "s${_f%%:*}.cti" "${_f#*:}.txt" &&
			"$CTI" sign -q -s alice.key --feed cert-xy --seq "${_f%%:*}" \
				"s${_f%%:*}.cti" || return 1
	done
}

done_testing() {
	echo "# $(basename "$0"): $_pass passed, $_fail failed, $_skip skipped"
	[ "$_fail" -eq 0 ]
}

skip_all() {
	skip "$1"
	done_testing
	exit
}

# man_examples PAGE: the "$ " commands of man/PAGE's EXAMPLES, one per
# line ("\e" is "\"; a line ending in a backslash goes on the next)
man_examples() {
	awk '/^\.Sh EXAMPLES$/ { on = 1; next }
	     on && /^\.Sh / { exit }
	     on && /^\$ / { c = substr($0, 3); gsub(/\\e/, "\\", c)
		cont = (c ~ /\\$/); if (!cont) { print c; next }
		sub(/\\$/, "", c); buf = c; next }
	     on && cont { l = $0; gsub(/\\e/, "\\", l); sub(/^ +/, " ", l)
		cont = (l ~ /\\$/); sub(/\\$/, "", l); buf = buf l
		if (!cont) print buf }' "$SRC/man/$1"
}

# need_tools TOOL...: end the test with a skip when a tool is missing
need_tools() {
	for _t in "$@"; do
		command -v "$_t" >/dev/null 2>&1 && continue
		skip_all "$_t missing (sh tests/setup.sh --test)"
	done
}

# need_taxii WHAT [FILE...]: end the test with a skip, naming WHAT, when
# what the TAXII test server and its tests use is missing (curl, jq,
# openssl: need_tools; python3-flask, the data FILEs)
need_taxii() {
	_what=$1
	shift
	need_tools curl jq openssl
	_miss=
	$PY -c 'import flask' 2>/dev/null ||
		_miss="no python3-flask (sh tests/setup.sh --test)"
	for _f in "$@"; do
		[ -f "$_f" ] || _miss="$_f is missing"
	done
	[ -z "$_miss" ] && return 0
	skip_all "$_what: $_miss"
}

# a CA, a server and a client certificate in $T/taxii-tls, made once
_taxii_tls() {
	[ -f "$T/taxii-tls/client.pem" ] || make_tls "$T/taxii-tls"
}

# shellcheck disable=SC2034 # the variables are for the tests
start_taxii() {
	_tname=$1
	shift
	TAXII_PORT=$(free_port) || return 1
	if [ "${1:-}" = --http ]; then
		shift
		TAXII_URL=http://127.0.0.1:$TAXII_PORT
	else
		_taxii_tls || return 1
		TAXII_URL=https://127.0.0.1:$TAXII_PORT
		set -- --cert "$T/taxii-tls/srv.pem" --key "$T/taxii-tls/srv.key" "$@"
	fi
	TAXII_CA=$T/taxii-tls/ca.pem
	TAXII_CLIENT_CERT=$T/taxii-tls/client.pem
	TAXII_CLIENT_KEY=$T/taxii-tls/client.key
	_c=c011ec70-0000-4000-8000-00000000000
	TAXII_SEED=${_c}1 TAXII_INBOX=${_c}2 TAXII_READONLY=${_c}3
	TAXII_WRITEONLY=${_c}4 TAXII_TWIN_A=${_c}5 TAXII_TWIN_B=${_c}6
	start_server "$_tname" "$TAXII_PORT" \
		$PY "$SRC/tests/servers/taxii.py" --port "$TAXII_PORT" "$@"
}

# need_s3 [WHAT]: end the test with a skip, naming WHAT, when what start_s3
# and its tests use is missing (curl, openssl, node, the emulator installed
# by tests/setup.sh --test)
need_s3() {
	need_tools curl openssl node
	[ -f "$SRC/tests/servers/s3/node_modules/s3rver/bin/s3rver.js" ] &&
		return 0
	skip "${1:-S3}: no s3rver (sh tests/setup.sh --test)"
	done_testing
	exit
}

# _s3_word N: N random hexadecimal digits, upper case
_s3_word() {
	od -An -tx1 -N 64 /dev/urandom | tr -d ' \n' | tr a-f A-F | cut -c "1-$1"
}

# start_s3 NAME [OPTION...]: the S3 emulator s3rver (its data in
# $T/NAME.s3/data, on a free port of 127.0.0.1, server NAME-s3rver) behind
# tests/servers/s3front.py over TLS (server NAME, on a free port; OPTIONs
# are the front's: --region R, --clock-offset SECS, --fail-first N STATUS,
# --retry-after SECS, --cut-body), then bucket $S3_BUCKET made through the
# front. stop_server NAME (or the end of the test) stops both. Sets:
#   S3_ENDPOINT     https://127.0.0.1:PORT (path-style addressing)
#   S3_CA           the CA of the front's certificate
#   S3_BUCKET       cti-test
#   S3_REGION       the region signatures must name (us-east-1, or --region)
#   S3_LOG          the front's log: one JSON line per request, empty
#                   when start_s3 returns (the bucket's making is in
#                   $S3_DIR/start.jsonl)
#   S3_KEY_ID, S3_SECRET
#                   the test's key (new for each test file; pass it to cti
#                   in the environment or a credentials file, never argv)
#   S3_TOKEN_KEY_ID, S3_TOKEN_SECRET, S3_SESSION_TOKEN
#                   a temporary key, good only with its session token
#   S3_DIR          $T/NAME.s3 (the credentials file the front reads,
#                   its log, the emulator's data)
# shellcheck disable=SC2034 # the variables are for the tests
start_s3() {
	_s3name=$1
	shift
	S3_DIR=$T/$_s3name.s3
	mkdir -p "$S3_DIR/data" || return 1
	[ -f "$T/s3-tls/srv.pem" ] || make_tls "$T/s3-tls" || return 1
	S3_CA=$T/s3-tls/ca.pem
	S3_BUCKET=cti-test
	S3_REGION=us-east-1
	_s3a=
	for _s3o in "$@"; do
		[ "$_s3a" = --region ] && S3_REGION=$_s3o
		_s3a=$_s3o
	done
	S3_LOG=$S3_DIR/requests.jsonl
	if [ -z "${S3_KEY_ID:-}" ]; then
		S3_KEY_ID=AKIA$(_s3_word 16)
		S3_SECRET=$(head -c 30 /dev/urandom | base64)
		S3_TOKEN_KEY_ID=ASIA$(_s3_word 16)
		S3_TOKEN_SECRET=$(head -c 30 /dev/urandom | base64)
		S3_SESSION_TOKEN=$(head -c 96 /dev/urandom | base64 -w 0)
	fi
	(umask 077 && printf '%s %s\n%s %s %s\n' "$S3_KEY_ID" "$S3_SECRET" \
		"$S3_TOKEN_KEY_ID" "$S3_TOKEN_SECRET" "$S3_SESSION_TOKEN" \
		>"$S3_DIR/credentials") || return 1
	_s3bp=$(free_port) && _s3fp=$(free_port) || return 1
	while [ "$_s3fp" = "$_s3bp" ]; do _s3fp=$(free_port) || return 1; done
	S3_ENDPOINT=https://127.0.0.1:$_s3fp
	start_server "$_s3name-s3rver" "$_s3bp" node \
		"$SRC/tests/servers/s3/node_modules/s3rver/bin/s3rver.js" \
		-d "$S3_DIR/data" -a 127.0.0.1 -p "$_s3bp" --no-vhost-buckets \
		-s || return 1
	echo "$_s3name-s3rver" >"$T/$_s3name.with"
	start_server "$_s3name" "$_s3fp" $PY "$SRC/tests/servers/s3front.py" serve \
		--port "$_s3fp" --cert "$T/s3-tls/srv.pem" \
		--key "$T/s3-tls/srv.key" --backend "$_s3bp" \
		--credentials "$S3_DIR/credentials" --log "$S3_LOG" "$@" ||
		return 1
	if [ "$(s3_curl PUT "/$S3_BUCKET")" = 200 ]; then
		# the log keeps the test's requests only (the front appends)
		cp "$S3_LOG" "$S3_DIR/start.jsonl" && : >"$S3_LOG" && return 0
	fi
	echo "# start_s3: making bucket $S3_BUCKET failed:" >&2
	sed 's/^/#   /' "$T/s3.out" >&2
	return 1
}

# s3_sign [--payload HASH] [--header 'NAME: VALUE']... METHOD PATH: the
# headers that sign METHOD PATH (a path and query, as sent) to $S3_ENDPOINT
# with $S3_KEY_ID and $S3_SECRET (and $AWS_SESSION_TOKEN when set) for
# $S3_REGION, in $T/s3.sig, one "Name: value" a line, made by
# tests/servers/s3front.py sign: x-amz-content-sha256 is HASH
# (UNSIGNED-PAYLOAD; "-": none sent; default: the empty body's); each
# --header is signed and sent too.
s3_sign() {
	AWS_ACCESS_KEY_ID=$S3_KEY_ID AWS_SECRET_ACCESS_KEY=$S3_SECRET \
		$PY "$SRC/tests/servers/s3front.py" sign --region "$S3_REGION" \
		--endpoint "$S3_ENDPOINT" "$@" >"$T/s3.sig"
}

# s3_send METHOD PATH [CURL-ARG...]: METHOD PATH to $S3_ENDPOINT with curl
# (over TLS with $S3_CA) and the headers in $T/s3.sig (read from the file:
# nothing secret in argv); prints the HTTP status; the body is in
# $T/s3.out, the headers in $T/s3.head
s3_send() {
	_s3m=$1 _s3u=$S3_ENDPOINT$2
	shift 2
	if [ "$_s3m" = HEAD ]; then set -- -I "$@"; else set -- -X "$_s3m" "$@"; fi
	: >"$T/s3.out"
	curl -sS -g --cacert "$S3_CA" -H @"$T/s3.sig" -D "$T/s3.head" \
		-o "$T/s3.out" -w '%{http_code}' "$@" "$_s3u"
}

# s3_curl [s3_sign OPTION...] METHOD PATH [CURL-ARG...]: s3_sign, then
# s3_send
s3_curl() {
	_s3n=0 _s3v=
	for _s3w; do
		if [ -z "$_s3v" ]; then
			case $_s3w in
			--payload | --header) _s3v=1 ;;
			*) break ;;
			esac
		else
			_s3v=
		fi
		_s3n=$((_s3n + 1))
	done
	_s3a=
	for _s3i in $(seq $((_s3n + 2))); do _s3a="$_s3a \"\$$_s3i\""; done
	eval "s3_sign $_s3a" || return 1
	shift "$_s3n"
	s3_send "$@"
}
