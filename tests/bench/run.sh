#!/bin/sh
# tests/bench/run.sh - run the benchmarks: every tests/bench/NAME.sh but
# lib.sh and run.sh, or only those named in $BENCH (space-separated).
#
#   make bench                       all of them
#   make bench BENCH=pack            one of them
#   make bench BENCH_SCALE=10        inputs a tenth of the size, for a try
#   CTI=$PWD/build/cti O=$PWD/build bash tests/bench/pack.sh
#                                    one, without make
#
# Each prints lines like
#   NAME: cti Xs YMB | gzip Xs YMB | ratio Z.ZZx (target <= T)
# Figures over their target are flagged "OVER" but do not fail the run; a
# command that fails does.
cd "$(dirname "$0")/../.." || exit 2
: "${CTI:?CTI must name the cti binary}"
status=0
if [ -n "${BENCH:-}" ]; then
	list=
	for b in $BENCH; do list="$list tests/bench/$b.sh"; done
else
	list=
	for b in tests/bench/*.sh; do
		case $b in */lib.sh | */run.sh) ;; *) list="$list $b" ;; esac
	done
fi
for b in $list; do
	if [ ! -f "$b" ]; then
		echo "bench: no such benchmark: $b" >&2
		status=1
		continue
	fi
	echo "# $(basename "$b" .sh)"
	bash "$b" || status=1
done
exit $status
