#!/bin/bash
# t0650-pull-https: cti pull from nginx over TLS (a CA and certificate made
# here, WebDAV PUT, basic auth): push then pull byte-identical and
# verified, the second pull a silent 304, tampered and older files refused
# with the last good copy and state untouched, TLS, auth and server
# refusals with their exit status, retries when the server is gone, two
# pulls at once, no secret in any output, and the commands of cti-pull(1)'s
# EXAMPLES and of the README's cron and removable-media sections as written
# (only the host, the stick and the CA they cannot know are put in).
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

need_nginx
U=$NGINX_URL
W=$NGINX_DIR/www
PW=$NGINX_DIR/password
CA=$NGINX_DIR/ca.pem
TLS="--cacert $CA"
all_out=$T/all-output	# every output of every run, for the secret check
: >"$all_out"
keep() { cat "$T/out" "$T/err" >>"$all_out"; }

feed_files
K="-p alice.pub"
F=$U/pub/feed.cti

# --- push, then pull: byte-identical and verified
expect 0 "push seq 1" "$CTI" push $TLS $K --name feed.cti s1.cti "$U/pub/"
expect 0 "pull it" "$CTI" pull $TLS $K -o feed.json "$F"
check "silent" test ! -s "$T/err" -a ! -s "$T/out"
expect 0 "pull --json to find the state" "$CTI" pull --json $TLS $K -o feed.json "$F"
st=$(jq -r .state "$T/out")
check "the last good copy is what was pushed, byte for byte" cmp -s s1.cti "$st/bundle"
check "the server's file is what was pushed" cmp -s s1.cti "$W/pub/feed.cti"
check "the JSON is the bundle's" sh -c 'gzip -dc s1.cti | cmp -s - feed.json'
check "the second pull was a 304" sh -c "jq -e '.status == \"unchanged\" and .http_status == 304' '$T/out' >/dev/null"
expect 0 "a third pull" "$CTI" pull $TLS $K -o feed.json "$F"
check "nothing printed" test ! -s "$T/err" -a ! -s "$T/out"
check "nginx answered 304 with no body" sh -c "tail -n 1 '$NGINX_DIR/access.log' | grep -q '\" 304 0 '"
check "it asked with If-None-Match (the validators kept)" grep -q '^etag "' "$st/validators"
expect 0 "-v says each request and status" "$CTI" pull -v $TLS $K -o feed.json "$F"
keep
check "-v: GET and 304" sh -c "grep -q 'GET $F' '$T/err' && grep -q ': 304' '$T/err'"
before=$(state_sums "$st") stamp=$(stat -c %i.%Y feed.json) good=s1.cti
untouched() {
	[ "$(state_sums "$st")" = "$before" ] && cmp -s "$good" "$st/bundle" &&
		[ "$(stat -c %i.%Y feed.json)" = "$stamp" ] && [ ! -e "$st/partial" ]
}
# put FILE: the server's copy becomes FILE, with a later mtime (nginx's
# ETag is mtime-size in seconds)
n_put=0
put() {
	n_put=$((n_put + 1))
	cp "$1" "$W/pub/feed.cti" && touch -d "+$n_put min" "$W/pub/feed.cti"
}

# --- a tampered file, an older one: refused, nothing installed
cp s2.cti tampered.cti
flip tampered.cti -30
put tampered.cti
expect 1 "a tampered file on the server" "$CTI" pull $TLS $K -o feed.json "$F"
check "tampered: last good copy, output and state untouched" untouched
put s2.cti
expect 0 "seq 2 on the server" "$CTI" pull --json $TLS $K -o feed.json "$F"
check "updated to seq 2" sh -c "jq -e '.status == \"updated\" and .seq == 2 and .http_status == 200' '$T/out' >/dev/null"
check "installed" cmp -s s2.cti "$st/bundle"
before=$(state_sums "$st") stamp=$(stat -c %i.%Y feed.json) good=s2.cti
put s1.cti
expect 1 "an older seq put back" "$CTI" pull $TLS $K -o feed.json "$F"
check "the replay is named" err_has "replay"
check "older: last good copy, output and state untouched" untouched

