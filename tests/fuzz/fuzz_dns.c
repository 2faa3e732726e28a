/*
 * libFuzzer harness for the DNS responder's pure part: any bytes as a
 * query, answered over UDP and TCP from a fixed view (zone contoso.example
 * with a name, a wildcard, an empty non-terminal and a name with 40
 * addresses).  Each call gets an exact-size copy of the input, so reading
 * past it is caught.  A response keeps the promises of dns.h: it fits the
 * room, over UDP it is no larger than DNS_UDP_AMPLIFY times the query nor
 * the client's payload (512 without EDNS), it is a response (QR) with the
 * query's id, its counts match what follows (the response is walked
 * record by record), and nothing answers a response or a header fragment.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dns_priv.h"
#include "../unit/dns_test_cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dns_view *fuzz_view;

static void
fuzz_init(void)
{
	struct pl_config *cfg = calloc(1, sizeof(*cfg));
	static const char *names[] = { "web.contoso.example", "*.apps.contoso.example",
	    "a.b.contoso.example", "big.contoso.example" };

	if (cfg == NULL)
		abort();
	cfg->n_nics = 1;
	cfg->nics[0].nic_dns_ttl_s = 10;
	inet_pton(AF_INET, "10.0.0.53", &cfg->nics[0].nic_dns_addr);
	snprintf(cfg->nics[0].nic_dns_zones[0], CFG_FQDN_MAX, "contoso.example");
	cfg->nics[0].nic_n_dns_zones = 1;
	for (int s = 0; s < 4; s++)
		dns_test_svc(cfg, "s", names[s], NULL);
	dns_test_ep(cfg, 0, 0, "10.0.0.10", CFG_APPROVAL_APPROVED);
	dns_test_ep(cfg, 0, 0, "10.0.0.11", CFG_APPROVAL_PENDING);
	dns_test_ep(cfg, 1, 0, "10.0.0.20", CFG_APPROVAL_APPROVED);
	dns_test_ep(cfg, 2, 0, "10.0.0.30", CFG_APPROVAL_APPROVED);
	for (int i = 0; i < 40; i++) {
		char ip[24];

		snprintf(ip, sizeof(ip), "10.0.1.%d", i + 1);
		dns_test_ep(cfg, 3, 0, ip, CFG_APPROVAL_APPROVED);
	}
	fuzz_view = dns_view_from_cfg(cfg, 0, 1);
	free(cfg);
	if (fuzz_view == NULL)
		abort();
}

/* Walks a response we made: every count's records must be there, whole. */
static void
fuzz_walk(const uint8_t *r, size_t n)
{
	size_t pos = DNS_HDR_LEN;
	uint8_t name[DNS_NAME_MAX];
	size_t len;
	unsigned qd = (unsigned)(r[4] << 8 | r[5]), rest = 0;

	for (int i = 6; i < 12; i += 2)
		rest += (unsigned)(r[i] << 8 | r[i + 1]);
	if (qd > 1)
		abort();
	if (qd == 1 && (dns_name_read(r, n, &pos, name, &len) != 0 || (pos += 4) > n))
		abort();
	for (unsigned i = 0; i < rest; i++) {
		if (dns_name_read(r, n, &pos, name, &len) != 0 || pos + 10 > n)
			abort();
		pos += 10 + (size_t)(r[pos + 8] << 8 | r[pos + 9]);
		if (pos > n)
			abort();
	}
	if (pos != n)
		abort();
}

static void
fuzz_one(const uint8_t *q, size_t size, enum dns_transport t, size_t room)
{
	uint8_t *r = malloc(room ? room : 1);
	struct dns_result res;
	struct dns_query dq;
	size_t n;
	int rcode;

	if (r == NULL)
		abort();
	n = dns_answer(fuzz_view, q, size, r, room, t, &res);
	if (n > room || (n == 0) != (res.dr_rcode == -1))
		abort();
	if (size < DNS_HDR_LEN || (q[2] & DNS_F_QR)) {
		if (n != 0)
			abort();
	} else if (n != 0) {
		if (n < DNS_HDR_LEN || !(r[2] & DNS_F_QR) || r[0] != q[0] || r[1] != q[1] ||
		    (r[3] & 0x80))	/* RA */
			abort();
		if (res.dr_truncated && (t == DNS_TCP || !(r[2] & DNS_F_TC)))
			abort();
		if (t == DNS_UDP) {
			size_t payload = DNS_UDP_MIN_PAYLOAD;

			if (dns_query_parse(q, size, &dq, &rcode) == DNS_PARSE_OK)
				payload = dq.dq_payload;
			if (n > DNS_UDP_AMPLIFY * size || n > payload)
				abort();
		}
		fuzz_walk(r, n);
	}
	free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *q;

	if (fuzz_view == NULL)
		fuzz_init();
	if (size > DNS_TCP_MAX)
		return 0;
	if ((q = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(q, data, size);
	fuzz_one(q, size, DNS_UDP, 4096);
	fuzz_one(q, size, DNS_TCP, DNS_TCP_MAX);
	/* a tight room: whatever fits, or nothing */
	fuzz_one(q, size, DNS_UDP, size > 0 ? data[0] : 0);
	free(q);
	return 0;
}
