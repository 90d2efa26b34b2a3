#!/bin/bash
# tests/bench/compare.sh - this cti against another build of it (CTI_OLD, a
# cti binary of an earlier commit) on the hot paths, interleaved and
# repeated, so that a change that slows one down shows:
#
#   pack-list    cti pack of a 1,000,000-line indicator list
#   pack-bundle  cti pack of a 1,000,000-object STIX bundle
#   sign         cti sign of that bundle file (a 1,000,000-line list's)
#   verify       cti verify -o of it
#   show         cti show of it
#   diff         cti diff of two releases of the list
#
# For each: the best of BENCH_REPEAT (default 3) runs of each binary, old
# and new alternating, and the ratio new/old (target <= 1.05). Skipped
# when CTI_OLD is not set:
#
#   git worktree add /tmp/old COMMIT && make -C /tmp/old
#   make bench BENCH=compare CTI_OLD=/tmp/old/build/cti
. "$(dirname "$0")/lib.sh"

if [ -z "${CTI_OLD:-}" ]; then
	echo "compare: CTI_OLD (an earlier build of cti) not set; skipped"
	exit 0
fi
[ -x "$CTI_OLD" ] || { echo "compare: $CTI_OLD: not executable" >&2; exit 1; }
reps=${BENCH_REPEAT:-3}
export CTI_PASSPHRASE_FILE=$BENCH_RUN/pass
printf 'bench\n' >"$CTI_PASSPHRASE_FILE"
"$CTI" keygen -q -W -p "$BENCH_RUN/k.pub" -s "$BENCH_RUN/k.key" || exit 1

n=$(scale 1000000)
list=$(gen_list "$n") || exit 1
bundle=$(gen_bundle "$n") || exit 1
# a second release of the list: one line in 1,000 changed
awk 'NR % 1000 == 0 { print "changed-" NR ".example.net"; next } 1' \
	"$list" >"$BENCH_RUN/list2.txt"

# both binaries make their own inputs for the commands that read bundle
# files, so that each reads what it wrote
for v in old new; do
	c=$CTI
	[ "$v" = old ] && c=$CTI_OLD
	SOURCE_DATE_EPOCH=1795000000 "$c" pack -o "$BENCH_RUN/$v.cti" "$list" 2>/dev/null &&
		SOURCE_DATE_EPOCH=1795086400 "$c" pack -o "$BENCH_RUN/$v-2.cti" 2>/dev/null \
			"$BENCH_RUN/list2.txt" || exit 1
done

# one NAME|COMMAND per line: @B@ stands for the binary, @V@ for its
# version (old, new: the names of its own files), @R@ for $BENCH_RUN
cases='pack-list|@B@ pack -o @R@/@V@-out.cti @LIST@
pack-bundle|@B@ pack -o @R@/@V@-out.cti @BUNDLE@
sign|cp @R@/@V@.cti @R@/@V@-s.cti && @B@ sign -s @R@/k.key @R@/@V@-s.cti
verify|@B@ verify -p @R@/k.pub -o @R@/@V@-out.json @R@/@V@-s.cti
show|@B@ show @R@/@V@.cti
diff|@B@ diff @R@/@V@.cti @R@/@V@-2.cti >/dev/null; test $? -le 1'

run_case() { # run_case LABEL VERSION COMMAND
	_b=$CTI
	[ "$2" = old ] && _b=$CTI_OLD
	_cmd=$3
	_cmd=${_cmd//@R@/$BENCH_RUN}
	_cmd=${_cmd//@LIST@/$list}
	_cmd=${_cmd//@BUNDLE@/$bundle}
	_cmd=${_cmd//@V@/$2}
	_cmd=${_cmd//@B@/$_b}
	measure "$1" sh -c "$_cmd"
}

while IFS='|' read -r name cmd; do
	label=${name//-/_}
	for i in $(seq "$reps"); do
		run_case "${label}_old$i" old "$cmd" || exit 1
		run_case "${label}_new$i" new "$cmd" || exit 1
	done
	best "${label}_old" "$reps"
	best "${label}_new" "$reps"
	eval "_o=\$${label}_old_s _ok=\$${label}_old_kb _n=\$${label}_new_s _nk=\$${label}_new_kb"
	_r=$(ratio "$_n" "$_o")
	_flag=$(awk -v r="$_r" 'BEGIN { if (r > 1.05) print " OVER" }')
	echo "compare-$name: new ${_n}s $(mb "$_nk")MB | old ${_o}s $(mb "$_ok")MB |" \
		"ratio ${_r}x (target <= 1.05)$_flag"
done <<EOF
$cases
EOF
bench_done
