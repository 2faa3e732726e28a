/*
 * MAC address -> interface name, from /sys/class/net/IF/address (the
 * permanent address is not wanted: a hypervisor sets the current one).
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "nicmac.h"

static int
nic_mac_of(const char *ifname, uint8_t mac[6])
{
	char path[PATH_MAX];
	unsigned int b[6];
	int n;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/address", ifname);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	n = fscanf(f, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]);
	fclose(f);
	if (n != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

int
nic_find_macs(struct pl_config *cfg)
{
	int missing = 0;

	for (int i = 0; i < cfg->n_nics; i++) {
		struct cfg_nic *n = &cfg->nics[i];
		struct dirent *d;
		uint8_t mac[6];
		DIR *dp;

		if (!n->nic_has_mac)
			continue;
		n->nic_ifname[0] = '\0';
		dp = opendir("/sys/class/net");
		if (dp == NULL) {
			log_warn("nic %s: /sys/class/net", n->nic_name);
			return -1;
		}
		while ((d = readdir(dp)) != NULL) {
			if (d->d_name[0] == '.' || strlen(d->d_name) >= sizeof(n->nic_ifname) ||
			    nic_mac_of(d->d_name, mac) != 0 ||
			    memcmp(mac, n->nic_mac, sizeof(mac)) != 0)
				continue;
			memcpy(n->nic_ifname, d->d_name, strlen(d->d_name) + 1);	/* fits: checked */
			break;
		}
		closedir(dp);
		if (n->nic_ifname[0] == '\0') {
			log_warnx("nic %s: no interface has MAC %02x:%02x:%02x:%02x:%02x:%02x",
			    n->nic_name, n->nic_mac[0], n->nic_mac[1], n->nic_mac[2],
			    n->nic_mac[3], n->nic_mac[4], n->nic_mac[5]);
			missing++;
			continue;
		}
		log_info("nic %s: MAC %02x:%02x:%02x:%02x:%02x:%02x is %s", n->nic_name,
		    n->nic_mac[0], n->nic_mac[1], n->nic_mac[2], n->nic_mac[3], n->nic_mac[4],
		    n->nic_mac[5], n->nic_ifname);
	}
	return missing == 0 ? 0 : -1;
}
