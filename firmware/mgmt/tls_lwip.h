/*
 * TLS over an lwIP raw-API TCP connection, with mbedTLS 3.6: the client
 * side (health probes) and the server side (the management API).
 * lwIP's own altcp_tls_mbedtls targets mbedTLS 2.x; this adapter is ours.
 */
#ifndef PRIVLINK_TLS_LWIP_H
#define PRIVLINK_TLS_LWIP_H

#include "mbedtls/ssl.h"

struct tcp_pcb;
struct pbuf;

struct tls_lwip {
	mbedtls_ssl_context	tl_ssl;
	struct tcp_pcb		*tl_pcb;
	struct pbuf		*tl_rx;		/* received, not yet read by mbedTLS */
	int			tl_eof;		/* FIN received */
	int			tl_ready;	/* tl_ssl was set up */
};

int tls_lwip_start(struct tls_lwip *t, struct tcp_pcb *pcb, const char *server_name);
int tls_lwip_accept(struct tls_lwip *t, struct tcp_pcb *pcb, const mbedtls_ssl_config *conf);
void tls_lwip_feed(struct tls_lwip *t, struct pbuf *p);
void tls_lwip_free(struct tls_lwip *t);
const char *tls_lwip_strerror(int rc, char *buf, size_t len);

#endif
