# tests/lib.sh - sourced by every tests/tNNNN-name.sh.
#
# Environment: CTI (the binary under test), DATA (shared sample data,
# default ../shared/data), SRC (the source tree). Each test file gets a
# scratch directory $T, removed at exit, and these helpers:
#   expect STATUS DESC CMD...   run CMD (stdout in $T/out, stderr in $T/err)
#                               and check its exit status
#   check DESC CMD...           pass when CMD succeeds
#   skip DESC                   count a skipped test (a tool is missing)
#   done_testing                print the counts; exit non-zero on failure
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
# certificate it signed, for 127.0.0.1 and localhost), DIR/other-ca.pem
# (a CA that signed nothing here), DIR/pin (the server key's
# sha256//BASE64 pin) and DIR/other-pin (another key's).
make_tls() {
	_d=$1
	mkdir -p "$_d"
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
		>"$_d/ext"
	for _c in ca other-ca; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -keyout "$_d/$_c.key" -out "$_d/$_c.pem" -days 2 \
			-subj "/CN=cti test $_c" 2>/dev/null || return 1
	done
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$_d/srv.key" -out "$_d/srv.csr" -subj /CN=localhost \
		2>/dev/null &&
	openssl x509 -req -in "$_d/srv.csr" -CA "$_d/ca.pem" \
		-CAkey "$_d/ca.key" -CAcreateserial -out "$_d/srv.pem" -days 2 \
		-extfile "$_d/ext" 2>/dev/null || return 1
	for _k in srv other-ca; do
		openssl pkey -in "$_d/$_k.key" -pubout -outform der 2>/dev/null |
			openssl dgst -sha256 -binary | base64 |
			sed 's|^|sha256//|' >"$_d/$_k.pin"
	done
	mv "$_d/srv.pin" "$_d/pin"
	mv "$_d/other-ca.pin" "$_d/other-pin"
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

done_testing() {
	echo "# $(basename "$0"): $_pass passed, $_fail failed, $_skip skipped"
	[ "$_fail" -eq 0 ]
}
