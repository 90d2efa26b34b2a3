#!/bin/sh
# tests/run.sh - run every shell test and the unit test binaries given as
# arguments; print one closing line "N passed, N failed".
cd "$(dirname "$0")/.." || exit 2
pass=0 fail=0 skipped=0 failed_files=
log=$(mktemp)
run() {
	"$@" >"$log" 2>&1
	st=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	s=$(grep -c '^ok .*# skip' "$log")
	if [ "$st" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "not ok - $* exited $st" >>"$log"; fi
	pass=$((pass + p - s)) fail=$((fail + f)) skipped=$((skipped + s))
	if [ "$f" -ne 0 ]; then
		failed_files="$failed_files $*"
		cat "$log"
	else
		echo "$*: $((p - s)) passed${s:+, $s skipped}" | sed 's/, 0 skipped//'
	fi
}
for u in "$@"; do run "$u"; done
for t in tests/t[0-9]*.sh; do run bash "$t"; done
rm -f "$log"
[ -n "$failed_files" ] && echo "failed:$failed_files"
echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
