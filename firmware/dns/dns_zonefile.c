/*
 * A zone of a view as an RFC 1035 master file (section 5), for operators
 * who serve the names from their own BIND, NSD or Knot (`privlinkd -t -z
 * DIR`): $ORIGIN and $TTL, the SOA, the NS and its A record, then every
 * name's A records, all with absolute names.  The records are exactly
 * those the responder answers from, so the file and the responder agree.
 */
#include <arpa/inet.h>
#include <errno.h>

#include "dns_priv.h"

int
dns_zone_write(FILE *f, const struct dns_view *v, int zone)
{
	const struct dns_zone *z;
	char ns[CFG_FQDN_MAX + 16], name[CFG_FQDN_MAX + 16], a[INET_ADDRSTRLEN];

	if (zone < 0 || zone >= v->v_n_zones) {
		errno = EINVAL;
		return -1;
	}
	z = &v->v_zones[zone];
	if (dns_name_to_text(z->z_ns, z->z_ns_len, ns, sizeof(ns)) != 0) {
		errno = EINVAL;
		return -1;
	}
	fprintf(f, "; zone %s of [nic %s], as its DNS responder (dns = %s) answers it;\n"
	    "; written by privlinkd -t from the Approved endpoints of the drop\n",
	    z->z_text, v->v_nic, inet_ntop(AF_INET, &v->v_dns_addr, a, sizeof(a)));
	fprintf(f, "$ORIGIN %s.\n$TTL %u\n", z->z_text, v->v_ttl);
	fprintf(f, "@\tIN\tSOA\t%s. %s.%s. %u %u %u %u %u\n", ns, DNS_RNAME_LABEL, z->z_text,
	    v->v_serial, DNS_SOA_REFRESH, DNS_SOA_RETRY, DNS_SOA_EXPIRE, v->v_ttl);
	fprintf(f, "@\tIN\tNS\t%s.\n", ns);
	for (int i = 0; i < v->v_n_names; i++) {
		const struct dns_name *n = &v->v_names[i];

		if (n->n_zone != zone || dns_name_to_text(n->n_wire, n->n_len, name,
		    sizeof(name)) != 0)
			continue;
		for (int k = 0; k < n->n_n_addrs; k++)
			fprintf(f, "%s%s.\tIN\tA\t%s\n", n->n_wild ? "*." : "", name,
			    inet_ntop(AF_INET, &n->n_addrs[k], a, sizeof(a)));
	}
	if (fflush(f) != 0 || ferror(f))
		return -1;
	return 0;
}
