#!/bin/bash
# The cti command: version, help, the command table, unknown commands.
. "$(dirname "$0")/lib.sh"

expect 0 "cti --version" "$CTI" --version
check "--version prints the version from cti.h" \
	[ "$(cat "$T/out")" = "cti $(sed -n 's/^#define CTI_VERSION "\(.*\)"/\1/p' "$SRC/lib/cti.h")" ]
"$CTI" --version >"$T/long"
expect 0 "cti -V" "$CTI" -V
check "cti -V prints what --version prints" cmp -s "$T/out" "$T/long"
expect 0 "cti -h" "$CTI" -h
check "cti -h lists every command" sh -c "for c in keygen pack sign verify show diff help; do grep -q \"^  \$c \" '$T/out' || exit 1; done"
expect 0 "cti help" "$CTI" help
expect 2 "cti with no command exits 2" "$CTI"
check "and says how to use it" err_has "usage: cti"
expect 2 "an unknown command exits 2" "$CTI" frobnicate
check "an unknown command lists the commands" err_has "unknown command 'frobnicate'; commands: keygen pack sign verify show diff push pull help"
expect 2 "an unknown global option exits 2" "$CTI" --frobnicate
for c in keygen pack sign verify show diff; do
	expect 0 "cti $c -h" "$CTI" $c -h
	check "cti $c -h prints its usage" grep -q "^usage: cti $c" "$T/out"
	"$CTI" help $c >"$T/help"
	check "cti help $c equals cti $c -h" cmp -s "$T/help" "$T/out"
	expect 2 "cti $c --no-such-option exits 2" "$CTI" $c --no-such-option
done
expect 2 "cti help of an unknown command exits 2" "$CTI" help frobnicate
expect 0 "cti help -h" "$CTI" help -h
check "cti help -h prints its usage" out_has "usage: cti help [COMMAND]"
"$CTI" --version >/dev/full
check "--version into a full disk exits 4" [ $? = 4 ]
done_testing