# --- TLS, refusals
expect 5 "no CA for the server" "$CTI" pull $K -o feed.json "$F"
check "no CA: untouched" untouched
expect 5 "the wrong CA" "$CTI" pull --cacert "$NGINX_DIR/other-ca.pem" $K -o feed.json "$F"
check "wrong CA: untouched" untouched
expect 5 "a wrong pin" "$CTI" pull $TLS --pinnedpubkey "$(cat "$NGINX_DIR/other-pin")" $K -o feed.json "$F"
check "the pin is named" err_has "pinned public key"
check "wrong pin: untouched" untouched
expect 0 "the right pin" "$CTI" pull $TLS --pinnedpubkey "$(cat "$NGINX_DIR/pin")" $K --state st-pin "$F"
expect 6 "404" "$CTI" pull $TLS $K "$U/pub/nothing.cti"
check "404 named" err_has "404 Not Found"
expect 6 "404 --json" "$CTI" pull --json $TLS $K "$U/pub/nothing.cti"
check "failed, exit 6, http_status 404, the message" sh -c "jq -e '.status == \"failed\" and .exit == 6 and .http_status == 404 and (.error | test(\"404\"))' '$T/out' >/dev/null"
expect 6 "a redirect to http://" "$CTI" pull $TLS $K "$U/to-http/feed.cti"
check "refused: not https" err_has "not https://"
expect 0 "a redirect to https:// on the same server" "$CTI" pull $TLS $K --state st-redir "$U/to-pub/feed.cti"
check "followed" cmp -s s1.cti st-redir/bundle
expect 6 "push over the size limit: 413" "$CTI" push $TLS $K s1.cti "$U/small/"
check "413 named" err_has "413"

# --- credentials: never in any output
cp s2.cti "$W/auth/feed.cti"
expect 6 "no credentials: 401" "$CTI" pull -v $TLS $K "$U/auth/feed.cti"
keep
printf 'wrong password\n' >bad
expect 6 "a bad password: 401" "$CTI" pull -v $TLS --user alice --password-file bad $K "$U/auth/feed.cti"
keep
check "401 named" err_has "401 Unauthorized"
expect 0 "the right password from a file" "$CTI" pull -v --json $TLS --user alice --password-file "$PW" $K "$U/auth/feed.cti"
keep
expect 0 "CTI_PASSWORD from the environment" env CTI_PASSWORD='correct horse battery staple' \
	"$CTI" pull -v $TLS --user alice --state st-env $K "$U/auth/feed.cti"
keep
check "installed with the password" cmp -s s2.cti st-env/bundle
printf 'tok3n-s3cret-value\n' >token
expect 6 "a bearer token nginx does not take" "$CTI" pull -v $TLS --token-file token $K "$U/auth/feed.cti"
keep
check "no password or token in any output, even with -v" \
	sh -c "! grep -Eq 'horse|wrong password|tok3n' '$all_out'"
check "the outputs were kept for that check" test -s "$all_out"

# --- two pulls at once: one waits or exits 4, never both writing
seq 1 300 | awk '{ printf "10.%d.%d.9\n", int($1 / 250), $1 % 250 }' >big.txt
"$CTI" pack -o big.cti big.txt &&
	"$CTI" sign -q -s alice.key --feed cert-xy --seq 1 big.cti
cp big.cti "$W/slow/feed.cti"
S=$U/slow/feed.cti
"$CTI" pull $TLS $K --state st-slow -o slow.json "$S" 2>slow.err &
first=$!
# the lock holds the first pull's pid once it is taken
wait_for 30 grep -qx "$first" st-slow/lock ||
	not_ok "the first pull never took the lock"
expect 4 "a second pull of the same source: exit 4" "$CTI" pull $TLS $K --state st-slow -o slow.json "$S"
check "it names the first one's pid" err_has "another pull of $S is running (pid $first)"
check "and wrote nothing" test ! -e slow.json -a ! -e st-slow/bundle
expect 0 "a third waits with --lock-wait" "$CTI" pull --json $TLS $K --state st-slow --lock-wait 60s -o slow.json "$S"
check "the first had finished by then" sh -c "! kill -0 $first 2>/dev/null"
check "it found the copy current (304)" sh -c "jq -e '.status == \"unchanged\"' '$T/out' >/dev/null"
wait "$first"
check "the first pull succeeded" test $? -eq 0
check "the slow copy is whole and verified" sh -c "cmp -s big.cti st-slow/bundle && gzip -dc big.cti | cmp -s - slow.json"

# --- the examples of cti-pull(1) and the README, as written
mkdir ex ex/home ex/home/.config ex/home/.config/cti ex/home/.config/cti/partners \
	ex/srv ex/srv/feeds ex/usb "$W/pub/cert-xy" "$W/auth/cert-xy"
