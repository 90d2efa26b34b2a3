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
set -u
: "${CTI:?CTI must name the cti binary}"
SRC=$(cd "$(dirname "$0")/.." && pwd)
DATA=${DATA:-$SRC/../shared/data}
T=$(mktemp -d "${TMPDIR:-/tmp}/cti-test.XXXXXX")
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
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

done_testing() {
	echo "# $(basename "$0"): $_pass passed, $_fail failed, $_skip skipped"
	[ "$_fail" -eq 0 ]
}
