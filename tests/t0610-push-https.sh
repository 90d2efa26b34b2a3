#!/bin/sh
# t0610-push-https: cti push to nginx over TLS (WebDAV PUT, basic auth, a
# CA and certificate made here): new and replaced files, URL forms, TLS
# verification and pins, auth from a file and the environment, refusals
# and their exit codes, redirects, http://, secrets kept out of output.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

need_nginx
U=$NGINX_URL
W=$NGINX_DIR/www
PW=$NGINX_DIR/password
TLS="--cacert $NGINX_DIR/ca.pem"

printf '198.51.100.7\nevil.example.com\n' >iocs.txt
"$CTI" keygen -W -p alice.pub -s alice.key >/dev/null 2>&1
"$CTI" pack --tlp green -o feed.gz iocs.txt && "$CTI" sign -s alice.key feed.gz
"$CTI" pack --tlp red -o red.gz iocs.txt && "$CTI" sign -s alice.key red.gz
"$CTI" pack -o unsigned.gz iocs.txt
K="-p alice.pub"

# --- PUT: new (201), replaced (204), URL forms
expect 0 "push to a URL ending in / (new file)" \
	"$CTI" push --json $TLS $K feed.gz "$U/pub/"
check "the server has it byte for byte" cmp -s feed.gz "$W/pub/feed.gz"
check "201 Created for a new file" sh -c "jq -e '.http_status == 201 and .location == \"$U/pub/feed.gz\" and .bytes == $(wc -c <feed.gz)' '$T/out' >/dev/null"
expect 0 "push again" "$CTI" push --json $TLS $K feed.gz "$U/pub/"
check "204 for a replaced file" sh -c "jq -e '.http_status == 204' '$T/out' >/dev/null"
expect 0 "push to a full URL" "$CTI" push $TLS $K feed.gz "$U/pub/dir/named.gz"
check "named.gz arrived" cmp -s feed.gz "$W/pub/dir/named.gz"
expect 0 "a name that needs percent-encoding" \
	"$CTI" push $TLS $K --name 'a b#c.gz' feed.gz "$U/pub/"
check "'a b#c.gz' arrived under its own name" cmp -s feed.gz "$W/pub/a b#c.gz"
expect 0 "the server's certificate pinned" \
	"$CTI" push $TLS --pinnedpubkey "$(cat "$NGINX_DIR/pin")" $K feed.gz "$U/pub/"
mkdir capath && cp "$NGINX_DIR/ca.pem" capath/ && openssl rehash capath 2>/dev/null
expect 0 "--capath with the CA" "$CTI" push --capath capath $K feed.gz "$U/pub/"

# --- TLS failures: exit 5 (see cti-push(1)), nothing sent
rm -f "$W/pub/feed.gz"
expect 5 "a server whose CA is unknown" "$CTI" push $K feed.gz "$U/pub/"
check "the certificate problem is named" err_has "certificate"
expect 5 "the wrong CA" "$CTI" push --cacert "$NGINX_DIR/other-ca.pem" $K feed.gz "$U/pub/"
expect 5 "a wrong pin" "$CTI" push $TLS --pinnedpubkey "$(cat "$NGINX_DIR/other-pin")" $K feed.gz "$U/pub/"
check "the pin is named" err_has "pinned public key"
check "nothing arrived" test ! -e "$W/pub/feed.gz"
expect 4 "a CA file that does not exist" "$CTI" push --cacert nowhere.pem $K feed.gz "$U/pub/"

# --- auth: basic from a file or the environment; refused 6
expect 6 "no credentials: 401" "$CTI" push $TLS $K feed.gz "$U/auth/"
check "401 named" err_has "401 Unauthorized"
expect 0 "--user with --password-file" \
	"$CTI" push -v $TLS --user alice --password-file "$PW" $K feed.gz "$U/auth/"
check "it arrived" cmp -s feed.gz "$W/auth/feed.gz"
check "-v shows no password" sh -c "! grep -qi 'horse' '$T/err' '$T/out'"
expect 0 "CTI_PASSWORD_FILE" env CTI_PASSWORD_FILE="$PW" \
	"$CTI" push $TLS --user alice $K feed.gz "$U/auth/e1.gz"