cd ex || exit 2
"$CTI" keygen -q -W -c cert-xy -p cert-xy.pub -s cert-xy.key
cp cert-xy.pub home/.config/cti/partners/
cp ../iocs.txt . && "$CTI" pack -o feed.cti iocs.txt &&
	"$CTI" sign -q -s cert-xy.key --feed cert-xy --seq 1 feed.cti
cp feed.cti "$W/pub/cert-xy/feed.cti" && cp feed.cti "$W/auth/cert-xy/feed.cti"
cp feed.cti usb/feed.cti
cp "$PW" home/.cti-pw && chmod 600 home/.cti-pw
printf 'cert-ab:%s\n' "$(openssl passwd -apr1 'correct horse battery staple')" \
	>>"$NGINX_DIR/htpasswd"
# crontab lines
# (TAXII's run in t0710, S3's in t0110)
cron_cmds() { sed -n 's/^ *\*\/15 \* \* \* \* //p' | grep -v -e 'taxii+' -e 's3://'; }
here() { # the places an example cannot know
	sed -e "s|https://feeds.example.org/|$1|g" -e "s|/media/usb|$T/ex/usb|g" \
		-e "s|/srv/feeds|$T/ex/srv/feeds|g" -e "s|cti pull |cti pull --cacert $CA |"
}
mkdir bin && ln -s "$CTI" bin/cti
man_ex=$(man_examples cti-pull.1 | grep '^cti pull' | grep -v 'taxii+' | here "$U/pub/")
check "cti-pull.1: three \$ examples" test "$(printf '%s\n' "$man_ex" | wc -l)" = 3
while IFS= read -r c; do
	expect 0 "cti-pull.1: $c" env PATH="$T/ex/bin:$PATH" HOME="$T/ex/home" sh -c "$c"
done <<EOF
$man_ex
EOF
check "cti-pull.1: the first wrote the JSON" sh -c 'gzip -dc feed.cti | cmp -s - feed.json'
check "cti-pull.1: the stick's file kept as gzip" test -s cert-xy.cti
check "cti-pull.1: the last said unchanged" sh -c "jq -e '.status == \"unchanged\"' '$T/out' >/dev/null"
for f in "$SRC/man/cti-pull.1" "$SRC/README"; do
	c=$(cron_cmds <"$f" | here "$U/auth/")
	check "$(basename "$f"): one crontab line" test "$(printf '%s\n' "$c" | grep -c .)" = 1
	expect 0 "$(basename "$f"): the crontab line runs" \
		env -u XDG_STATE_HOME -u XDG_CONFIG_HOME PATH="$T/ex/bin:$PATH" \
		HOME="$T/ex/home" sh -c "$c"
	check "$(basename "$f"): silent" test ! -s "$T/err" -a ! -s "$T/out"
done
check "the cron job wrote the feed" sh -c "gzip -dc feed.cti | cmp -s - srv/feeds/cert-xy.json"
check "its state in ~/.local/state/cti/pull/" sh -c "ls -d home/.local/state/cti/pull/127.0.0.1_${NGINX_PORT}_auth_cert-xy_feed.cti-* >/dev/null"
cd "$T" || exit 2

# --- a detached signature: pushed along with the file, pulled with it
"$CTI" pack -o det.cti more.txt
"$CTI" sign -q --detached -s alice.key --feed det --seq 1 det.cti
expect 0 "push a file with a detached signature" "$CTI" push $TLS $K det.cti "$U/pub/"
check "... both on the server" test -s "$W/pub/det.cti" -a -s "$W/pub/det.cti.minisig"
expect 0 "pull it: the detached signature fetched and checked" \
	"$CTI" pull -v $TLS $K --state st-det -o det.json "$U/pub/det.cti"
check "... said under -v" err_has "good detached signature by"
check "... the JSON written" sh -c 'gzip -dc det.cti | cmp -s - det.json'
rm "$W/pub/det.cti.minisig" && touch -d "@$(($(date +%s) + 5))" "$W/pub/det.cti" # a new ETag
expect 1 "without it on the server: refused" \
	"$CTI" pull $TLS $K --state st-det -o det.json "$U/pub/det.cti"
check "... saying neither is there" err_has "nor a detached one beside it"

# --- the server stopped: exit 5 after the retries, nothing changed
stop_server nginx
expect 5 "the server stopped: exit 5" "$CTI" pull -v --retries 2 --max-wait 1s $TLS $K -o feed.json "$F"
check "after the retries" err_has "attempt 3 of 3"
check "stopped: last good copy, output and state untouched" untouched

done_testing
