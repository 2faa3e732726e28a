/*
 * The management API's TLS credentials and policy (see mgmt_tls.h): the
 * server configuration firmware/mgmt/mgmt.c hands to tls_lwip_accept for every
 * connection, and the role of a client once its handshake is done.
 *
 * Client certificates are checked by mbedTLS during the handshake
 * (MBEDTLS_SSL_VERIFY_REQUIRED) against client_ca and read_only_ca
 * together, with validity dates (MBEDTLS_HAVE_TIME_DATE): no certificate,
 * one of another CA or an expired one fails the handshake, so such a
 * client gets no byte of HTTP.  Which of the two CAs it chains to is asked
 * afterwards, by verifying its certificate against each alone.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbedtls/error.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/sha256.h"
#include "psa/crypto.h"

#include "log.h"
#include "mgmt_tls.h"
#include "netstack.h"

/* A generated key and certificate in PEM: a P-256 key is ~230 bytes, the
 * certificate ~700. */
#define TLS_GEN_PEM_MAX	4096

static const char *const mgmt_role_names[] = {
	[MGMT_ROLE_NONE] = "none",
	[MGMT_ROLE_READ] = "read",
	[MGMT_ROLE_ADMIN] = "admin",
};

const char *
mgmt_role_name(enum mgmt_role role)
{
	if ((unsigned)role >= sizeof(mgmt_role_names) / sizeof(mgmt_role_names[0]))
		return "?";
	return mgmt_role_names[role];
}

/* "why" of an mbedTLS error code. */
static const char *
tls_why(int rc, char *buf, size_t len)
{
	mbedtls_strerror(rc, buf, len);
	return buf;
}

static int
tls_path(char path[static PATH_MAX], const char *dir, const char *name, char *err, size_t errlen)
{
	size_t n = strlen(dir);
	const char *sep = n > 0 && dir[n - 1] == '/' ? "" : "/";

	if (snprintf(path, PATH_MAX, "%s%s%s", dir, sep, name) >= PATH_MAX) {
		snprintf(err, errlen, "%s/%.64s...: name too long", dir, name);
		return -1;
	}
	return 0;
}

/*
 * Reads path whole into *buf (malloc'd, NUL after *len bytes, which mbedTLS
 * wants in the length of a PEM).  0, or -1 with err set and errno that of
 * the failure (ENOENT: no such file).
 */
static int
tls_read(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	FILE *f;
	char *b;
	size_t n;
	int saved;

	*buf = NULL;
	if ((f = fopen(path, "rb")) == NULL) {
		saved = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(saved));
		errno = saved;
		return -1;
	}
	if ((b = malloc(MGMT_TLS_PEM_MAX + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		fclose(f);
		errno = ENOMEM;
		return -1;
	}
	n = fread(b, 1, MGMT_TLS_PEM_MAX + 1, f);
	saved = errno;
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(saved));
		goto bad;
	}
	if (n > MGMT_TLS_PEM_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, MGMT_TLS_PEM_MAX);
		saved = EFBIG;
		goto bad;
	}
	fclose(f);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
bad:
	fclose(f);
	mbedtls_platform_zeroize(b, MGMT_TLS_PEM_MAX + 1);
	free(b);
	errno = saved;
	return -1;
}

static void
tls_drop(char *buf, size_t len)
{
	if (buf == NULL)
		return;
	mbedtls_platform_zeroize(buf, len);
	free(buf);
}