expect 0 "CTI_PASSWORD" env CTI_PASSWORD='correct horse battery staple' \
	"$CTI" push -v $TLS --user alice $K feed.gz "$U/auth/e2.gz"
check "e2.gz arrived" cmp -s feed.gz "$W/auth/e2.gz"
check "-v shows no password (environment)" sh -c "! grep -qi 'horse' '$T/err' '$T/out'"
printf 'wrong password\n' >bad
expect 6 "a wrong password: 401" \
	"$CTI" push -v $TLS --user alice --password-file bad $K feed.gz "$U/auth/x.gz"
check "the wrong password is in no output" sh -c "! grep -q 'wrong password' '$T/err' '$T/out'"
printf 'machine 127.0.0.1\nlogin alice\npassword "correct horse battery staple"\n' >netrc
expect 0 "--netrc-file" "$CTI" push $TLS --netrc-file netrc $K feed.gz "$U/auth/n.gz"
check "n.gz arrived" cmp -s feed.gz "$W/auth/n.gz"
expect 0 "~/.netrc" env HOME="$T" sh -c 'cp netrc .netrc && chmod 600 .netrc && "$CTI" push '"$TLS $K"' feed.gz "'"$U"'/auth/h.gz"'
expect 6 "--no-netrc ignores it" env HOME="$T" "$CTI" push --no-netrc $TLS $K feed.gz "$U/auth/h2.gz"
rm -f .netrc
expect 2 "a password file without a user" "$CTI" push $TLS --password-file "$PW" $K feed.gz "$U/auth/"
expect 4 "a password file that does not exist" \
	"$CTI" push $TLS --user alice --password-file nowhere $K feed.gz "$U/auth/"
: >empty
expect 2 "an empty password file" "$CTI" push $TLS --user alice --password-file empty $K feed.gz "$U/auth/"

# --- other refusals: 6
expect 6 "413 over the server's body limit" "$CTI" push $TLS $K feed.gz "$U/small/"
check "413 named" err_has "413"
expect 6 "404: a location without PUT" "$CTI" push $TLS $K feed.gz "$U/nowhere/x.gz"
expect 6 "405 for POST on a WebDAV location" "$CTI" push --method POST $TLS $K feed.gz "$U/pub/"
expect 1 "TLP:RED never reaches the server" "$CTI" push $TLS $K red.gz "$U/pub/"
check "red.gz is not on the server" test ! -e "$W/pub/red.gz"
expect 1 "an unsigned file never reaches the server" "$CTI" push $TLS $K unsigned.gz "$U/pub/"
check "unsigned.gz is not on the server" test ! -e "$W/pub/unsigned.gz"
check "no request was made for either" sh -c "! grep -q 'red.gz\|unsigned.gz' '$NGINX_DIR/access.log'"

# --- 503 with Retry-After, retried, then 5
start=$(date +%s)
expect 5 "503 forever: 5 after the retries" \
	"$CTI" push -v --retries 2 $TLS $K feed.gz "$U/busy/"
end=$(date +%s)
check "503 named" err_has "503"
check "two retries were announced" test "$(grep -c 'attempt [23] of 3 in 1.0s' "$T/err")" -eq 2
check "Retry-After: 1 was honoured (2 s or more)" test $((end - start)) -ge 2
check "three requests reached the server" test "$(grep -c 'PUT /busy/' "$NGINX_DIR/access.log")" -eq 3
expect 5 "Retry-After above --max-wait ends the retries at once" \
	"$CTI" push --retries 5 --max-wait 0s $TLS $K feed.gz "$U/busy/"
check "the wait asked for is named" err_has "the server asks to wait 1s"

# --- redirects
expect 6 "a redirect to http:// is refused" "$CTI" push $TLS $K feed.gz "$U/to-http/"
check "the redirect is named" err_has "refused: not https://"
expect 0 "a redirect to https:// on the same server is followed" \
	"$CTI" push -v $TLS $K feed.gz "$U/to-pub/r.gz"
check "r.gz arrived at /pub/" cmp -s feed.gz "$W/pub/r.gz"
check "-v shows the 307" err_has "307"

