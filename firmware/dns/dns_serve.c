/*
 * The DNS responder on the network: for each consumer [nic] with dns = A,
 * the NIC's stack holds A and answers on port 53 of it, over UDP here
 * and over TCP in dns_tcp.c, from a view of the running config (dns.h)
 * that every reload replaces, so approvals and rejections apply at once.
 *
 * Everything is bound to the NIC's netif: a query arriving by another NIC
 * reaches no pcb of this one (lwIP matches pcbs by netif), and the answer
 * leaves by the NIC the query came in on.  Over UDP a query costs one
 * answer at most, no larger than dns_answer allows (a small multiple of
 * the question), and each source passes a rate limit (dns_rate.c) first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip/ip4_addr.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/udp.h"

#include "log.h"
#include "loop.h"
#include "nic.h"
#include "dns_rate.h"
#include "dns_serve.h"

struct dns_scratch dns_scratch;

/* Counts one query's outcome: the answer's RCODE and TC, or none. */
void
dns_serve_count(struct dns_stats *st, const struct dns_result *res, size_t len)
{
	if (len == 0 || res->dr_rcode < 0) {
		st->ds_unanswered++;
		return;
	}
	st->ds_answers[res->dr_rcode < DNS_RC_OTHER ? res->dr_rcode : DNS_RC_OTHER]++;
	if (res->dr_truncated)
		st->ds_truncated++;
}

/*
 * The slip's answer to q (len bytes): its header and question with QR and
 * TC set and nothing else, so a real client asks again over TCP.  Written
 * to resp; its length, or 0 when q has no single, plain question (then
 * nothing is sent: a slip must not cost more than the query).
 */
static size_t
dns_serve_slip(const uint8_t *q, size_t len, uint8_t *resp)
{
	size_t i = 12;

	if (len < 12 || (q[2] & 0x80) != 0 || q[4] != 0 || q[5] != 1)
		return 0;
	while (i < len && q[i] != 0) {
		if (q[i] > 63)
			return 0;	/* a pointer or a reserved label type */
		i += 1 + (size_t)q[i];
	}
	if (i + 5 > len)
		return 0;
	i += 5;		/* the root label, QTYPE, QCLASS */
	memcpy(resp, q, i);
	resp[2] = (uint8_t)(0x80 | (q[2] & 0x79) | 0x02);	/* QR, opcode, RD kept, TC */
	resp[3] = 0;
	memset(resp + 6, 0, 6);
	return i;
}

/* Sends len bytes of dns_scratch's answer to addr:port.  0, or -1 (counted). */
static int
dns_serve_send(struct dns_srv *srv, size_t len, const ip_addr_t *addr, u16_t port)
{
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);

	if (p == NULL) {
		srv->ds_stats->ds_send_errors++;
		return -1;
	}
	memcpy(p->payload, dns_scratch.sc_resp, len);
	if (udp_sendto(srv->ds_udp, p, addr, port) != ERR_OK) {
		srv->ds_stats->ds_send_errors++;
		pbuf_free(p);
		return -1;
	}
	pbuf_free(p);
	return 0;
}

/* A datagram to port 53 of the responder's address on its NIC: consumes
 * p. */
static void
dns_serve_udp_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
    u16_t port)
{
	struct dns_srv *srv = arg;
	struct dns_stats *st = srv->ds_stats;
	struct dns_result res = { -1, 0 };
	size_t qlen = p->tot_len, len = 0;

	(void)pcb;
	st->ds_queries_udp++;
	if (qlen > DNS_QUERY_MAX) {
		st->ds_too_large++;
		pbuf_free(p);
		return;
	}
	/* A source port 0 cannot be answered; one below 1024 other than
	 * 53 is a service a spoofed query would aim the answer at. */
	if (port == 0 || (port < 1024 && port != DNS_PORT)) {
		st->ds_unanswered++;
		pbuf_free(p);
		return;
	}
	pbuf_copy_partial(p, dns_scratch.sc_query, (u16_t)qlen, 0);
	pbuf_free(p);
	switch (dns_rate_check(&srv->ds_rate, ip4_addr_get_u32(ip_2_ip4(addr)), sys_now())) {
	case DNS_RATE_PASS:
		break;
	case DNS_RATE_SLIPPED:
		st->ds_rate_slipped++;
		if ((len = dns_serve_slip(dns_scratch.sc_query, qlen, dns_scratch.sc_resp)) > 0)
			(void)dns_serve_send(srv, len, addr, port);
		return;
	case DNS_RATE_DROPPED:
		st->ds_rate_dropped++;
		return;
	}
	if (srv->ds_view != NULL)
		len = dns_answer(srv->ds_view, dns_scratch.sc_query, qlen, dns_scratch.sc_resp,
		    sizeof(dns_scratch.sc_resp) - 2, DNS_UDP, &res);
	dns_serve_count(st, &res, len);
	if (len > 0)
		(void)dns_serve_send(srv, len, addr, port);
}

/* Stops the NIC's responder: its connections are reset, its pcbs closed,
 * its view freed; its address stays until the reload (or the NIC's
 * close) takes it. */
void
dns_serve_stop(struct nic_rt *nr)
{
	struct dns_srv *srv = nr->nr_dns;

	if (srv == NULL)
		return;
	dns_tcp_close_all(srv);
	if (srv->ds_udp != NULL)
		udp_remove(srv->ds_udp);
	if (srv->ds_view != NULL)
		dns_view_free(srv->ds_view);
	nr->nr_dns = NULL;
	free(srv);
}

