#!/bin/bash
# t0500-files: how cti writes files. Every output goes to a temporary file
# beside its target, synced and renamed; an interrupted command leaves
# nothing behind; what a killed one left is swept by the next run; a
# symbolic link's target is replaced, not the link.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

awk 'BEGIN { for (i = 0; i < 600000; i++)
	printf "10.%d.%d.%d\n", int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' \
	>big.txt
printf '198.51.100.7\n' >small.txt
"$CTI" pack -o keep.cti small.txt
cp keep.cti keep.orig

litter() { ls -A "$1" | grep -c '^\.cti-tmp-'; }

# wait until a temporary file of ours appears in $1 (at most 10 s)
wait_tmp() {
	for _i in $(seq 100); do
		[ "$(litter "$1")" -gt 0 ] && return 0
		sleep 0.1
	done
	return 1
}

for sig in INT TERM HUP; do
	mkdir -p "sig$sig"
	cp keep.orig "sig$sig/keep.cti"
	"$CTI" pack -o "sig$sig/keep.cti" big.txt 2>"sig$sig.err" &
	pid=$!
	if wait_tmp "sig$sig"; then
		kill -"$sig" "$pid"
		wait "$pid"
		st=$?
		check "SIG$sig mid-pack: killed by the signal (status $st)" \
			[ "$st" -gt 128 ]
		check "SIG$sig mid-pack: no temporary file left" \
			[ "$(litter "sig$sig")" -eq 0 ]
		check "SIG$sig mid-pack: the old output is untouched" \
			cmp -s keep.orig "sig$sig/keep.cti"
	else
		kill "$pid" 2>/dev/null
		wait "$pid"
		not_ok "SIG$sig: pack never made its temporary file"
	fi
done

# A writer killed outright (SIGKILL) leaves its temporary file; the next
# write to the same target sweeps it once nobody holds its lock and it is
# older than ten seconds.
mkdir killed
"$CTI" pack -o killed/out.cti big.txt &
pid=$!
if wait_tmp killed; then
	kill -KILL "$pid"
	wait "$pid"
	check "SIGKILL leaves the temporary file" [ "$(litter killed)" -eq 1 ]
	"$CTI" pack -o killed/out.cti small.txt
	check "a fresh one is kept (it may belong to a live writer)" \
		[ "$(litter killed)" -eq 1 ]
	touch -d '1 minute ago' killed/.cti-tmp-*
	"$CTI" pack -o killed/other.cti small.txt
	check "another target's run leaves it alone" [ "$(litter killed)" -eq 1 ]
	"$CTI" pack -o killed/out.cti small.txt
	check "the next run of the same output removes it" \
		[ "$(litter killed)" -eq 0 ]
else
	kill -KILL "$pid" 2>/dev/null
	not_ok "pack never made its temporary file"
fi

# a stale name held locked by a live process is not touched
mkdir held
: >held/.cti-tmp-out.cti.AbCdEf
touch -d '1 minute ago' held/.cti-tmp-out.cti.AbCdEf
flock held/.cti-tmp-out.cti.AbCdEf sleep 3 &
lpid=$!
wait_for 10 sh -c '! flock -n "$1" true' sh held/.cti-tmp-out.cti.AbCdEf ||
	not_ok "the holder never took the lock"
"$CTI" pack -o held/out.cti small.txt
check "a locked temporary file is left to its owner" \
	[ -e held/.cti-tmp-out.cti.AbCdEf ]
wait "$lpid"
"$CTI" pack -o held/out.cti small.txt
check "and swept once the lock is gone" [ ! -e held/.cti-tmp-out.cti.AbCdEf ]

# a symbolic link: its target gets the new content, the link stays
mkdir link
cp keep.orig link/real.cti
ln -s real.cti link/alias.cti
"$CTI" pack -o link/alias.cti big.txt
check "writing through a link keeps the link" [ -L link/alias.cti ]
check "and replaces what it points to" sh -c \
	'[ "$(gzip -dc link/real.cti | wc -c)" -gt 1000000 ]'

# the file, then its directory, are synced before the command returns
if command -v strace >/dev/null 2>&1; then
	mkdir sync
	strace -f -qq -e trace=fsync,rename -o strace.log \
		"$CTI" pack -o sync/out.cti small.txt
	check "the temporary file is synced before the rename" awk '
		/fsync\(/ && !r { f = 1 } /rename\(/ { r = 1; ok = f }
		END { exit !ok }' strace.log
	check "and the directory after it" sh -c \
		'grep -A9 "rename(" strace.log | grep -q "fsync("'
else
	skip "strace missing (sh tests/setup.sh --test)"
fi

done_testing