/* Appends the certificates of pem (len bytes and a NUL) to chain. */
static int
tls_parse_certs(mbedtls_x509_crt *chain, const char *path, const char *pem, size_t len,
    char *err, size_t errlen)
{
	char why[128];
	int rc;

	/* mbedTLS would take DER too; the drop holds PEM files only. */
	if (strstr(pem, "-----BEGIN CERTIFICATE-----") == NULL) {
		snprintf(err, errlen, "%s: not a PEM certificate: no -----BEGIN CERTIFICATE----- line",
		    path);
		return -1;
	}
	rc = mbedtls_x509_crt_parse(chain, (const unsigned char *)pem, len + 1);
	if (rc < 0) {
		snprintf(err, errlen, "%s: not a PEM certificate: %s", path, tls_why(rc, why, sizeof(why)));
		return -1;
	}
	if (rc > 0) {
		snprintf(err, errlen, "%s: not a PEM certificate: %d of its certificates could not be parsed",
		    path, rc);
		return -1;
	}
	return 0;
}

static int
tls_parse_key(mbedtls_pk_context *key, const char *path, const char *pem, size_t len,
    char *err, size_t errlen)
{
	char why[128];
	int rc;

	if (strstr(pem, "-----BEGIN ") == NULL || strstr(pem, "PRIVATE KEY-----") == NULL) {
		snprintf(err, errlen, "%s: not a PEM private key: no -----BEGIN ... PRIVATE KEY----- line",
		    path);
		return -1;
	}
	rc = mbedtls_pk_parse_key(key, (const unsigned char *)pem, len + 1, NULL, 0,
	    ns_rand_tls, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "%s: not a PEM private key: %s", path, tls_why(rc, why, sizeof(why)));
		return -1;
	}
	return 0;
}

/* mt_own and mt_key from PEM text; on error both are left empty. */
static int
tls_identity(struct mgmt_tls *mt, const char *cert_path, const char *cert, size_t cert_len,
    const char *key_path, const char *key, size_t key_len, char *err, size_t errlen)
{
	if (tls_parse_certs(&mt->mt_own, cert_path, cert, cert_len, err, errlen) != 0 ||
	    tls_parse_key(&mt->mt_key, key_path, key, key_len, err, errlen) != 0)
		goto bad;
	/* mbedTLS's reason for a mismatch ("bad input parameters") says less
	 * than the mismatch itself. */
	if (mbedtls_pk_check_pair(&mt->mt_own.pk, &mt->mt_key, ns_rand_tls, NULL) != 0) {
		snprintf(err, errlen, "%s: not the key of the certificate in %s", key_path, cert_path);
		goto bad;
	}
	return 0;
bad:
	mbedtls_x509_crt_free(&mt->mt_own);
	mbedtls_x509_crt_init(&mt->mt_own);
	mbedtls_pk_free(&mt->mt_key);
	mbedtls_pk_init(&mt->mt_key);
	return -1;
}

/*
 * mt_own and mt_key from dir/cert_name and dir/key_name.  0, or -1 with
 * err set; *missing says neither file is there.
 */
static int
tls_identity_files(struct mgmt_tls *mt, const char *dir, const char *cert_name,
    const char *key_name, int *missing, char *err, size_t errlen)
{
	char cert_path[PATH_MAX], key_path[PATH_MAX];
	char *cert = NULL, *key = NULL;
	size_t cert_len = 0, key_len = 0;
	int rc = -1;

	*missing = 0;
	if (tls_path(cert_path, dir, cert_name, err, errlen) != 0 ||
	    tls_path(key_path, dir, key_name, err, errlen) != 0)
		return -1;
	if (tls_read(cert_path, &cert, &cert_len, err, errlen) != 0) {
		*missing = errno == ENOENT && access(key_path, F_OK) == -1 && errno == ENOENT;
		return -1;
	}
	if (tls_read(key_path, &key, &key_len, err, errlen) == 0)
		rc = tls_identity(mt, cert_path, cert, cert_len, key_path, key, key_len, err, errlen);
	tls_drop(cert, cert_len);
	tls_drop(key, key_len);
	return rc;
}

