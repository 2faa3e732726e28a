# The DNS tests' NICs and answers (test_dns, test_dns_tcp, test_dns_vlan):
# source it through the prelude (word dns_drop.sh).
#
# dns_nics_ini LEN NAME=IFACE...: an INI of consumer NICs NAME on IFACE,
# each 10.0.0.5/LEN with its responder on $DNS, and the provider NIC
# provider0 on pv0 (192.168.10.201/24), on stdout.
dns_nics_ini() {
	local len=$1 nic
	shift
	for nic in "$@"; do
		printf '[nic %s]\ninterface = %s\naddress = 10.0.0.5/%s\nrole = consumer\ndns = %s\n\n' \
			"${nic%%=*}" "${nic#*=}" "$len" "$DNS"
	done
	printf '[nic provider0]\ninterface = pv0\naddress = 192.168.10.201/24\nrole = provider\n'
}

# a_of DIG...: the addresses of an A answer, sorted, on one line.
a_of() { "$@" +short 2>/dev/null | sort -V | tr '\n' ' ' | sed 's/ $//'; }
# status_of DIG...: the answer's status (NOERROR, NXDOMAIN, ...).
status_of() { "$@" +noall +comments 2>/dev/null | sed -n 's/.*status: \([A-Z]*\).*/\1/p'; }