# --- http:// only when asked for, with a warning
expect 2 "http:// is refused" "$CTI" push $K feed.gz "http://127.0.0.1:1/x"
check "the refusal says why" err_has "http:// is refused"
expect 5 "--allow-http warns (nothing listens: 5)" \
	"$CTI" push --retries 0 --allow-http $K feed.gz "http://127.0.0.1:1/x"
check "the warning" err_has "warning: http://127.0.0.1:1/x: http:// is not encrypted"

# --- mutual TLS: a client certificate where the server asks for one
cp feed.gz seq.gz && "$CTI" sign -q -s alice.key --feed mtls --seq 1 seq.gz
mv seq.gz feed.gz
expect 6 "no client certificate: refused (403)" "$CTI" push $TLS $K feed.gz "$U/mtls/"
expect 0 "--cert and --key: accepted" "$CTI" push $TLS \
	--cert "$NGINX_DIR/client.pem" --key "$NGINX_DIR/client.key" $K feed.gz "$U/mtls/"
check "and it arrived" cmp -s feed.gz "$W/mtls/feed.gz"
expect 0 "and pull takes it back with the same certificate" "$CTI" pull $TLS \
	--cert "$NGINX_DIR/client.pem" --key "$NGINX_DIR/client.key" $K \
	--state mtls-state -o mtls.json "$U/mtls/feed.gz"
check "the same bundle" sh -c 'gzip -dc feed.gz | cmp -s - "$1"' sh mtls.json
expect 6 "pull without it: refused" "$CTI" pull $TLS $K --state mtls-state2 \
	-o mtls2.json "$U/mtls/feed.gz"
expect 4 "a key that does not exist" "$CTI" push $TLS \
	--cert "$NGINX_DIR/client.pem" --key nowhere.key $K feed.gz "$U/mtls/"

# --- the server stopped: 5 after the retries
stop_server nginx
expect 5 "the server stopped: 5" "$CTI" push --retries 1 --max-wait 1s $TLS $K feed.gz "$U/pub/"
check "the connection failure is named" err_has "connect"

# --- the README's nginx server block, as written: it takes a push
R=$T/readme-nginx
mkdir -p "$R" && cp "$NGINX_DIR/srv.pem" "$NGINX_DIR/srv.key" "$R/"
printf 'feeds:%s\n' "$(openssl passwd -apr1 'correct horse battery staple')" >"$R/htpasswd"
RP=$(free_port)
# the indented block that starts with "server {", its paths and port made
# the test's
block=$(awk '/^    server \{$/ { on = 1 } on { print } on && /^    \}$/ { exit }' "$SRC/README" |
	sed -e "s|listen 443 ssl;|listen 127.0.0.1:$RP ssl;|" \
		-e "s|/etc/ssl/feeds.pem|$R/srv.pem|" -e "s|/etc/ssl/feeds.key|$R/srv.key|" \
		-e "s|root /srv/feeds;|root $R/www;|" -e "s|/etc/nginx/feeds.htpasswd|$R/htpasswd|")
check "README: an nginx server block with a WebDAV location" \
	sh -c "printf '%s\n' \"\$1\" | grep -q 'dav_methods PUT'" sh "$block"
printf '%s\n' "$block" >"$R/server.conf"
sh "$SRC/tests/servers/nginx-conf.sh" "$R" "$RP" "$R/server.conf"
if start_server readme-nginx "$RP" "${_ng:-nginx}" -p "$R" -c "$R/nginx.conf" -e "$R/error.log"; then
	dir=$(printf '%s\n' "$block" | sed -n 's|^ *location \(/[^ ]*/\) {$|\1|p')
	expect 0 "README: the server block takes a push with the password" \
		"$CTI" push $TLS $K --user feeds --password-file "$PW" feed.gz "https://127.0.0.1:$RP$dir"
	check "... the file is where it says" cmp -s feed.gz "$R/www${dir}feed.gz"
	expect 6 "... and refuses one without" \
		"$CTI" push $TLS $K feed.gz "https://127.0.0.1:$RP$dir"
	stop_server readme-nginx
else
	not_ok "README: nginx starts with the server block"
fi

done_testing
