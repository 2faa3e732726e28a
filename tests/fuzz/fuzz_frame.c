/*
 * libFuzzer harness for the receive path: any bytes as an Ethernet frame
 * (first input byte: the socket's frame status, bit 0 "checksum not ready", bit 1
 * "checksum valid", which skip lwIP's TCP checksum check) through the
 * demultiplexer, the checksum completion and lwIP's input, with a
 * listening TCP port behind and one whose queue of half-open connections
 * is full at once (SYN cookies), must never crash or corrupt memory.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/tcp.h"

#include "netstack.h"
#include "prot/tpacket.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ns_port rp;
static uint8_t frame[70000];

static err_t
fuzz_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	(void)err;
	if (p == NULL) {
		tcp_close(pcb);
		return ERR_OK;
	}
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static err_t
fuzz_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK || pcb == NULL)
		return ERR_VAL;
	tcp_recv(pcb, fuzz_recv);
	return ERR_OK;
}

static void
fuzz_setup(void)
{
	struct netif *netif;
	struct tcp_pcb *pcb;
	ip_addr_t ip;

	ip_addr_set_ip4_u32_val(ip, inet_addr("10.0.0.5"));
	if (ns_init() != 0)
		abort();
	rp.rp_txfd = -1;	/* transmit fails and is counted: fine here */
	rp.rp_mtu = 1500;
	memcpy(rp.rp_mac, "\x02\x00\x00\x00\x00\x05", 6);
	if (ns_port_add_addr(&rp, inet_addr("10.0.0.5"), 24, 0, &netif) != 0)
		abort();
	pcb = tcp_new();
	if (pcb == NULL || tcp_bind(pcb, &ip, 443) != ERR_OK)
		abort();
	tcp_bind_netif(pcb, netif);
	pcb = tcp_listen(pcb);
	tcp_accept(pcb, fuzz_accept);
	/* A queue of one half-open connection: SYNs past it take the SYN
	 * cookie path (their options parsed, a cookie sent, ACKs checked). */
	pcb = tcp_new();
	if (pcb == NULL || tcp_bind(pcb, &ip, 444) != ERR_OK)
		abort();
	tcp_bind_netif(pcb, netif);
	pcb = tcp_listen_with_backlog(pcb, 1);
	tcp_accept(pcb, fuzz_accept);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (rp.rp_mtu == 0)
		fuzz_setup();
	if (size < 1 || size - 1 > sizeof(frame))
		return 0;
	memcpy(frame, data + 1, size - 1);
	ns_port_frame(&rp, frame, (uint32_t)(size - 1),
	    ((data[0] & 1) ? TP_STATUS_CSUMNOTREADY : 0) |
	    ((data[0] & 2) ? TP_STATUS_CSUM_VALID : 0));
	ns_timers_run();
	return 0;
}
