#!/bin/bash
# t0130-completion: the bash and zsh completions offer every command, and
# for each command exactly the options of `cti COMMAND -h` (which t0100
# keeps equal to the manual page's SYNOPSIS), and complete option values
# by the word the usage names them with.
. "$(dirname "$0")/lib.sh"

# Under AddressSanitizer, LeakSanitizer's exit check can hang a cti run in
# a zsh command substitution; leaks are not what this test is about.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

bin=$(dirname "$CTI")
cat >"$T/comp.bash" <<EOF2
PATH="$bin:\$PATH"
. "$SRC/completion/cti.bash"
comp() { COMP_WORDS=("\$@"); COMP_CWORD=\$((\$# - 1)); COMPREPLY=(); _cti; printf '%s\n' "\${COMPREPLY[@]}"; }
EOF2
comp() { bash -c ". '$T/comp.bash'; comp \"\$@\"" comp "$@"; }

cmds=$("$CTI" -h | awk '/^commands:/ { c = 1; next } c && /^  [a-z]/ { print $1 }')
check "the command table is read" test -n "$cmds"
check "bash: cti <TAB> offers every command" \
	[ "$(comp cti '' | sort)" = "$(printf '%s\n' $cmds | sort)" ]
check "bash: cti help <TAB> offers every command" \
	[ "$(comp cti help '' | sort)" = "$(printf '%s\n' $cmds | sort)" ]
for c in $cmds; do
	[ "$c" = help ] && continue
	want=$("$CTI" "$c" -h | grep -oE '(^|[][ |])--?[A-Za-z0-9][A-Za-z0-9-]*' |
		sed 's/^[][ |]//' | sort -u)
	got=$(comp cti "$c" - | sort -u)
	check "bash: cti $c -<TAB> offers exactly the options of cti $c -h" \
		[ -n "$want" ] && [ "$got" = "$want" ]
	# and every option the manual page describes (first spelling of each
	# ".It Fl" entry)
	documented=$(sed -n 's/^\.It Fl \([^ ]*\).*/\1/p' "$SRC/man/cti-$c.1" |
		sed 's/^\\-/--/; s/^\([^-]\)/-\1/' | sort -u)
	missing=$(comm -23 <(printf '%s\n' $documented) <(printf '%s\n' $got))
	check "bash: cti $c -<TAB> offers every option cti-$c(1) describes${missing:+ (missing: $(echo $missing))}" \
		[ -n "$documented" ] && [ -z "$missing" ]
done
check "bash: --tlp values" [ "$(comp cti pack --tlp a | tr '\n' ' ')" = "amber amber+strict " ]
check "bash: --from values" [ "$(comp cti pack --from '' | tr '\n' ' ')" = "stix list csv " ]
mkdir "$T/dir" && : >"$T/dir/file.cti"
check "bash: a FILE value completes file names" \
	[ "$(cd "$T" && comp cti verify -o dir/f)" = "dir/file.cti" ]
check "bash: a DURATION value completes nothing" \
	[ -z "$(cd "$T" && comp cti sign --expires '')" ]
check "bash: operands complete file names" \
	[ "$(cd "$T" && comp cti show dir/)" = "dir/file.cti" ]

if command -v zsh >/dev/null 2>&1; then
	# run the completion function with compadd and _files stubbed
	zc() {
		zsh -f -c "
			path=('$bin' \$path)
			compadd() { [[ \$1 == -- ]] && shift; print -l -- \"\$@\"; }
			_files() { print _files; }
			words=(\"\$@\"); CURRENT=\$#
			source '$SRC/completion/_cti'" zc "$@" 2>&1
	}
	check "zsh: cti <TAB> offers every command" \
		[ "$(zc cti '' | sort)" = "$(printf '%s\n' $cmds | sort)" ]
	for c in $cmds; do
		[ "$c" = help ] && continue
		want=$("$CTI" "$c" -h | grep -oE '(^|[][ |])--?[A-Za-z0-9][A-Za-z0-9-]*' |
			sed 's/^[][ |]//' | sort -u)
		check "zsh: cti $c -<TAB> offers exactly the options of cti $c -h" \
			[ "$(zc cti "$c" - | sort -u)" = "$want" ]
	done
	check "zsh: --tlp values" [ "$(zc cti pack --tlp '' | tr '\n' ' ')" = "clear green amber amber+strict red " ]
	check "zsh: a FILE value completes files" [ "$(zc cti verify -o '')" = _files ]
else
	skip "zsh missing (sh tests/setup.sh --test)"
fi

done_testing
