/*
 * The TLS adapter: mbedTLS's I/O callbacks read from the pbufs lwIP handed
 * us (tls_lwip_feed) and write into the pcb's send buffer.  Neither ever
 * blocks: with nothing to read, or no room to write, they return WANT_READ
 * or WANT_WRITE, and the owner calls mbedTLS again from lwIP's recv or
 * sent callback.
 *
 * The same callbacks serve both sides.  A client (tls_lwip_start) uses the
 * one shared client configuration below; a server (tls_lwip_accept) gets
 * its configuration from its owner (firmware/mgmt/mgmt_tls.c for the management
 * API), which keeps it alive while the connection lives.
 *
 * The client configuration is shared and made once.  It does not verify
 * the server's certificate: it serves health probes, which ask "does the
 * backend answer TLS and HTTP", as Azure's HTTPS probes do; the appliance
 * holds no CA store.
 */
#include <string.h>

#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "mbedtls/error.h"
#include "mbedtls/net_sockets.h"
#include "psa/crypto.h"

#include "log.h"
#include "netstack.h"
#include "tls_lwip.h"

static mbedtls_ssl_config tls_conf;
static int tls_conf_ready;

/*
 * Signature algorithms offered, RSA PKCS#1 v1.5 before RSA-PSS: with TLS
 * 1.3 enabled, mbedTLS 3.6 offers RSA-PSS first, and a TLS 1.2 server
 * (nginx 1.22 speaks no 1.3 by default) with an RSA key then signs its key
 * exchange with RSA-PSS, which mbedTLS's TLS 1.2 client refuses ("unsupported
 * value in SigAlg extension 0x0806").  TLS 1.3 servers still pick RSA-PSS,
 * the only RSA scheme 1.3 allows for handshake signatures.
 */
static const uint16_t tls_sig_algs[] = {
	MBEDTLS_TLS1_3_SIG_ECDSA_SECP256R1_SHA256,
	MBEDTLS_TLS1_3_SIG_ECDSA_SECP384R1_SHA384,
	MBEDTLS_TLS1_3_SIG_ECDSA_SECP521R1_SHA512,
	MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA256,
	MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA384,
	MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA512,
	MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA256,
	MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA384,
	MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA512,
	MBEDTLS_TLS1_3_SIG_NONE,
};

static int
tls_config(void)
{
	int rc;

	if (tls_conf_ready)
		return 0;
	/* TLS 1.3 in mbedTLS 3.6 runs on PSA crypto. */
	if (psa_crypto_init() != PSA_SUCCESS)
		return MBEDTLS_ERR_ERROR_GENERIC_ERROR;
	mbedtls_ssl_config_init(&tls_conf);
	rc = mbedtls_ssl_config_defaults(&tls_conf, MBEDTLS_SSL_IS_CLIENT,
	    MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (rc != 0)
		return rc;
	mbedtls_ssl_conf_authmode(&tls_conf, MBEDTLS_SSL_VERIFY_NONE);
	mbedtls_ssl_conf_rng(&tls_conf, ns_rand_tls, NULL);
	mbedtls_ssl_conf_sig_algs(&tls_conf, tls_sig_algs);
	tls_conf_ready = 1;
	return 0;
}

static int
tls_bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct tls_lwip *t = ctx;
	u16_t room;
	err_t err;

	if (t->tl_pcb == NULL)
		return MBEDTLS_ERR_NET_CONN_RESET;
	room = tcp_sndbuf(t->tl_pcb);
	if (room == 0)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	if (len > room)
		len = room;
	err = tcp_write(t->tl_pcb, buf, (u16_t)len, TCP_WRITE_FLAG_COPY);
	if (err == ERR_MEM)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	if (err != ERR_OK)
		return MBEDTLS_ERR_NET_SEND_FAILED;
	tcp_output(t->tl_pcb);
	return (int)len;
}

static int
tls_bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct tls_lwip *t = ctx;
	u16_t n;

	if (t->tl_rx == NULL)
		return t->tl_eof ? 0 : MBEDTLS_ERR_SSL_WANT_READ;
	n = pbuf_copy_partial(t->tl_rx, buf, len > 0xffff ? 0xffff : (u16_t)len, 0);
	t->tl_rx = pbuf_free_header(t->tl_rx, n);
	if (t->tl_pcb != NULL)
		tcp_recved(t->tl_pcb, n);
	return n;
}

/* Sets t up over pcb with conf (either side).  0, or an mbedTLS error;
 * on error t still needs tls_lwip_free. */
static int
tls_lwip_setup(struct tls_lwip *t, struct tcp_pcb *pcb, const mbedtls_ssl_config *conf)
{
	int rc;

	mbedtls_ssl_init(&t->tl_ssl);
	t->tl_ready = 1;
	t->tl_pcb = pcb;
	if ((rc = mbedtls_ssl_setup(&t->tl_ssl, conf)) != 0)
		return rc;
	mbedtls_ssl_set_bio(&t->tl_ssl, t, tls_bio_send, tls_bio_recv, NULL);
	return 0;
}

/* A client over pcb, with the shared client configuration; server_name
 * (NULL: none) goes into SNI.  0, or an mbedTLS error. */
int
tls_lwip_start(struct tls_lwip *t, struct tcp_pcb *pcb, const char *server_name)
{
	int rc;

	memset(t, 0, sizeof(*t));
	if ((rc = tls_config()) != 0)
		return rc;
	if ((rc = tls_lwip_setup(t, pcb, &tls_conf)) != 0)
		return rc;
	if (server_name != NULL && (rc = mbedtls_ssl_set_hostname(&t->tl_ssl, server_name)) != 0)
		return rc;
	return 0;
}

/*
 * A server over pcb (a connection its listener accepted), with conf, a
 * server configuration the caller made (psa_crypto_init done, RNG set) and
 * keeps until tls_lwip_free: mbedTLS keeps a pointer to it.  The caller
 * drives the handshake with mbedtls_ssl_handshake(&t->tl_ssl) from its recv
 * and sent callbacks, as a client does.  0, or an mbedTLS error; on error t
 * still needs tls_lwip_free.
 */
int
tls_lwip_accept(struct tls_lwip *t, struct tcp_pcb *pcb, const mbedtls_ssl_config *conf)
{
	memset(t, 0, sizeof(*t));
	return tls_lwip_setup(t, pcb, conf);
}

/* Takes p (NULL: the peer's FIN). */
void
tls_lwip_feed(struct tls_lwip *t, struct pbuf *p)
{
	if (p == NULL)
		t->tl_eof = 1;
	else if (t->tl_rx == NULL)
		t->tl_rx = p;
	else
		pbuf_cat(t->tl_rx, p);
}

void
tls_lwip_free(struct tls_lwip *t)
{
	if (t->tl_rx != NULL)
		pbuf_free(t->tl_rx);
	if (t->tl_ready)
		mbedtls_ssl_free(&t->tl_ssl);
	memset(t, 0, sizeof(*t));
}

const char *
tls_lwip_strerror(int rc, char *buf, size_t len)
{
	mbedtls_strerror(rc, buf, len);
	return buf;
}
