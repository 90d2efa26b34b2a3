#!/bin/bash
# tests/bench/diff.sh - cti diff on two releases of a 1,000,000-indicator
# feed, against gzip -dc of both files.
#
#   diff-stat   cti diff --stat OLD NEW
#   diff-json   cti diff --json OLD NEW (names kept, 200,000 entries out)
#
# NEW drops 5% of OLD's indicators, modifies 10% and adds 5% (made by
# tests/bench/diffgen.c, gzip -6, about 600 MB of JSON each). Targets: wall
# time at most 2x that of `gzip -dc OLD; gzip -dc NEW` measured in the same
# run, peak RSS at most 128 MB. BENCH_SCALE=10 runs on a tenth.
. "$(dirname "$0")/lib.sh"

n=$(scale 1000000)

# the generator, rebuilt when diffgen.c changes (and then the data too)
g=$BENCH_TMP/diffgen
if [ ! -x "$g" ] || [ "$SRC/tests/bench/diffgen.c" -nt "$g" ]; then
	${CC:-cc} -O2 -std=c11 -o "$g.tmp" "$SRC/tests/bench/diffgen.c" &&
		mv "$g.tmp" "$g" || exit 1
	rm -f "$BENCH_TMP"/diff-old-*.json.gz "$BENCH_TMP"/diff-new-*.json.gz
fi
old=$BENCH_TMP/diff-old-$n.json.gz
new=$BENCH_TMP/diff-new-$n.json.gz
cached "$old" sh -c '"$1" old "$2" | gzip -6' sh "$g" "$n"
cached "$new" sh -c '"$1" new "$2" | gzip -6' sh "$g" "$n"

# cti diff exits 1 when it finds differences, which it must here
differs='"$@"; [ $? -eq 1 ]'

measure gz sh -c 'gzip -dc "$1" >/dev/null && gzip -dc "$2" >/dev/null' \
	sh "$old" "$new" || exit 1
measure -o "$BENCH_RUN/stat.out" stat sh -c "$differs" sh \
	"$CTI" diff --stat "$old" "$new" || exit 1
measure -o "$BENCH_RUN/json.out" json sh -c "$differs" sh \
	"$CTI" diff --json "$old" "$new" || exit 1

report diff-stat stat gz 2.0
report_rss diff-stat stat 128
report diff-json json gz 2.0
report_rss diff-json json 128

# the counts must be what the generator made
want="$((n / 20)) $((n / 20)) 0 0 $((n / 10)) $((n - n / 20 - n / 10))"
got=$(awk '$1 == "total" { print $2, $3, $4, $5, $6, $7 }' "$BENCH_RUN/stat.out")
if [ "$got" != "$want" ]; then
	echo "bench: diff-stat: counts $got, want $want" >&2
	_bench_failed=1
fi
lines=$(grep -c '"id"' "$BENCH_RUN/json.out")
if [ "$lines" -ne $((n / 20 * 2 + n / 10)) ]; then
	echo "bench: diff-json: $lines entries, want $((n / 20 * 2 + n / 10))" >&2
	_bench_failed=1
fi
json_mb=$(awk -v a="$(gzip -l "$old" | awk 'NR == 2 { print $2 }')" \
	-v b="$(gzip -l "$new" | awk 'NR == 2 { print $2 }')" \
	'BEGIN { printf "%.0f", (a + b) / 1048576 }')
rate=$(awk -v n="$n" -v s="$stat_s" 'BEGIN { printf "%.0f", (s > 0 ? 2 * n / s : 0) }')
note diff-stat "$n + $n objects, $json_mb MB of JSON, $rate objects/s, counts $got"
bench_done
