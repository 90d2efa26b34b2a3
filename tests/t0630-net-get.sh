#!/bin/sh
# t0630-net-get: downloads through libcti's public network API against the
# fault server (tests/unit/test_net.c with a server): conditional GET,
# resume with Range and If-Range, a cut body resumed by the retry, a range
# ignored, the size cap while receiving, 404 not retried.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

case ${O:-build} in /*) bin=$O ;; *) bin=$SRC/${O:-build} ;; esac
bin=$bin/tests/unit/test_net
[ -x "$bin" ] || skip_all "test_net not built (make check builds it)"
need_faults
CTI_TEST_URL=$FAULTS_URL/ok/ CTI_TEST_CACERT=$FAULTS_DIR/ca.pem "$bin" >log 2>&1
st=$?
sed 's/^/# /' log | grep -v '^# ok' | head -20
check "test_net against the fault server passes" test "$st" -eq 0
check "it ran the HTTPS cases" test "$(grep -c "^ok" log)" -ge 55
check "the cut body was fetched twice, the second time with a range" sh -c \
	"curl -s --cacert '$FAULTS_DIR/ca.pem' '$FAULTS_URL/hits' | grep -q '\"/cut/g.bin\": 2'"

done_testing
