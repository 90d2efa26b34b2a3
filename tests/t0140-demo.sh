#!/bin/bash
# t0140-demo: `make demo` runs the main job on the shipped samples, and
# every command it prints can be pasted into a shell as it stands.
. "$(dirname "$0")/lib.sh"

mkdir "$T/bin" && ln -s "$CTI" "$T/bin/cti"
CTI="$CTI" O="$T" sh "$SRC/tests/demo.sh" >"$T/demo.out" 2>&1
check "make demo succeeds" [ $? -eq 0 ]
grep '^\$ ' "$T/demo.out" | sed 's/^\$ //' >"$T/cmds"
check "it prints its commands" [ "$(wc -l <"$T/cmds")" -ge 10 ]

# paste them, in order, into a shell in a fresh copy of the samples
mkdir "$T/paste"
cp "$SRC/tests/data/demo/iocs.txt" "$SRC"/tests/data/demo/ics-attack-*-sample.json \
	"$T/paste/"
n=0
while IFS= read -r c; do
	n=$((n + 1))
	(cd "$T/paste" && PATH="$T/bin:$PATH" bash -o pipefail -c "$c") \
		>"$T/out" 2>"$T/err"
	st=$?
	case $c in
	"cti diff "*) want="0 1" ;;	# differences found is 1
	*) want=0 ;;
	esac
	case " $want " in
	*" $st "*) ok "pasted: $c" ;;
	*) not_ok "pasted: $c (exit $st)"; sed 's/^/#   /' "$T/err" | head -n 3 ;;
	esac
done <"$T/cmds"
check "the pasted run ends as the demo did: what was pulled is what was verified" \
	cmp -s "$T/paste/iocs.json" "$T/paste/pulled.json"
done_testing
