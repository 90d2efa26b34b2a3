#!/bin/bash
# t0110-examples: every example of the README and of the manual pages'
# EXAMPLES runs, taken from the files themselves (tests/examples.py says
# how), so that the documentation and the tool cannot drift apart; their
# s3:// buckets are the S3 test front's.
. "$(dirname "$0")/lib.sh"

need_tools jq gzip minisign
# the https:// hosts of the examples are a test nginx serving
# $NGINX_DIR/www/pub/, whose CA cti push and pull are given (world.sh)
need_nginx
EX_WWW=$NGINX_DIR/www/pub
EX_CA=$NGINX_DIR/ca.pem
# and taxii.example.org the TAXII test server, with the same CA (it asks
# for no password: those of the examples are tested elsewhere)
mkdir -p "$T/taxii-tls" && for f in ca.pem srv.pem srv.key client.pem client.key; do
	cp "$NGINX_DIR/$f" "$T/taxii-tls/$f"
done
start_taxii taxii ||
	skip_all "the TAXII test server does not start (sh tests/setup.sh --test)"
# and the s3:// buckets the S3 test front, with the same CA
mkdir -p "$T/s3-tls" && for f in ca.pem srv.pem srv.key; do
	cp "$NGINX_DIR/$f" "$T/s3-tls/$f"
done
need_s3 "the examples"
start_s3 s3 ||
	skip_all "the S3 test server does not start (sh tests/setup.sh --test)"
EX_S3_ENDPOINT=$S3_ENDPOINT EX_S3_KEY_ID=$S3_KEY_ID EX_S3_SECRET=$S3_SECRET
tab=$(printf '\t')
EX_REWRITE="https://feeds.example.org/$tab$NGINX_URL/pub/
https://intranet.example/$tab$NGINX_URL/pub/
https://taxii.example.org$tab$TAXII_URL
https://minio.example.org:9000$tab$S3_ENDPOINT
s3://cert-xx-feeds/${tab}s3://cti-test/cert-xx/
s3://cert-xy-feeds/${tab}s3://cti-test/cert-xy/
sha256//4u1Bq2...$tab$(cat "$NGINX_DIR/pin")"
export DATA EX_WWW EX_CA EX_REWRITE EX_S3_ENDPOINT EX_S3_KEY_ID EX_S3_SECRET
$PY "$SRC/tests/examples.py" "$SRC" "$CTI" "$SRC/tests/examples/world.sh" \
	"$T" "$SRC/README" "$SRC"/man/*.[0-9] >"$T/examples.out" 2>&1
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done <"$T/examples.out"
done_testing
