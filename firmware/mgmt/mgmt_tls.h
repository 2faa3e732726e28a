/*
 * The management API's TLS: the server's credentials and client policy.
 *
 * Mutual TLS, 1.2 and 1.3: a client must present a certificate chaining to
 * client_ca (or read_only_ca) or the handshake fails; no session tickets,
 * so every connection shows its certificate.  The server certificate is
 * the operator's (tls_cert/tls_key) or one the appliance made itself at
 * first start and keeps, like an SSH host key.
 */
#ifndef PRIVLINK_MGMT_TLS_H
#define PRIVLINK_MGMT_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mbedtls/pk.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

#include "cfg-t.h"
#include "cfg_set.h"
#include "mgmt_tls-t.h"

struct mgmt_tls {
	mbedtls_ssl_config	mt_conf;	/* server; give it to tls_lwip_accept */
	mbedtls_x509_crt	mt_own;		/* our certificate, then its chain */
	mbedtls_pk_context	mt_key;		/* its private key */
	mbedtls_x509_crt	mt_ca_all;	/* client_ca + read_only_ca: the handshake's */
	mbedtls_x509_crt	mt_client_ca;	/* ADMIN */
	mbedtls_x509_crt	mt_ro_ca;	/* READ */
	int			mt_has_ro;	/* read_only_ca was set */
	int			mt_generated;	/* mt_own is the appliance's own */
	uint8_t			mt_fp[32];	/* SHA-256 of mt_own's DER */
	char			mt_fp_text[MGMT_TLS_FP_TEXT];	/* "AB:CD:..." */
	int			mt_ready;	/* mt_conf can serve */
};

/*
 * Loads (or makes) everything for mg, files named relative to dir.  With
 * mg->mg_tls_cert empty it uses dir/.management-key.pem and
 * dir/.management-cert.pem if both are there and valid, else it makes a new
 * key and self-signed certificate and hands both PEMs to persist (NULL:
 * kept in memory only), ch[0] the key (MGMT_TLS_GEN_KEY), ch[1] the
 * certificate (MGMT_TLS_GEN_CERT); persist returns 0 or -1 and must write
 * the key file mode 0600, durably.  Logs the fingerprint.  0, or -1 with
 * every problem written to errs as "dir/file: message"; mt then needs no
 * mgmt_tls_free.  mt must neither move nor be freed while a connection
 * set up with mt->mt_conf lives (mbedTLS keeps pointers into it): a reload
 * that changes the files builds a new one and frees the old with its last
 * connection.  Call it after ns_rand_init (keys and handshakes draw from
 * ns_rand_tls).  psa_crypto_init is done here; nothing here undoes it (the
 * probes' client shares it).
 */
int mgmt_tls_setup(struct mgmt_tls *mt, const char *dir, const struct cfg_management *mg,
    int (*persist)(const struct cfg_change *ch, int n), FILE *errs);

/*
 * After a completed handshake on a connection made with mt->mt_conf: what
 * its client may do.  subject (len bytes, NUL-terminated, may be NULL)
 * gets the client certificate's subject DN for the audit log, "" when
 * there is none.
 */
enum mgmt_role mgmt_tls_peer_role(const struct mgmt_tls *mt, const mbedtls_ssl_context *ssl,
    char *subject, size_t len);
const char *mgmt_role_name(enum mgmt_role role);

void mgmt_tls_free(struct mgmt_tls *mt);
int mgmt_tls_check(const char *dir, const struct cfg_management *mg, FILE *errs);

/* mgmt_tls_gen.c: a new ECDSA P-256 key and a self-signed certificate for
 * it (SAN IP addr, network order, if not 0), both as PEM.  0, or -1 with
 * the reason in err. */
int mgmt_tls_generate(uint32_t addr, char *key_pem, size_t key_len,
    char *cert_pem, size_t cert_len, char *err, size_t errlen);

#endif
