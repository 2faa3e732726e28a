/*
 * The appliance's own management identity, made at first start when the
 * operator gave no tls_cert: an ECDSA P-256 key and a self-signed
 * certificate for it.  Clients pin its SHA-256 fingerprint (printed on the
 * console and in the log), as with an SSH host key, so what matters is that
 * it is kept (mgmt_tls.c hands it to the caller's persist), not who signed
 * it.
 */
#include <string.h>
#include <time.h>

#include "mbedtls/asn1.h"
#include "mbedtls/ecp.h"
#include "mbedtls/error.h"
#include "mbedtls/oid.h"
#include "mbedtls/pk.h"
#include "mbedtls/x509_crt.h"

#include "mgmt_tls.h"
#include "netstack.h"

#define GEN_SUBJECT	"CN=privlink management"
/* RFC 5280 allows 20 bytes; 16 random bytes are as good as unique. */
#define GEN_SERIAL_LEN	16

/* t as X.509 validity text, "YYYYMMDDhhmmss" (UTC). */
static int
gen_time(char out[16], time_t t)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	return strftime(out, 16, "%Y%m%d%H%M%S", &tm) == 14 ? 0 : -1;
}

/* now + MGMT_TLS_GEN_YEARS calendar years (29 February becomes the 28th). */
static int
gen_time_years(char out[16], time_t now)
{
	struct tm tm;

	if (gmtime_r(&now, &tm) == NULL)
		return -1;
	tm.tm_year += MGMT_TLS_GEN_YEARS;
	if (tm.tm_mon == 1 && tm.tm_mday == 29)
		tm.tm_mday = 28;
	return strftime(out, 16, "%Y%m%d%H%M%S", &tm) == 14 ? 0 : -1;
}

static int
gen_fail(char *err, size_t errlen, const char *what, int rc)
{
	char why[128];

	mbedtls_strerror(rc, why, sizeof(why));
	snprintf(err, errlen, "making the server certificate: %s: %s", what, why);
	return -1;
}

int
mgmt_tls_generate(uint32_t addr, char *key_pem, size_t key_len,
    char *cert_pem, size_t cert_len, char *err, size_t errlen)
{
	mbedtls_pk_context key;
	mbedtls_x509write_cert crt;
	mbedtls_x509_san_list san;
	mbedtls_asn1_sequence eku;
	unsigned char serial[GEN_SERIAL_LEN];
	char not_before[16], not_after[16];
	time_t now = time(NULL);
	int rc, ret = -1;

	mbedtls_pk_init(&key);
	mbedtls_x509write_crt_init(&crt);
	if ((rc = mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY))) != 0) {
		gen_fail(err, errlen, "key setup", rc);
		goto out;
	}
	if ((rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key),
	    ns_rand_tls, NULL)) != 0) {
		gen_fail(err, errlen, "P-256 key", rc);
		goto out;
	}
	if ((rc = ns_rand_tls(NULL, serial, sizeof(serial))) != 0) {
		gen_fail(err, errlen, "serial", rc);
		goto out;
	}
	/* Positive and minimal in DER: top bit clear, first byte not zero. */
	serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x40);
	if (gen_time(not_before, now - MGMT_TLS_GEN_BACKDATE_S) != 0 ||
	    gen_time_years(not_after, now) != 0) {
		snprintf(err, errlen, "making the server certificate: the clock gives no date");
		goto out;
	}

	mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&crt, &key);
	mbedtls_x509write_crt_set_issuer_key(&crt, &key);
	memset(&san, 0, sizeof(san));
	san.node.type = MBEDTLS_X509_SAN_IP_ADDRESS;
	san.node.san.unstructured_name.p = (unsigned char *)&addr;
	san.node.san.unstructured_name.len = sizeof(addr);
	memset(&eku, 0, sizeof(eku));
	eku.buf.tag = MBEDTLS_ASN1_OID;
	eku.buf.p = (unsigned char *)MBEDTLS_OID_SERVER_AUTH;
	eku.buf.len = MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH);
	if ((rc = mbedtls_x509write_crt_set_subject_name(&crt, GEN_SUBJECT)) != 0 ||
	    (rc = mbedtls_x509write_crt_set_issuer_name(&crt, GEN_SUBJECT)) != 0 ||
	    (rc = mbedtls_x509write_crt_set_serial_raw(&crt, serial, sizeof(serial))) != 0 ||
	    (rc = mbedtls_x509write_crt_set_validity(&crt, not_before, not_after)) != 0 ||
	    (rc = mbedtls_x509write_crt_set_basic_constraints(&crt, 0, -1)) != 0 ||
	    (rc = mbedtls_x509write_crt_set_subject_key_identifier(&crt)) != 0 ||
	    (rc = mbedtls_x509write_crt_set_authority_key_identifier(&crt)) != 0 ||
	    (rc = mbedtls_x509write_crt_set_key_usage(&crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE)) != 0 ||
	    (rc = mbedtls_x509write_crt_set_ext_key_usage(&crt, &eku)) != 0 ||
	    (addr != 0 && (rc = mbedtls_x509write_crt_set_subject_alternative_name(&crt, &san)) != 0)) {
		gen_fail(err, errlen, "certificate fields", rc);
		goto out;
	}
	if ((rc = mbedtls_x509write_crt_pem(&crt, (unsigned char *)cert_pem, cert_len,
	    ns_rand_tls, NULL)) != 0) {
		gen_fail(err, errlen, "signing", rc);
		goto out;
	}
	if ((rc = mbedtls_pk_write_key_pem(&key, (unsigned char *)key_pem, key_len)) != 0) {
		gen_fail(err, errlen, "key PEM", rc);
		goto out;
	}
	ret = 0;
out:
	mbedtls_x509write_crt_free(&crt);
	mbedtls_pk_free(&key);
	return ret;
}