/* The appliance's own identity: the kept one, or a new one persisted. */
static int
tls_own_generated(struct mgmt_tls *mt, const char *dir, const struct cfg_management *mg,
    int (*persist)(const struct cfg_change *ch, int n), FILE *errs)
{
	char err[2 * PATH_MAX + 256], key[TLS_GEN_PEM_MAX], cert[TLS_GEN_PEM_MAX];
	struct cfg_change ch[2];
	int missing, rc = -1;

	err[0] = '\0';
	if (tls_identity_files(mt, dir, MGMT_TLS_GEN_CERT, MGMT_TLS_GEN_KEY, &missing,
	    err, sizeof(err)) == 0) {
		mt->mt_generated = 1;
		return 0;
	}
	if (missing)
		log_info("management: no server certificate in %s yet: making one", dir);
	else
		log_warnx("management: %s: making a new server key and certificate", err);

	if (mgmt_tls_generate(mg->mg_addr, key, sizeof(key), cert, sizeof(cert),
	    err, sizeof(err)) != 0) {
		fprintf(errs, "%s: %s\n", dir, err);
		goto out;
	}
	ch[0] = (struct cfg_change){ MGMT_TLS_GEN_KEY, key, strlen(key) };
	ch[1] = (struct cfg_change){ MGMT_TLS_GEN_CERT, cert, strlen(cert) };
	/* Not kept, it would change at the next start and every client that
	 * pinned it would see a stranger: refuse to serve with it. */
	if (persist != NULL && persist(ch, 2) != 0) {
		fprintf(errs, "%s/%s: the new server key and certificate could not be saved\n",
		    dir, MGMT_TLS_GEN_KEY);
		goto out;
	}
	if (tls_identity(mt, MGMT_TLS_GEN_CERT, cert, ch[1].ch_len, MGMT_TLS_GEN_KEY, key,
	    ch[0].ch_len, err, sizeof(err)) != 0) {
		fprintf(errs, "%s: the new server certificate: %s\n", dir, err);
		goto out;
	}
	mt->mt_generated = 1;
	rc = 0;
out:
	mbedtls_platform_zeroize(key, sizeof(key));
	return rc;
}

static int
tls_own(struct mgmt_tls *mt, const char *dir, const struct cfg_management *mg,
    int (*persist)(const struct cfg_change *ch, int n), FILE *errs)
{
	char err[2 * PATH_MAX + 256];
	int missing;

	if (mg->mg_tls_cert[0] == '\0')
		return tls_own_generated(mt, dir, mg, persist, errs);
	if (mg->mg_tls_key[0] == '\0') {
		fprintf(errs, "%s/%s: tls_cert without tls_key\n", dir, mg->mg_tls_cert);
		return -1;
	}
	err[0] = '\0';
	if (tls_identity_files(mt, dir, mg->mg_tls_cert, mg->mg_tls_key, &missing,
	    err, sizeof(err)) != 0) {
		fprintf(errs, "%s\n", err);
		return -1;
	}
	if (mbedtls_x509_time_is_past(&mt->mt_own.valid_to))
		log_warnx("management: %s/%s: the server certificate has expired: clients will refuse it",
		    dir, mg->mg_tls_cert);
	return 0;
}

/* dir/name's certificates into chain and into all. */
static int
tls_ca(mbedtls_x509_crt *chain, mbedtls_x509_crt *all, const char *dir, const char *name,
    FILE *errs)
{
	char path[PATH_MAX], err[PATH_MAX + 256], *pem;
	size_t len;
	int rc = -1;

	if (tls_path(path, dir, name, err, sizeof(err)) != 0 ||
	    tls_read(path, &pem, &len, err, sizeof(err)) != 0) {
		fprintf(errs, "%s\n", err);
		return -1;
	}
	if (tls_parse_certs(chain, path, pem, len, err, sizeof(err)) != 0 ||
	    tls_parse_certs(all, path, pem, len, err, sizeof(err)) != 0)
		fprintf(errs, "%s\n", err);
	else
		rc = 0;
	tls_drop(pem, len);
	return rc;
}

