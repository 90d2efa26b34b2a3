#!/bin/bash
# tests/bench/base.sh - cti pack --base PREV against cti pack alone, on the
# same 1,000,000-line indicator list, PREV being the list's previous
# release (1,000,000 indicators, packed by cti an hour of SOURCE_DATE_EPOCH
# earlier):
#
#   pack-base          PREV from the same list: the steady state of a feed
#                      packed every hour (every indicator kept).
#   pack-base-changed  PREV from the list with one line's description
#                      changed, one line more and one less, all in the
#                      middle (one modified, one new, one left out).
#
# Targets: time at most 1.3x that of cti pack without --base measured in
# the same run, peak RSS at most 128 MB. Run alone: make bench BENCH=base;
# BENCH_SCALE=10 runs on a tenth.
. "$(dirname "$0")/lib.sh"

n=$(scale 1000000)
list=$(gen_list "$n")
half=$((n / 2))
t=$(($(date +%s) - 3600))

# the previous releases, cached beside the list; the changed one has, from
# the middle on, the first address listed once with another description,
# 192.0.2.254 that the list lacks, and not the address after that
prev=$BENCH_TMP/base-prev-$n.cti
cached "$prev" env SOURCE_DATE_EPOCH=$t "$CTI" pack -q -o - "$list"
changed=$BENCH_TMP/base-changed-$n.cti
cached "$changed" sh -c 'awk -v h="$2" '\''
	NR == FNR { if ($1 ~ /^[0-9.]+$/) seen[$1]++; next }
	FNR >= h && state < 2 && seen[$1] == 1 {
		if (state++ == 0) { print $1 "\told"; print "192.0.2.254"; next }
		next
	}
	{ print }'\'' "$1" "$1" | SOURCE_DATE_EPOCH=$3 "$4" pack -q -o - -' \
	sh "$list" "$half" "$t" "$CTI"

measure plain "$CTI" pack -q -o "$BENCH_RUN/plain.cti" "$list" || exit 1
measure same "$CTI" pack -q --base "$prev" -o "$BENCH_RUN/same.cti" "$list" || exit 1
measure changed "$CTI" pack -q --base "$changed" -o "$BENCH_RUN/changed.cti" "$list" || exit 1

line() {
	eval "_a=\$${2}_s _ak=\$${2}_kb _b=\$${3}_s _bk=\$${3}_kb"
	_r=$(ratio "$_a" "$_b")
	_flag=$(awk -v r="$_r" 'BEGIN { if (r > 1.3) print " OVER" }')
	echo "$1: cti pack --base ${_a}s $(mb "$_ak")MB | cti pack ${_b}s" \
		"$(mb "$_bk")MB | ratio ${_r}x (target <= 1.3)$_flag"
}
line pack-base same plain
report_rss pack-base same 128
line pack-base-changed changed plain
report_rss pack-base-changed changed 128

# what they must be: PREV itself, and PREV with exactly those changes
if ! cmp -s "$prev" "$BENCH_RUN/same.cti"; then
	echo "bench: pack-base: the release differs from PREV" >&2
	_bench_failed=1
fi
got=$("$CTI" diff --stat "$changed" "$BENCH_RUN/changed.cti" |
	awk '$1 == "total" { print $2, $3, $4, $5, $6, $7 }')
if [ "${got% *}" != "1 1 0 0 1" ]; then
	echo "bench: pack-base-changed: diff counts $got, want 1 1 0 0 1 and the rest unchanged" >&2
	_bench_failed=1
fi
note pack-base "$n lines against $n indicators, $(rate "$n" "$same_s") objects/s"
rm -f "$BENCH_RUN"/*.cti
bench_done
