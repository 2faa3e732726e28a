/*
 * [management]: where the HTTPS management API listens and which
 * certificates it uses (firmware/mgmt*.c serves it).
 *
 *   [management]        nic = NIC                       required, role provider or management
 *                       address = A.B.C.D               optional, default the NIC's own
 *                       port = 1..65535                 optional, default 443
 *                       tls_cert = NAME.pem             optional, with tls_key; without
 *                       tls_key = NAME.pem              them a generated self-signed one
 *                       client_ca = NAME.pem            required: CAs of admin clients
 *                       read_only_ca = NAME.pem         optional: CAs of read-only clients
 *
 * The PEM files sit beside the drops: a name, never a path, so a drop
 * cannot make the appliance read a file elsewhere.  The management API is
 * never served on a consumer NIC: those networks belong to tenants.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cfg-priv.h"
#include "cfg.h"

int
cfg_mgmt_key(struct cfg_parse *cp, int slot, const char *key, const char *value, int line)
{
	struct cfg_management *mg = &cp->cp_cfg->management;
	char *file = NULL;

	switch (slot) {
	case MGMT_K_NIC:
		if (!cfg_valid_name(value))
			BAD("bad NIC name");
		snprintf(cp->cp_mgmt_nic, sizeof(cp->cp_mgmt_nic), "%s", value);
		return 0;
	case MGMT_K_ADDRESS:
		if (cfg_parse_ipv4(value, &mg->mg_addr) != 0)
			BAD("bad IPv4 address");
		return 0;
	case MGMT_K_PORT:
		if (cfg_parse_port(value, &mg->mg_port) != 0)
			BAD("bad port (1..65535)");
		return 0;
	case MGMT_K_TLS_CERT:
		file = mg->mg_tls_cert;
		break;
	case MGMT_K_TLS_KEY:
		file = mg->mg_tls_key;
		break;
	case MGMT_K_CLIENT_CA:
		file = mg->mg_client_ca;
		break;
	case MGMT_K_READ_ONLY_CA:
		file = mg->mg_read_only_ca;
		break;
	default:
		return 0;
	}
	if (!cfg_pem_name_ok(value))
		BAD("expected the name of a PEM file beside the drops (NAME.pem of letters, "
		    "digits, '.', '_' and '-'), not");
	snprintf(file, CFG_FILE_MAX, "%s", value);
	return 0;
}

/* Reports a PEM file the section names that the directory of the drop
 * naming it does not hold (its content is checked when it is loaded). */
static void
cfg_mgmt_file(struct cfg_parse *cp, const char *drop, int line, const char *key,
    const char *name)
{
	char path[2 * CFG_FILE_MAX];
	const char *slash = strrchr(drop, '/');
	int dirlen = slash == NULL ? 1 : (int)(slash - drop);

	if (name[0] == '\0' || line == 0)
		return;
	snprintf(path, sizeof(path), "%.*s/%s", dirlen, slash == NULL ? "." : drop, name);
	if (access(path, R_OK) != 0)
		cfg_error(cp, drop, line, "[management] %s: cannot read %s: %s '%s'", key, path,
		    strerror(errno), name);
}

