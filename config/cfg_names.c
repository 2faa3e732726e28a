/*
 * Names in the config: of roles and approval states, of drop and PEM
 * files, of addresses, and a NIC by name.  Every part of the config uses
 * them; they call none of its parts.
 */
#include <arpa/inet.h>
#include <string.h>

#include "cfg-priv.h"
#include "cfg.h"

const char *
cfg_role_name(enum cfg_role role)
{
	switch (role) {
	case CFG_ROLE_PROVIDER:
		return "provider";
	case CFG_ROLE_MANAGEMENT:
		return "management";
	default:
		return "consumer";
	}
}

const char *
cfg_approval_name(enum cfg_approval state)
{
	switch (state) {
	case CFG_APPROVAL_APPROVED:
		return "Approved";
	case CFG_APPROVAL_REJECTED:
		return "Rejected";
	case CFG_APPROVAL_DISCONNECTED:
		return "Disconnected";
	case CFG_APPROVAL_PENDING:
	default:
		return "Pending";
	}
}

/*
 * A file name that is taken beside the drops: NAME then suffix, of ASCII
 * letters, digits, '.', '_' and '-', not starting with a dot, one
 * directory entry long.  Drop files also come from a config drive and
 * fw_cfg (firmware/boot/pid1_drops.c): no path tricks, no names that differ
 * only by bytes a console does not show.
 */
static int
cfg_file_name_ok(const char *name, const char *suffix)
{
	size_t n = strnlen(name, CFG_FILE_MAX), k = strlen(suffix);

	if (n <= k || n >= CFG_FILE_MAX || name[0] == '.' || strcmp(name + n - k, suffix) != 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* NAME.ini: a drop file. */
int
cfg_drop_name_ok(const char *name)
{
	return cfg_file_name_ok(name, ".ini");
}

/* NAME.pem: a certificate or key file [management] names. */
int
cfg_pem_name_ok(const char *name)
{
	return cfg_file_name_ok(name, ".pem");
}

const char *
cfg_ntoa(uint32_t addr, char buf[static INET_ADDRSTRLEN])
{
	return inet_ntop(AF_INET, &addr, buf, INET_ADDRSTRLEN);
}
