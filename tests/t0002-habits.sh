#!/bin/bash
# t0002-habits: what a user of one command expects of every other: -q, -v
# and --json alike on every command of the table; -q is silent on success
# (cron mails nothing), -v says no less than the default (more, where
# there is more to say), --json prints JSON on stdout that jq reads.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

cmds=$("$CTI" -h | awk '/^commands:/ { c = 1; next } c && /^  [a-z]/ { print $1 }')
for c in $cmds; do
	[ "$c" = help ] && continue
	u=$("$CTI" "$c" -h)
	check "cti $c -h offers -q | -v" sh -c "printf '%s' '$u' | grep -qF '[-q | -v]'"
	check "cti $c -h offers --json" sh -c "printf '%s' '$u' | grep -qF -- '--json'"
done

# a world to run each command in
printf '198.51.100.7\nevil.example.com\n' >iocs.txt
"$CTI" keygen -q -W -p k.pub -s k.key
"$CTI" pack -q -o a.cti iocs.txt
printf '198.51.100.8\n' >>iocs.txt
"$CTI" pack -q -o b.cti iocs.txt
"$CTI" sign -q -s k.key --feed f --seq 1 b.cti
mkdir usb

# habits CMD STATUS ARG...: cti CMD ARG... once with -q, once plain, once
# with -v, once with --json (each in a fresh copy of the world)
habits() {
	_cmd=$1 _want=$2
	shift 2
	for _m in -q "" -v --json; do
		rm -rf w && mkdir w && cp -r k.pub k.key a.cti b.cti iocs.txt usb w/
		(cd w && "$CTI" "$_cmd" $_m "$@") >out 2>err
		_st=$?
		_d="cti $_cmd${_m:+ $_m}"
		check "$_d: exit $_want (got $_st)" [ "$_st" = "$_want" ]
		_n=$(cat out err | wc -c)
		case $_m in
		-q)
			check "$_d: nothing on stderr" [ ! -s err ]
			_quiet=$_n
			;;
		"")
			check "$_d: -q says no more" [ "$_quiet" -le "$_n" ]
			_plain=$_n
			;;
		-v)
			check "$_d: says at least as much ($_n bytes, $_plain plain)" \
				[ "$_n" -ge "$_plain" ]
			;;
		--json)
			check "$_d: JSON on stdout" jq -e . out >/dev/null
			;;
		esac
	done
}

habits keygen 0 -W -p n.pub -s n.key
habits pack 0 -o c.cti iocs.txt
habits sign 0 -s k.key --feed f --seq 2 a.cti
habits verify 0 -p k.pub b.cti
habits show 0 b.cti
habits diff 1 a.cti b.cti
habits push 0 -p k.pub b.cti usb/
habits pull 0 -p k.pub --state st -o o.json ../b.cti

# -q on success prints nothing at all where the output is a file
for c in "pack -q -o q.cti iocs.txt" "sign -q -s k.key --feed f --seq 3 a.cti" \
	"push -q -p k.pub b.cti usb/" "pull -q -p k.pub --state st -o o.json b.cti"; do
	# shellcheck disable=SC2086 # the words are meant to be split
	"$CTI" $c >out 2>err
	check "cti $c: silent" [ $? = 0 ] && [ ! -s out ] && [ ! -s err ]
done

done_testing
