#!/bin/sh
# t0100-man: the manual pages are clean under mandoc -Tlint, say what the
# program says: each man/cti-CMD.1 SYNOPSIS is `cti CMD -h`, cti.1's is
# `cti -h`; libcti.3 documents every cti_ function of lib/cti.h; every page
# has EXIT STATUS and EXAMPLES.
. "$(dirname "$0")/lib.sh"
cd "$SRC" || exit 2

if ! command -v mandoc >/dev/null 2>&1 || ! command -v col >/dev/null 2>&1
then
	skip "mandoc or col missing (sh tests/setup.sh --test)"
	done_testing
	exit
fi

# Squeeze all white space to single blanks, trim both ends.
norm() { tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//'; }

# The SYNOPSIS of page $1 as plain text, one entry per line (an entry may
# be wrapped over several lines; its continuations are indented deeper).
synopsis() {
	mandoc -Tascii "$1" | col -bx | awk '
		/^SYNOPSIS$/ { on = 1; next }
		on && /^[^ ]/ { exit }
		on && /^     [^ ]/ { if (e != "") print e; e = $0; next }
		on && /[^ ]/ { e = e " " $0 }
		END { if (e != "") print e }'
}

# The usage text of "cti ARGS -h" without the "usage:" word.
usage_of() {
	"$CTI" "$@" -h 2>&1 | sed 's/^usage://'
}

pages=$(ls man/*.[0-9] 2>/dev/null)
check "man/ has manual pages" test -n "$pages"

for p in $pages; do
	lint=$(mandoc -Tlint -Wwarning "$p" 2>&1)
	check "$p: mandoc -Tlint -Wwarning is clean" test -z "$lint"
	[ -z "$lint" ] || printf '%s\n' "$lint" | sed 's/^/#   /' | head -n 10
	if command -v groff >/dev/null 2>&1; then
		# as man(1) renders it: no "can't break line" and the like
		warn=$(groff -mandoc -Tutf8 -ww -z "$p" 2>&1)
		check "$p: groff -ww renders it without a warning" test -z "$warn"
		[ -z "$warn" ] || printf '%s\n' "$warn" | sed 's/^/#   /' | head -n 5
	fi
	check "$p: has EXIT STATUS" grep -q '^\.Sh EXIT STATUS$' "$p"
	check "$p: has EXAMPLES" grep -q '^\.Sh EXAMPLES$' "$p"
done

# cti.1: its first SYNOPSIS entry is the first line of `cti -h`.
if [ -f man/cti.1 ]; then
	want=$(synopsis man/cti.1 | head -n 1 | norm)
	got=$("$CTI" -h 2>&1 | head -n 1 | sed 's/^usage://' | norm)
	if [ "$got" = "$want" ]; then
		ok "cti.1 SYNOPSIS matches cti -h"
	else
		not_ok "cti.1 SYNOPSIS matches cti -h"
		echo "#   page: $want"
		echo "#   cti:  $got"
	fi
else
	not_ok "man/cti.1 exists"
fi

# Every command of the command table (cmd/cmd.h declares cmd_NAME) has a
# page, and every page a command, whose SYNOPSIS is its usage.
cmds=$(sed -n 's/^int cmd_\([a-z][a-z0-9_]*\)(int argc, char \*\*argv);$/\1/p' \
	cmd/cmd.h)
check "cmd/cmd.h lists commands" test -n "$cmds"
cmds=$({ printf '%s\n' $cmds; ls man/cti-*.1 2>/dev/null |
	sed 's|^man/cti-\(.*\)\.1$|\1|'; } | sort -u)
for c in $cmds; do
	p=man/cti-$c.1
	if [ ! -f "$p" ]; then
		not_ok "$p exists"
		continue
	fi
	expect 0 "cti $c -h exits 0" "$CTI" "$c" -h
	want=$(synopsis "$p" | norm)
	got=$(usage_of "$c" | norm)
	if [ -n "$got" ] && [ "$got" = "$want" ]; then
		ok "$p SYNOPSIS matches cti $c -h"
	else
		not_ok "$p SYNOPSIS matches cti $c -h"
		echo "#   page: $want"
		echo "#   cti:  $got"
	fi
done

# libcti.3 has an .Fn (or .Fo) entry for every function lib/cti.h declares
# (declarations start in column 0; comments do not).
funcs=$(grep '^[a-z]' lib/cti.h | grep -o 'cti_[a-z0-9_]*(' | tr -d '(' |
	sort -u)
check "lib/cti.h declares functions" test -n "$funcs"
if [ -f man/libcti.3 ]; then
	missing=
	for f in $funcs; do
		grep -Eq "^\.F[no] $f( |\$)" man/libcti.3 || missing="$missing $f"
	done
	check "libcti.3 documents every cti_ function${missing:+ (missing:$missing)}" \
		test -z "$missing"
	# and nothing that is no longer there
	extra=
	for f in $(sed -n 's/^\.F[no] \(cti_[a-z0-9_]*\).*/\1/p' man/libcti.3 |
		sort -u); do
		printf '%s\n' "$funcs" | grep -qx "$f" || extra="$extra $f"
	done
	check "libcti.3 documents no function cti.h lacks${extra:+ (extra:$extra)}" \
		test -z "$extra"
else
	not_ok "man/libcti.3 exists"
fi

# Every symbol libcti.a exports under the public prefix cti_ is declared in
# lib/cti.h; internal ones carry cti__ and nothing else is exported.
lib=$(dirname "$CTI")/libcti.a
if [ -f "$lib" ] && command -v nm >/dev/null 2>&1; then
	syms=$(nm -g --defined-only "$lib" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u)
	undeclared= foreign=
	for s in $syms; do
		case $s in
		cti__*) ;;
		cti_*) grep -q "\<$s\>" lib/cti.h || undeclared="$undeclared $s" ;;
		*) foreign="$foreign $s" ;;
		esac
	done
	check "libcti.a exports only cti.h's cti_ symbols${undeclared:+ (undeclared:$undeclared)}" \
		test -z "$undeclared"
	check "libcti.a exports nothing outside the cti_ and cti__ prefixes${foreign:+ (foreign:$foreign)}" \
		test -z "$foreign"
else
	skip "libcti.a or nm missing"
fi

done_testing
