#!/bin/bash
# t0120-install: `make install` into a staging directory installs what it
# says, and a program builds against the staged libcti exactly as the
# README and libcti(3) say: cc prog.c $(pkg-config --cflags --libs libcti),
# shared by default and with --static.
. "$(dirname "$0")/lib.sh"

: "${O:=$SRC/build}"
stage=$T/stage
if ! command -v pkg-config >/dev/null 2>&1 || ! command -v cc >/dev/null 2>&1
then
	skip "pkg-config or cc missing"
	done_testing
	exit
fi

make -s -C "$SRC" O="$O" ${SAN:+SAN=$SAN} PREFIX=/usr DESTDIR="$stage" \
	install >"$T/install.log" 2>&1
check "make install into a staging directory" [ $? -eq 0 ]
ver=$(sed -n 's/^#define CTI_VERSION "\(.*\)"/\1/p' "$SRC/lib/cti.h")
for f in bin/cti include/cti.h lib/libcti.a "lib/libcti.so.$ver" \
	lib/pkgconfig/libcti.pc share/man/man1/cti.1 share/man/man3/libcti.3 \
	share/bash-completion/completions/cti share/zsh/vendor-completions/_cti; do
	check "installs /usr/$f" [ -e "$stage/usr/$f" ]
done
check "libcti.so is a link to the soname" \
	[ "$(readlink "$stage/usr/lib/libcti.so")" = "libcti.so.${ver%%.*}" ]
check "the soname names the versioned file" \
	[ "$(readlink "$stage/usr/lib/libcti.so.${ver%%.*}")" = "libcti.so.$ver" ]
if command -v objdump >/dev/null 2>&1; then
	check "the shared library carries its soname" sh -c \
		"objdump -p '$stage/usr/lib/libcti.so.$ver' | grep -q 'SONAME *libcti.so.${ver%%.*}\$'"
fi
check "libcti.so exports the public API only" sh -c \
	"! nm -D --defined-only '$stage/usr/lib/libcti.so.$ver' | awk '{ print \$3 }' | grep -v '^cti_[a-z]'"

cat >"$T/prog.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <cti.h>

int
main(void)
{
	char buf[40];
	int64_t s;

	if (cti_parse_duration(&s, "2h") || s != 7200)
		return 1;
	if (strcmp(cti_format_time(buf, sizeof(buf), 0),
		   "1970-01-01T00:00:00.000Z") != 0)
		return 1;
	printf("%s\n", cti_version());
	return 0;
}
EOF
export PKG_CONFIG_PATH="$stage/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage"
san=
[ "${SAN:-}" = 1 ] && san="-fsanitize=address,undefined"

# shellcheck disable=SC2046 # pkg-config's output is meant to be split
cc $san -o "$T/prog" "$T/prog.c" $(pkg-config --cflags --libs libcti) \
	2>"$T/cc.err"
check "cc prog.c \$(pkg-config --cflags --libs libcti) links" [ $? -eq 0 ]
sed 's/^/#   /' "$T/cc.err" | head -n 5
LD_LIBRARY_PATH="$stage/usr/lib" "$T/prog" >"$T/prog.out" 2>&1
check "and runs against libcti.so" [ "$(cat "$T/prog.out")" = "$ver" ]
check "it is linked dynamically" sh -c \
	"LD_LIBRARY_PATH='$stage/usr/lib' ldd '$T/prog' | grep -q libcti.so"

# libcti.a with the libraries libcti.pc requires (shared ones: the static
# archives of libcurl's own dependencies are rarely installed)
# shellcheck disable=SC2046
cc $san -o "$T/prog-static" "$T/prog.c" $(pkg-config --cflags libcti) \
	"$stage/usr/lib/libcti.a" \
	$(pkg-config --libs $(pkg-config --print-requires-private libcti)) \
	-pthread 2>"$T/cc.err"
check "and with libcti.a and the libraries libcti.pc requires" [ $? -eq 0 ]
sed 's/^/#   /' "$T/cc.err" | head -n 5
check "that one runs without libcti.so" sh -c \
	"'$T/prog-static' | grep -qx '$ver' && ! ldd '$T/prog-static' | grep -q libcti"

check "libcti.pc names only what libcti uses" sh -c \
	"pkg-config --print-requires-private libcti | sort | tr '\n' ' ' |
	 grep -Eq '^(libcjson |libcurl |libsodium |zlib )+\$'"

# libcurl (and the thirty libraries it brings) is loaded by the first
# transfer, not by every start of cti or of a program using libcti
check "cti does not load libcurl to start" sh -c "! ldd '$CTI' | grep -q libcurl"
check "nor does libcti.so" sh -c "! ldd '$stage/usr/lib/libcti.so' | grep -q libcurl"
mkdir -p "$T/ws" && printf '198.51.100.7\n' >"$T/ws/l.txt"
check "a transfer loads it" sh -c "'$CTI' pack -q -o '$T/ws/a.cti' '$T/ws/l.txt' &&
	LD_DEBUG=files '$CTI' push -q --retries 0 --allow-unsigned '$T/ws/a.cti' https://127.0.0.1:1/x 2>&1 |
	grep -q 'file=libcurl.so.4'"
check "a command without one does not" sh -c \
	"! LD_DEBUG=files '$CTI' show '$T/ws/a.cti' 2>&1 | grep -q 'libcurl'"
: >"$T/ws/libcurl.so.4" # a libcurl that cannot be loaded
expect 4 "a transfer without a loadable libcurl: exit 4" env LD_LIBRARY_PATH="$T/ws" \
	"$CTI" push --retries 0 --allow-unsigned "$T/ws/a.cti" https://127.0.0.1:1/x
check "... saying why" err_has "libcurl, which the network transports need, cannot be loaded"
expect 0 "... while the other commands work" env LD_LIBRARY_PATH="$T/ws" "$CTI" show "$T/ws/a.cti"

done_testing