static int
tls_conf(struct mgmt_tls *mt, FILE *errs)
{
	char why[128];
	int rc;

	rc = mbedtls_ssl_config_defaults(&mt->mt_conf, MBEDTLS_SSL_IS_SERVER,
	    MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (rc != 0)
		goto bad;
	mbedtls_ssl_conf_min_tls_version(&mt->mt_conf, MBEDTLS_SSL_VERSION_TLS1_2);
	mbedtls_ssl_conf_max_tls_version(&mt->mt_conf, MBEDTLS_SSL_VERSION_TLS1_3);
	mbedtls_ssl_conf_authmode(&mt->mt_conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_rng(&mt->mt_conf, ns_rand_tls, NULL);
	mbedtls_ssl_conf_ca_chain(&mt->mt_conf, &mt->mt_ca_all, NULL);
	/* No session tickets (no ticket callbacks are set): a resumed session
	 * would skip the client's certificate. */
	if ((rc = mbedtls_ssl_conf_own_cert(&mt->mt_conf, &mt->mt_own, &mt->mt_key)) != 0)
		goto bad;
	return 0;
bad:
	fprintf(errs, "management: TLS configuration: %s\n", tls_why(rc, why, sizeof(why)));
	return -1;
}

static void
tls_fingerprint(struct mgmt_tls *mt)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	mbedtls_sha256(mt->mt_own.raw.p, mt->mt_own.raw.len, mt->mt_fp, 0);
	for (i = 0; i < sizeof(mt->mt_fp); i++) {
		mt->mt_fp_text[3 * i] = hex[mt->mt_fp[i] >> 4];
		mt->mt_fp_text[3 * i + 1] = hex[mt->mt_fp[i] & 0xf];
		mt->mt_fp_text[3 * i + 2] = ':';
	}
	mt->mt_fp_text[3 * sizeof(mt->mt_fp) - 1] = '\0';
}

static void
tls_init(struct mgmt_tls *mt)
{
	memset(mt, 0, sizeof(*mt));
	mbedtls_ssl_config_init(&mt->mt_conf);
	mbedtls_x509_crt_init(&mt->mt_own);
	mbedtls_pk_init(&mt->mt_key);
	mbedtls_x509_crt_init(&mt->mt_ca_all);
	mbedtls_x509_crt_init(&mt->mt_client_ca);
	mbedtls_x509_crt_init(&mt->mt_ro_ca);
}

int
mgmt_tls_setup(struct mgmt_tls *mt, const char *dir, const struct cfg_management *mg,
    int (*persist)(const struct cfg_change *ch, int n), FILE *errs)
{
	int errors = 0;

	tls_init(mt);
	/* TLS 1.3 in mbedTLS 3.6 runs on PSA crypto; a second call is a no-op. */
	if (psa_crypto_init() != PSA_SUCCESS) {
		fprintf(errs, "management: PSA crypto would not start\n");
		mgmt_tls_free(mt);
		return -1;
	}
	/* Every file is tried, so that one run lists every mistake. */
	if (tls_own(mt, dir, mg, persist, errs) != 0)
		errors++;
	if (mg->mg_client_ca[0] == '\0') {
		fprintf(errs, "%s: management: no client_ca\n", dir);
		errors++;
	} else if (tls_ca(&mt->mt_client_ca, &mt->mt_ca_all, dir, mg->mg_client_ca, errs) != 0) {
		errors++;
	}
	if (mg->mg_read_only_ca[0] != '\0') {
		if (tls_ca(&mt->mt_ro_ca, &mt->mt_ca_all, dir, mg->mg_read_only_ca, errs) != 0)
			errors++;
		mt->mt_has_ro = 1;
	}
	if (errors == 0 && tls_conf(mt, errs) != 0)
		errors++;
	if (errors != 0) {
		mgmt_tls_free(mt);
		return -1;
	}
	tls_fingerprint(mt);
	log_info("management: server certificate SHA256:%s%s", mt->mt_fp_text,
	    mt->mt_generated ? " (the appliance's own)" : "");
	mt->mt_ready = 1;
	return 0;
}

/*
 * What privlinkd -t checks of [management]'s files: the CAs and, when
 * given, the certificate and key (a generated identity is made at the
 * first start, not here).  0, or the number of files refused, each
 * reported to errs as mgmt_tls_setup reports it.
 */
int
mgmt_tls_check(const char *dir, const struct cfg_management *mg, FILE *errs)
{
	struct mgmt_tls mt;
	char err[2 * PATH_MAX + 256];
	int errors = 0, missing;

	tls_init(&mt);
	if (psa_crypto_init() != PSA_SUCCESS) {
		fprintf(errs, "management: PSA crypto would not start\n");
		mgmt_tls_free(&mt);
		return 1;
	}
	if (mg->mg_tls_cert[0] != '\0' && tls_identity_files(&mt, dir, mg->mg_tls_cert,
	    mg->mg_tls_key, &missing, err, sizeof(err)) != 0) {
		fprintf(errs, "%s\n", err);
		errors++;
	}
	if (mg->mg_client_ca[0] != '\0' &&
	    tls_ca(&mt.mt_client_ca, &mt.mt_ca_all, dir, mg->mg_client_ca, errs) != 0)
		errors++;
	if (mg->mg_read_only_ca[0] != '\0' &&
	    tls_ca(&mt.mt_ro_ca, &mt.mt_ca_all, dir, mg->mg_read_only_ca, errs) != 0)
		errors++;
	mgmt_tls_free(&mt);
	return errors;
}

/* Does crt verify against ca alone (dates included)? */
static int
tls_chains_to(const mbedtls_x509_crt *crt, const mbedtls_x509_crt *ca)
{
	uint32_t flags = 0;

	/* mbedTLS takes both non-const but changes neither. */
	return mbedtls_x509_crt_verify((mbedtls_x509_crt *)crt, (mbedtls_x509_crt *)ca, NULL,
	    NULL, &flags, NULL, NULL) == 0 && flags == 0;
}

enum mgmt_role
mgmt_tls_peer_role(const struct mgmt_tls *mt, const mbedtls_ssl_context *ssl,
    char *subject, size_t len)
{
	const mbedtls_x509_crt *peer;

	if (subject != NULL && len > 0)
		subject[0] = '\0';
	if (!mt->mt_ready || !mbedtls_ssl_is_handshake_over((mbedtls_ssl_context *)ssl))
		return MGMT_ROLE_NONE;
	if ((peer = mbedtls_ssl_get_peer_cert(ssl)) == NULL)
		return MGMT_ROLE_NONE;
	if (subject != NULL && len > 0 && mbedtls_x509_dn_gets(subject, len, &peer->subject) < 0)
		snprintf(subject, len, "(subject longer than %zu bytes)", len);
	/* The handshake verified it already; without that, nothing. */
	if (mbedtls_ssl_get_verify_result(ssl) != 0)
		return MGMT_ROLE_NONE;
	if (tls_chains_to(peer, &mt->mt_client_ca))
		return MGMT_ROLE_ADMIN;
	if (mt->mt_has_ro && tls_chains_to(peer, &mt->mt_ro_ca))
		return MGMT_ROLE_READ;
	return MGMT_ROLE_NONE;
}

void
mgmt_tls_free(struct mgmt_tls *mt)
{
	mbedtls_ssl_config_free(&mt->mt_conf);
	mbedtls_x509_crt_free(&mt->mt_own);
	mbedtls_pk_free(&mt->mt_key);
	mbedtls_x509_crt_free(&mt->mt_ca_all);
	mbedtls_x509_crt_free(&mt->mt_client_ca);
	mbedtls_x509_crt_free(&mt->mt_ro_ca);
	memset(mt, 0, sizeof(*mt));
}
