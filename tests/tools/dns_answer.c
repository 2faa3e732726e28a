/*
 * dns_answer DIR NIC udp|tcp: the DNS responder's pure part on the host,
 * for tests/tools/dns_check.py, which makes and parses its messages with
 * an independent DNS library (dnspython).  The view is NIC's of drop DIR
 * (serial 1); stdin is a stream of queries, each with a 2-byte length
 * before it (as over TCP, RFC 7766), and each response goes to stdout the
 * same way, then 2 bytes of TC and 2 of the result's rcode (0xffff: none).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "dns.h"

static int
put16(unsigned v)
{
	return putchar((int)(v >> 8 & 0xff)) == EOF || putchar((int)(v & 0xff)) == EOF ? -1 : 0;
}

int
main(int argc, char *argv[])
{
	static uint8_t q[DNS_TCP_MAX], r[DNS_TCP_MAX];
	struct pl_config *cfg;
	struct dns_view *v;
	int nic, c0, c1;

	if (argc != 4 || (strcmp(argv[3], "udp") != 0 && strcmp(argv[3], "tcp") != 0)) {
		fprintf(stderr, "usage: dns_answer DIR NIC udp|tcp\n");
		return 2;
	}
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL || cfg_load_dir(cfg, argv[1], stderr) != 0)
		return 1;
	if ((nic = cfg_find_nic(cfg, argv[2])) == -1 || cfg->nics[nic].nic_dns_addr == 0) {
		fprintf(stderr, "dns_answer: %s: no [nic %s] with dns =\n", argv[1], argv[2]);
		return 1;
	}
	if ((v = dns_view_from_cfg(cfg, nic, 1)) == NULL) {
		perror("dns_answer: view");
		return 1;
	}
	while ((c0 = getchar()) != EOF && (c1 = getchar()) != EOF) {
		size_t len = (size_t)c0 << 8 | (size_t)c1, n;
		struct dns_result res;

		if (fread(q, 1, len, stdin) != len)
			return 1;
		n = dns_answer(v, q, len, r, sizeof(r), argv[3][0] == 'u' ? DNS_UDP : DNS_TCP, &res);
		if (put16((unsigned)n) != 0 || fwrite(r, 1, n, stdout) != n ||
		    put16((unsigned)res.dr_truncated) != 0 || put16((unsigned)res.dr_rcode) != 0)
			return 1;
		fflush(stdout);
	}
	dns_view_free(v);
	free(cfg);
	return 0;
}
