#!/bin/bash
# tests/bench/pack.sh - cti pack against gzip -6 on the same bundle JSON.
#
#   pack-list    a 1,000,000-line indicator list (IPv4, domains, URLs,
#                hashes) into a bundle: cti pack -o out.cti list.txt, against
#                gzip -6 of the bundle JSON that cti wrote.
#                Targets: time ratio <= 1.3, peak RSS <= 64 MB.
#   pack-bundle  a 1,000,000-object STIX bundle (about 430 MB of JSON):
#                cti pack -o out.cti bundle.json against gzip -6 of it.
#                Targets: time ratio <= 1.5, peak RSS <= 64 MB.
#
# Run alone: make bench BENCH=pack (or, built in build/,
# CTI=$PWD/build/cti O=$PWD/build bash tests/bench/pack.sh). The inputs are
# made once and cached in $BENCH_TMP; BENCH_SCALE=10 runs on a tenth.
. "$(dirname "$0")/lib.sh"

# (a) an indicator list
n=$(scale 1000000)
list=$(gen_list "$n") || exit 1
measure list_cti "$CTI" pack -o "$BENCH_RUN/list.cti" "$list" || exit 1
gzip -dc "$BENCH_RUN/list.cti" >"$BENCH_RUN/list.json" || exit 1
measure -o "$BENCH_RUN/list.gz" list_gz gzip -6 -c "$BENCH_RUN/list.json" || exit 1
objs=$("$CTI" show --objects "$BENCH_RUN/list.cti" | wc -l)
report pack-list list_cti list_gz 1.3
report_rss pack-list list_cti 64
note pack-list "$n lines, $objs objects, $(rate "$objs" "$list_cti_s")" \
	"objects/s, $(wc -c <"$BENCH_RUN/list.cti") bytes out (gzip -6:" \
	"$(wc -c <"$BENCH_RUN/list.gz"))"
rm -f "$BENCH_RUN/list.cti" "$BENCH_RUN/list.json" "$BENCH_RUN/list.gz"

# (b) a large STIX bundle
n=$(scale 1000000)
bundle=$(gen_bundle "$n") || exit 1
measure bundle_cti "$CTI" pack -o "$BENCH_RUN/bundle.cti" "$bundle" || exit 1
measure -o "$BENCH_RUN/bundle.gz" bundle_gz gzip -6 -c "$bundle" || exit 1
report pack-bundle bundle_cti bundle_gz 1.5
report_rss pack-bundle bundle_cti 64
note pack-bundle "$n objects, $(wc -c <"$bundle") bytes in," \
	"$(rate "$n" "$bundle_cti_s") objects/s," \
	"$(wc -c <"$BENCH_RUN/bundle.cti") bytes out (gzip -6:" \
	"$(wc -c <"$BENCH_RUN/bundle.gz"))"
rm -f "$BENCH_RUN/bundle.cti" "$BENCH_RUN/bundle.gz"

bench_done
