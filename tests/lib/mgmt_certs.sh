#!/bin/bash
# Test PKI for the management API's mutual TLS, made with the openssl CLI.
#
# Usage: tests/lib/mgmt_certs.sh DIR
#
# Makes in DIR (ECDSA P-256 keys, SHA-256 signatures, 10 years valid):
#   ca.pem ca.key                 the admin client CA (client_ca)
#   client.pem client.key         an admin client, signed by ca.pem
#   ro-ca.pem ro-ca.key           the read-only client CA (read_only_ca)
#   ro-client.pem ro-client.key   a read-only client, signed by ro-ca.pem
#   other-ca.pem other-ca.key     a CA the appliance does not know
#   other-client.pem other-client.key   a client signed by other-ca.pem
#   expired.pem expired.key       a client signed by ca.pem, expired in 2021
#   server-ca.pem server-ca.key   the CA of server.pem
#   server.pem server.key         a server certificate (tls_cert/tls_key),
#                                 subjectAltName IP:192.168.10.100
# Clients have CN "privlink test <name>".  With every file already in DIR
# it does nothing (idempotent); else it makes them all afresh, in a
# temporary directory moved in file by file at the end.
set -eu

dir=${1:?usage: $0 DIR}
files="ca client ro-ca ro-client other-ca other-client expired server-ca server"

complete=1
for f in $files; do
	[ -s "$dir/$f.pem" ] && [ -s "$dir/$f.key" ] || complete=0
done
[ "$complete" = 1 ] && exit 0

mkdir -p "$dir"
tmp=$(mktemp -d "$dir/.mgmt_certs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
umask 077

key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/$1.key" 2>/dev/null
}

# ca NAME CN
ca() {
	key "$1"
	openssl req -new -x509 -sha256 -days 3650 -key "$tmp/$1.key" -subj "/CN=$2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$tmp/$1.pem"
}

printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
	"extendedKeyUsage=clientAuth" >"$tmp/client.ext"
printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
	"extendedKeyUsage=serverAuth" "subjectAltName=IP:192.168.10.100" >"$tmp/server.ext"

# leaf NAME CN CA EXT
leaf() {
	key "$1"
	openssl req -new -key "$tmp/$1.key" -subj "/CN=$2" -out "$tmp/$1.csr"
	openssl x509 -req -sha256 -days 3650 -in "$tmp/$1.csr" -CA "$tmp/$3.pem" \
		-CAkey "$tmp/$3.key" -set_serial "0x$(openssl rand -hex 16)" \
		-extfile "$tmp/$4.ext" -out "$tmp/$1.pem" 2>/dev/null
}

ca ca "privlink test admin CA"
ca ro-ca "privlink test read-only CA"
ca other-ca "privlink test unknown CA"
ca server-ca "privlink test server CA"
leaf client "privlink test client" ca client
leaf ro-client "privlink test ro-client" ro-ca client
leaf other-client "privlink test other-client" other-ca client
leaf server "privlink management" server-ca server

# expired: openssl 3.0's x509 and req take no dates in the past (-days
# must be positive, -not_after came in 3.4); ca takes -startdate/-enddate.
key expired
openssl req -new -key "$tmp/expired.key" -subj "/CN=privlink test expired" -out "$tmp/expired.csr"
: >"$tmp/index.txt"
openssl rand -hex 16 >"$tmp/serial"
cat >"$tmp/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
database = $tmp/index.txt
new_certs_dir = $tmp
serial = $tmp/serial
default_md = sha256
policy = any
unique_subject = no
x509_extensions = client
[any]
commonName = supplied
[client]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
CNF
openssl ca -batch -notext -config "$tmp/ca.cnf" -cert "$tmp/ca.pem" -keyfile "$tmp/ca.key" \
	-startdate 20200101000000Z -enddate 20210101000000Z \
	-in "$tmp/expired.csr" -out "$tmp/expired.pem" 2>/dev/null

chmod 644 "$tmp"/*.pem
for f in $files; do
	mv "$tmp/$f.key" "$tmp/$f.pem" "$dir/"
done
