#!/bin/sh
# tests/bench/sign.sh - cti sign and cti verify against minisign -S and
# minisign -V on the same 1 GiB file (a gzip header and random bytes:
# signing and verifying never inflate), in the same run, with one key.
# Targets: wall time at most 1.1x minisign's, peak RSS at most 16 MB.
. "$(dirname "$0")/lib.sh"

if ! command -v minisign >/dev/null 2>&1; then
	echo "sign: minisign missing (sh tests/setup.sh --test); skipped"
	exit 0
fi
size=$(scale $((1024 * 1024 * 1024)))
big=$BENCH_TMP/sign-$size.gz
# a gzip header (no extra field) and then random bytes
cached "$big" sh -c 'printf "\037\213\010\000\000\000\000\000\000\003";
	head -c "$1" /dev/urandom' sh "$size"
label="$(awk -v s="$size" 'BEGIN { if (s >= 1073741824) printf "%gGB", s / 1073741824; else printf "%gMB", s / 1048576 }')"

R=$BENCH_RUN
"$CTI" keygen -W -p "$R/k.pub" -s "$R/k.key" >/dev/null || exit 1
cat "$big" >/dev/null	# both start from the page cache

# best of two runs of each, alternating, so neither gets a colder cache
best() { # best LABEL: keep the faster of LABEL1/LABEL2 as LABEL
	eval "_a=\$${1}1_s _b=\$${1}2_s _ka=\$${1}1_kb _kb=\$${1}2_kb"
	if awk -v a="$_a" -v b="$_b" 'BEGIN { exit !(a <= b) }'; then
		eval "${1}_s=$_a"
	else
		eval "${1}_s=$_b"
	fi
	eval "${1}_kb=$(( _ka > _kb ? _ka : _kb ))"
}
line() { # line NAME CTI MINISIGN
	eval "_as=\$${2}_s _ak=\$${2}_kb _bs=\$${3}_s _bk=\$${3}_kb"
	_r=$(ratio "$_as" "$_bs")
	_flag=$(awk -v r="$_r" -v m="$(mb "$_ak")" \
		'BEGIN { if (r > 1.1 || m > 16) print " OVER" }')
	echo "$1: cti ${_as}s $(mb "$_ak")MB, minisign ${_bs}s $(mb "$_bk")MB," \
		"ratio ${_r}x (target <= 1.1x, <= 16MB)$_flag"
}

for i in 1 2; do
	measure ms_sign$i minisign -S -s "$R/k.key" -m "$big" -x "$R/ms.minisig"
	measure cti_sign$i "$CTI" sign --detached -s "$R/k.key" -x "$R/cti.minisig" "$big"
done
for i in 1 2; do
	measure ms_verify$i minisign -V -p "$R/k.pub" -m "$big" -x "$R/cti.minisig"
	measure cti_verify$i "$CTI" verify -q -p "$R/k.pub" -x "$R/ms.minisig" "$big"
done
best ms_sign; best cti_sign; best ms_verify; best cti_verify
line "sign $label (detached)" cti_sign ms_sign
line "verify $label (detached)" cti_verify ms_verify

# embedded: the signature goes into the file, which is rewritten once;
# sync first so the writeback of one run does not slow the next
cp "$big" "$R/emb.gz"
sync
measure cti_sign_emb "$CTI" sign -s "$R/k.key" "$R/emb.gz"
sync
for i in 1 2; do
	measure cti_verify_emb$i "$CTI" verify -q -p "$R/k.pub" "$R/emb.gz"
done
best cti_verify_emb
line "sign $label (embedded: rewrites the file)" cti_sign_emb ms_sign
line "verify $label (embedded)" cti_verify_emb ms_verify
measure cti_verify_out "$CTI" verify -q -p "$R/k.pub" -o "$R/out.gz" --keep-gzip "$R/emb.gz"
line "verify $label -o OUT --keep-gzip (written beside OUT, renamed after the checks)" cti_verify_out ms_verify
rm -f "$R/emb.gz" "$R/out.gz"
bench_done
