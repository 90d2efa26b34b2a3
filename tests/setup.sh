#!/bin/sh
# tests/setup.sh - install what cti needs on Debian 12 (bookworm).
#
#   sh tests/setup.sh          build dependencies: compiler, pkg-config,
#                              libsodium, zlib, cJSON
#   sh tests/setup.sh --test   also what `make check`, `make check-fuzz`,
#                              `make bench` and the man page lint need
#
# Run it as root on a fresh machine. It is idempotent and quiet: when every
# package is already installed it touches nothing (and then works as any
# user); apt's output is shown only when something fails.
set -u

usage() {
	echo "usage: sh tests/setup.sh [--test]" >&2
	exit 2
}

test=0
case $# in
0) ;;
1) [ "$1" = --test ] || usage; test=1 ;;
*) usage ;;
esac

# Building cti and libcti.
pkgs="build-essential pkg-config libsodium-dev zlib1g-dev libcjson-dev
ca-certificates libcurl4-openssl-dev"

if [ "$test" -eq 1 ]; then
	# minisign: the tests check interoperability both ways.
	# jq: tests and examples read JSON output.
	# mandoc: `make lint-man` and tests/t0100-man.sh; bsdextrautils: col(1)
	# for the rendered SYNOPSIS.
	# clang, libclang-rt-14-dev: libFuzzer targets (the fuzzer runtime is
	# only a Recommends of clang-14, so it is named here).
	# time: /usr/bin/time for peak memory in benchmarks.
	# python3, gzip: test helpers and benchmark baselines.
	# strace: a test checks that outputs and their directories are synced.
	# zsh: the zsh completion is tested as the bash one is.
	# groff-base: manual pages render without warnings as man(1) shows them.
	pkgs="$pkgs minisign jq mandoc bsdextrautils clang clang-14
libclang-rt-14-dev time python3 gzip strace zsh groff-base"

	# nginx, openssl, curl: the HTTPS tests and benchmarks of push and
	# pull (a test CA and server certificate, a WebDAV server, curl as the
	# baseline).
	pkgs="$pkgs nginx openssl curl"

	# Servers started by the transport tests on loopback go here
	# (nginx for HTTPS, an S3 emulator from npm), with their packages
	# above and any non-apt installation step below the apt-get call.
	# python3-flask (with Werkzeug): the TAXII 2.1 test server,
	# tests/servers/taxii.py; openssl makes its test certificates.
	pkgs="$pkgs python3-flask openssl"

	# awscli: Debian's AWS client (/usr/bin/aws), the other S3 client
	# of the S3 harness test (tests/t0800-s3-server.sh) and the baseline
	# of the S3 benchmark. Node.js and npm run the S3 emulator (s3rver,
	# installed below); a machine's own Node.js is used when it has one.
	pkgs="$pkgs awscli"
	command -v npm >/dev/null 2>&1 || pkgs="$pkgs nodejs npm"
fi

missing=
for p in $pkgs; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup.sh: missing packages:$missing" >&2
		echo "setup.sh: run as root to install them" >&2
		exit 1
	fi
	log=$(mktemp) || exit 1
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086 # the list is meant to be split
	if ! { apt-get update -q &&
		apt-get install -y -q --no-install-recommends $missing; } \
		</dev/null >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		echo "setup.sh: installing$missing failed" >&2
		exit 1
	fi
	rm -f "$log"
fi

# Non-apt steps (e.g. an npm package for the S3 tests) go here; each must
# check first whether it is already done.

# s3rver, the S3 emulator behind tests/servers/s3front.py, at the versions
# of tests/servers/s3/package-lock.json, into tests/servers/s3/node_modules
# (when missing or older than the lock file).
s3=$(dirname "$0")/servers/s3
if [ "$test" -eq 1 ] && { [ ! -f "$s3/node_modules/.package-lock.json" ] ||
	[ "$s3/package-lock.json" -nt "$s3/node_modules/.package-lock.json" ]; }
then
	log=$(mktemp) || exit 1
	if ! (cd "$s3" && npm ci --no-audit --no-fund) </dev/null >"$log" 2>&1
	then
		cat "$log" >&2
		rm -f "$log"
		echo "setup.sh: npm ci in $s3 failed" >&2
		exit 1
	fi
	rm -f "$log"
fi

exit 0
