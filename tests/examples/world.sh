#!/bin/bash
# tests/examples/world.sh DIR SRC - what the examples of the README and the
# manual pages take for granted, made in DIR before they run (see
# tests/examples.py): the files they name, the keys of the partners they
# name, the directories of removable media and of outgoing files, and
# stand-ins for the hosts they reach (ssh).
set -eu
W=$1 SRC=$2
DATA=${DATA:-$SRC/../shared/data}
cd "$W"
mkdir -p home/.config/cti home/.local/state shims root/media/usb \
	root/srv/outgoing root/etc/cti

# the passphrase a user would type at the prompt (CTI_PASSPHRASE_FILE)
printf 'correct horse battery staple\n' >passphrase
cp passphrase root/etc/cti/pass
chmod 600 passphrase root/etc/cti/pass

# `ssh HOST CMD...` runs CMD here: the partner's host is this directory
cat >shims/ssh <<'SH'
#!/bin/sh
while [ $# -gt 0 ]; do case $1 in -*) shift ;; *) shift; break ;; esac; done
exec sh -c "$*"
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

# STIX: ATT&CK releases, and the small diff fixtures
for f in ics-attack-18.0 ics-attack-18.1 mobile-attack-17.0 mobile-attack-17.1; do
	ln -s "$DATA/$f.json" "$f.json"
done
cp "$SRC/tests/data/diff/old.json" old.json
cp "$SRC/tests/data/diff/new.json" new.json
cp "$SRC/tests/data/pack/stix20.json" feed-2.0.json

# keys: this side's and its partners' (unencrypted where a partner's
# secret key is only needed to make the partner's files)
cti keygen -W -c CERT-YY -p cert-yy.pub -s cert-yy.key >/dev/null
cti keygen -W -c CERT-ZZ -p cert-zz.pub -s cert-zz.key >/dev/null
cti keygen -W -c cert-xy -p cert-xy.pub -s cert-xy.key >/dev/null
cti keygen -W -c cert -p cert.pub -s cert.key >/dev/null
mkdir trusted
ln -s ../cert-xx.pub trusted/cert-xx.pub
cp cert-yy.pub cert-xy.pub cert-zz.pub trusted/

# bundle files the examples start from
cti pack -o feed.cti --producer CERT-XX --tlp green iocs.txt
cti pack -o iocs.gz iocs.txt
cti pack -o bundle.gz iocs.txt
cti pack -o last.cti ics-attack-18.0.json
cti pack -o today.cti ics-attack-18.1.json
exit 0