void
cfg_finish_management(struct cfg_parse *cp)
{
	struct pl_config *cfg = cp->cp_cfg;
	struct cfg_management *mg = &cfg->management;
	const int *lines = cp->cp_mgmt_lines;
	const char *file = mg->mg_where.w_file;
	const struct cfg_nic *nic;
	char a[16], b[16];

	if (!mg->mg_enabled)
		return;
	if (lines[MGMT_K_TLS_CERT] && !lines[MGMT_K_TLS_KEY])
		cfg_error(cp, file, lines[MGMT_K_TLS_CERT], "[management] tls_cert: needs "
		    "tls_key too '%s'", mg->mg_tls_cert);
	if (lines[MGMT_K_TLS_KEY] && !lines[MGMT_K_TLS_CERT])
		cfg_error(cp, file, lines[MGMT_K_TLS_KEY], "[management] tls_key: needs "
		    "tls_cert too '%s'", mg->mg_tls_key);
	cfg_mgmt_file(cp, file, lines[MGMT_K_TLS_CERT], "tls_cert", mg->mg_tls_cert);
	cfg_mgmt_file(cp, file, lines[MGMT_K_TLS_KEY], "tls_key", mg->mg_tls_key);
	cfg_mgmt_file(cp, file, lines[MGMT_K_CLIENT_CA], "client_ca", mg->mg_client_ca);
	cfg_mgmt_file(cp, file, lines[MGMT_K_READ_ONLY_CA], "read_only_ca", mg->mg_read_only_ca);
	if (!lines[MGMT_K_NIC])
		return;
	mg->mg_nic = cfg_find_nic(cfg, cp->cp_mgmt_nic);
	if (mg->mg_nic == -1) {
		cfg_error(cp, file, lines[MGMT_K_NIC], "[management] nic: no [nic %s] in the "
		    "drop '%s'", cp->cp_mgmt_nic, cp->cp_mgmt_nic);
		return;
	}
	nic = &cfg->nics[mg->mg_nic];
	if (nic->nic_role == CFG_ROLE_CONSUMER) {
		cfg_error(cp, file, lines[MGMT_K_NIC], "[management] nic: [nic %s] has role "
		    "consumer; the management API listens only on a provider or management "
		    "NIC '%s'", nic->nic_name, nic->nic_name);
		mg->mg_nic = -1;
		return;
	}
	if (!cp->cp_nic_lines[mg->mg_nic][NIC_K_ADDRESS]) {
		mg->mg_nic = -1;
		return;
	}
	if (!lines[MGMT_K_ADDRESS]) {
		mg->mg_addr = nic->nic_addr;
	} else if (!cfg_in_subnet(mg->mg_addr, nic->nic_addr, nic->nic_prefixlen) ||
	    mg->mg_addr == (nic->nic_addr & cfg_netmask(nic->nic_prefixlen)) ||
	    mg->mg_addr == (nic->nic_addr | ~cfg_netmask(nic->nic_prefixlen))) {
		cfg_error(cp, file, lines[MGMT_K_ADDRESS], "[management] address: not a host "
		    "address of [nic %s] %s/%u '%s'", nic->nic_name, cfg_ntoa(nic->nic_addr, a),
		    nic->nic_prefixlen, cfg_ntoa(mg->mg_addr, b));
		mg->mg_nic = -1;
		return;
	}
	/* The address may be a NAT or frontend IP too (the NIC's own often
	 * is), but not its port: a NAT source port or a frontend's rule
	 * there would take the management API's connections. */
	for (int i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *s = &cfg->services[i];
		int line = lines[MGMT_K_PORT] ? lines[MGMT_K_PORT] :
		    lines[MGMT_K_ADDRESS] ? lines[MGMT_K_ADDRESS] : lines[MGMT_K_NIC];

		for (int k = 0; k < s->svc_n_nat_ips; k++)
			if (s->svc_nat_nics[k] == mg->mg_nic && s->svc_nat_ips[k] == mg->mg_addr &&
			    mg->mg_port >= s->svc_port_min && mg->mg_port <= s->svc_port_max)
				cfg_error(cp, file, line, "[management] port: %u on %s is in the "
				    "nat_port_range %u-%u of [service %s] at %s:%d", mg->mg_port,
				    cfg_ntoa(mg->mg_addr, a), s->svc_port_min, s->svc_port_max,
				    s->svc_name, s->svc_where.w_file, s->svc_where.w_line);
		if (s->svc_frontend_nic != mg->mg_nic || s->svc_frontend_ip != mg->mg_addr)
			continue;
		for (int r = 0; r < s->svc_n_rules; r++)
			if (s->svc_rules[r].ru_frontend_port == mg->mg_port)
				cfg_error(cp, file, line, "[management] port: %u on %s is a frontend "
				    "port of [service %s] at %s:%d", mg->mg_port,
				    cfg_ntoa(mg->mg_addr, a), s->svc_name, s->svc_where.w_file,
				    s->svc_where.w_line);
	}
}
