#!/bin/bash
# tests/examples/world.sh DIR SRC DOC - what the examples of DOC (the
# README or a manual page) take for granted, made in DIR before they run
# (see tests/examples.py): the files they name, the keys of the partners
# they name, the directories of removable media and of outgoing files, and
# stand-ins for the hosts they reach (ssh runs its command in DIR/partner,
# the partner's machine).
set -eu
W=$1 SRC=$2 DOC=${3:-}
DATA=${DATA:-$SRC/../shared/data}
cd "$W"
mkdir -p home/.config/cti home/.local/state shims root/media/usb \
	root/media/stick root/srv/outgoing root/etc/cti partner

# the passphrase a user would type at the prompt (CTI_PASSPHRASE_FILE)
printf 'correct horse battery staple\n' >passphrase
cp passphrase root/etc/cti/pass
chmod 600 passphrase root/etc/cti/pass

cat >shims/ssh <<SH
#!/bin/sh
while [ \$# -gt 0 ]; do case \$1 in -*) shift ;; *) shift; break ;; esac; done
cd "$W/partner" && exec sh -c "\$*"
SH
# minisign asks for its password on the terminal, or reads it from stdin
cat >shims/minisign <<SH
#!/bin/sh
case " \$* " in
*" -G "*|*" -S "*) exec /usr/bin/minisign "\$@" <"$W/passphrase" ;;
esac
exec /usr/bin/minisign "\$@"
SH
chmod +x shims/*

# indicator lists and tables
cat >iocs.txt <<'TXT'
# seen in the 2026-11 campaign
198.51.100.7	scanner
evil-update[.]example.com
hxxps://cdn.example.net/payload.exe
44d88612fea8a8f36de82e1278abb02f
TXT
cat >export.csv <<'CSV'
observable,type,confidence,first_seen,description,labels
198.51.100.9,ipv4,80,2026-11-02T03:04:05Z,"seen in ""campaign X"", twice",c2;botnet
bad.example.org,domain,60,,phishing kit host,phishing
CSV
printf '198.51.100.23\tscanner\t2026-11-20\nevil.example.net\tc2\t2026-11-21\n' \
	>blocklist.tsv
cat >export-de.csv <<'CSV'
ioc;type;confidence;first_seen;description
198.51.100.9;ipv4;80;2026-11-02;C2-Server
bad.example.org;domain;60;;Phishing-Kit
CSV

# STIX: ATT&CK releases, the small diff fixtures, one bundle in STIX 2.0
# and 2.1
for f in ics-attack-18.0 ics-attack-18.1 mobile-attack-17.0 mobile-attack-17.1; do
	ln -s "$DATA/$f.json" "$f.json"
done
cp "$SRC/tests/data/diff/old.json" old.json
cp "$SRC/tests/data/diff/new.json" new.json
cp "$SRC/tests/data/pack/stix20.json" feed-2.0.json
jq '.spec_version = "2.1" | .objects[] |= (.spec_version = "2.1")' \
	feed-2.0.json >feed-2.1.json

# partners' keys (unencrypted: only needed to make the partners' files),
# and keys of this side where an example uses one it did not make
key() { cti keygen -q -W -c "$1" -p "$2.pub" -s "$2.key"; }
key CERT-YY cert-yy
key CERT-ZZ cert-zz
key cert-xy cert-xy
key cert cert
mkdir keys
cp cert-yy.pub cert-zz.pub keys/
minisign -G -W -p my.pub -s my.key >/dev/null 2>&1 </dev/null

# bundle files the examples start from
cti pack -o feed.cti --producer CERT-XX --tlp green iocs.txt
cp feed.cti partner/feed.cti
cti pack -o bundle.cti iocs.txt
cti pack -o report.cti blocklist.tsv
cti pack -o last.cti ics-attack-18.0.json
cti pack -o today.cti ics-attack-18.1.json
cti pack -o iocs.cti iocs.txt
cti sign -q -s cert-xy.key --feed cert-xy --seq 42 iocs.cti
cti pack -o eu-feed.cti iocs.txt
cti sign -q -s cert-yy.key --feed eu-feed --seq 7 --expires 1d eu-feed.cti
cti sign -q -s cert-zz.key eu-feed.cti

# what the network examples use: passwords in files, partners' keys where
# the cron line looks for them, and (EX_WWW: the directory a test server
# serves for the examples' https:// hosts, EX_CA its CA) a partner's feed
# on the server; cti push and pull trust that CA.
printf 'correct horse battery staple\n' >home/.feeds-pw
cp home/.feeds-pw home/.cti-pw
cp home/.feeds-pw home/.taxii-pw
chmod 600 home/.feeds-pw home/.cti-pw home/.taxii-pw
mkdir -p home/.config/cti/partners root/srv/feeds
cp cert-xy.pub home/.config/cti/partners/
cp iocs.cti root/media/usb/feed.cti
if [ -n "${EX_WWW:-}" ]; then
	mkdir -p "$EX_WWW/cert-xy"
	cp iocs.cti "$EX_WWW/cert-xy/feed.cti"
fi
if [ -n "${EX_CA:-}" ]; then
	cp "$EX_CA" taxii-ca.pem
	real=$(command -v cti)
	cat >shims/cti <<SH
#!/bin/sh
case \$1 in
push|pull) c=\$1; shift; exec "$real" "\$c" --cacert "$EX_CA" "\$@" ;;
esac
exec "$real" "\$@"
SH
	chmod +x shims/cti
fi

# the s3:// buckets of the examples (EX_S3_ENDPOINT: the test's S3 front,
# with the CA of EX_CA; its key in EX_S3_KEY_ID, EX_S3_SECRET): the
# keys in ~/.aws/credentials (the default profile and "feeds"), the
# endpoint in the environment, a partner's feed in their bucket
if [ -n "${EX_S3_ENDPOINT:-}" ]; then
	mkdir -p home/.aws
	(umask 077 && printf '[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
		default "$EX_S3_KEY_ID" "$EX_S3_SECRET" \
		feeds "$EX_S3_KEY_ID" "$EX_S3_SECRET" >home/.aws/credentials)
	echo "AWS_ENDPOINT_URL_S3=$EX_S3_ENDPOINT" >>env
	AWS_ENDPOINT_URL_S3=$EX_S3_ENDPOINT cti push -q --cacert "$EX_CA" \
		-p cert-xy.pub \
		iocs.cti "s3://cti-test/cert-xy/feed.cti"
fi

case $DOC in
man/cti-push.1)
	# this side's own key pair, where cti keygen puts it, and the feed
	# signed with it
	cti keygen -q -W -c CERT-XX
	cti sign -q feed.cti
	;;
esac

case $DOC in
man/libcti.3)
	# the program of the EXAMPLES, and a staged install to build it with
	awk '/^\.Sh EXAMPLES/ { ex = 1 } ex && /^\.Bd -literal/ { on = 1; next }
	     on && /^\.Ed/ { exit } on' "$SRC/man/libcti.3" |
		sed 's/\\e/\\/g' >count.c
	make -s -C "$SRC" ${O:+O="$O"} ${SAN:+SAN="$SAN"} PREFIX=/usr \
		DESTDIR="$W/stage" install >/dev/null
	{
		echo "PKG_CONFIG_PATH=$W/stage/usr/lib/pkgconfig"
		echo "PKG_CONFIG_SYSROOT_DIR=$W/stage"
		echo "LD_LIBRARY_PATH=$W/stage/usr/lib"
	} >env
	;;
esac
exit 0