/* Starts the responder of NIC nr on addr, rate queries a second per
 * source (0: no limit).  0, or -1 (logged). */
static int
dns_serve_start(struct nic_rt *nr, uint32_t addr, uint32_t rate)
{
	struct dns_srv *srv;
	ip4_addr_t a;
	ip_addr_t ip;

	ip4_addr_set_u32(&a, addr);
	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		log_warn("nic %s: dns %s", nr->nr_name, ip4addr_ntoa(&a));
		return -1;
	}
	srv->ds_nic = nr;
	srv->ds_addr = addr;
	srv->ds_stats = &nr->nr_dns_stats;
	nr->nr_dns = srv;
	if (dns_rate_init(&srv->ds_rate, rate, DNS_RATE_BURST_FACTOR * rate) != 0) {
		log_warnx("nic %s: dns %s: no random key for the rate table", nr->nr_name,
		    ip4addr_ntoa(&a));
		goto bad;
	}
	if ((srv->ds_netif = nic_addr_get(nr, addr)) == NULL)
		goto bad;	/* logged */
	if ((srv->ds_udp = udp_new_ip_type(IPADDR_TYPE_V4)) == NULL) {
		log_warnx("nic %s: dns %s: no memory for a UDP pcb", nr->nr_name, ip4addr_ntoa(&a));
		goto bad;
	}
	/* Overlapping consumer networks may put their responders on the same
	 * address: the netif binding tells them apart, the flag lets both
	 * bind. */
	ip_set_option(srv->ds_udp, SOF_REUSEADDR);
	udp_bind_netif(srv->ds_udp, srv->ds_netif);
	ip_addr_set_ip4_u32_val(ip, addr);
	if (udp_bind(srv->ds_udp, &ip, DNS_PORT) != ERR_OK) {
		log_warnx("nic %s: dns %s: UDP port %d taken", nr->nr_name, ip4addr_ntoa(&a),
		    DNS_PORT);
		goto bad;
	}
	udp_recv(srv->ds_udp, dns_serve_udp_cb, srv);
	if (dns_tcp_listen(srv) != 0)
		goto bad;	/* logged */
	log_info("nic %s: dns responder on %s port %d (UDP, TCP)", nr->nr_name, ip4addr_ntoa(&a),
	    DNS_PORT);
	return 0;

bad:
	dns_serve_stop(nr);
	return -1;
}

/*
 * Before a reload takes addresses away (reload.c): the responders next
 * does not keep stop, those of NICs it closes and those whose dns = it
 * removes or moves.
 */
void
dns_serve_prepare(struct pl_loop *lp, const struct pl_config *next)
{
	for (struct nic_rt *nr = lp->lp_nics; nr != NULL; nr = nr->nr_next) {
		int keep = 0;

		if (nr->nr_dns == NULL)
			continue;
		for (int i = 0; nr->nr_mark && i < next->n_nics && !keep; i++)
			keep = next->nics[i].nic_rt == nr &&
			    next->nics[i].nic_dns_addr == nr->nr_dns->ds_addr;
		if (!keep) {
			log_info("nic %s: dns responder stopped", nr->nr_name);
			dns_serve_stop(nr);
		}
	}
}

/* Does next keep addr on NIC nr for its responder? */
int
dns_serve_uses(const struct pl_config *next, const struct nic_rt *nr, uint32_t addr)
{
	for (int i = 0; i < next->n_nics; i++)
		if (next->nics[i].nic_rt == nr && next->nics[i].nic_dns_addr == addr)
			return addr != 0;
	return 0;
}

/*
 * After the running config's NICs are open (start, each reload): every
 * NIC with dns = has its responder, answering from a view of the running
 * config.  Its SOA serial is the time the view is built, one more than the
 * last at least: it grows with every reload, across restarts too (a
 * secondary fed by `privlinkd -t -z` sees the same clock).  A view that cannot be made
 * leaves the responder silent rather than answering from the last one,
 * which may name endpoints no longer Approved.
 */
void
dns_serve_apply(struct pl_loop *lp)
{
	const struct pl_config *cfg = lp->lp_cfg;
	uint32_t now = (uint32_t)time(NULL);

	for (int i = 0; i < cfg->n_nics; i++) {
		const struct cfg_nic *n = &cfg->nics[i];
		struct nic_rt *nr = n->nic_rt;
		struct dns_srv *srv;
		struct dns_view *v;

		if (n->nic_dns_addr == 0 || nr == NULL || !nr->nr_open)
			continue;
		if (nr->nr_dns == NULL && dns_serve_start(nr, n->nic_dns_addr, n->nic_dns_rate) != 0) {
			log_warnx("nic %s: dns responder not running", n->nic_name);
			continue;
		}
		srv = nr->nr_dns;
		srv->ds_serial = now > srv->ds_serial ? now : srv->ds_serial + 1;
		if ((v = dns_view_from_cfg(cfg, i, srv->ds_serial)) == NULL)
			log_warn("nic %s: dns: names not loaded, not answering", n->nic_name);
		dns_rate_set(&srv->ds_rate, n->nic_dns_rate, DNS_RATE_BURST_FACTOR * n->nic_dns_rate);
		if (srv->ds_view != NULL)
			dns_view_free(srv->ds_view);
		srv->ds_view = v;
	}
}

/* At the end, before the NICs close. */
void
dns_serve_stop_all(struct pl_loop *lp)
{
	for (struct nic_rt *nr = lp->lp_nics; nr != NULL; nr = nr->nr_next)
		dns_serve_stop(nr);
}
