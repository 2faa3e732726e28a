/*
 * The management API's TLS: the generated identity is made once and kept,
 * bad files are refused with dir/file: messages, and full handshakes
 * (TLS 1.2 and 1.3, in memory, no lwIP) give an admin client ADMIN, a
 * read-only client READ, and fail for no certificate, another CA's
 * certificate and an expired one.  The certificates are made at run time
 * by tests/lib/mgmt_certs.sh (the runner starts us in the repository root).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mbedtls/sha256.h"
#include "mbedtls/x509_crt.h"
#include "psa/crypto.h"

#include "mgmt_tls.h"
#include "netstack.h"
#include "unit.h"

static char tmpdir[64], pki[96];

/* netstack/ns_rand.c's lwIP half wants this; nothing here reaches it. */
void
ns_lwip_assert(const char *msg, const char *file, int line)
{
	fprintf(stderr, "lwIP assert %s at %s:%d\n", msg, file, line);
	abort();
}

static void
sh(const char *fmt, const char *arg)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg);
	if (system(cmd) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		exit(2);
	}
}

static void
put(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

/* --- persist: what the lead's writer does, into gen_dir ----------------- */
static char gen_dir[96];
static int persist_calls, persist_fail, persist_names_ok;

static int
persist(const struct cfg_change *ch, int n)
{
	char path[256];
	FILE *f;
	int i;

	persist_calls++;
	persist_names_ok = n == 2 && strcmp(ch[0].ch_name, MGMT_TLS_GEN_KEY) == 0 &&
	    strcmp(ch[1].ch_name, MGMT_TLS_GEN_CERT) == 0 &&
	    strstr(ch[0].ch_data, "PRIVATE KEY-----") != NULL &&
	    strstr(ch[1].ch_data, "-----BEGIN CERTIFICATE-----") != NULL;
	if (persist_fail)
		return -1;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", gen_dir, ch[i].ch_name);
		if ((f = fopen(path, "w")) == NULL)
			return -1;
		if (fwrite(ch[i].ch_data, 1, ch[i].ch_len, f) != ch[i].ch_len) {
			fclose(f);
			return -1;
		}
		fclose(f);
		if (i == 0)
			chmod(path, 0600);
	}
	return 0;
}

/* setup with the messages in *msgs (free them). */
static int
setup(struct mgmt_tls *mt, const char *dir, const struct cfg_management *mg, char **msgs)
{
	size_t len;
	FILE *errs = open_memstream(msgs, &len);
	int rc;

	rc = mgmt_tls_setup(mt, dir, mg, persist, errs);
	fclose(errs);
	/* One line per CHECK: the last newline goes. */
	if (len > 0 && (*msgs)[len - 1] == '\n')
		(*msgs)[len - 1] = '\0';
	return rc;
}

static void
mg_set(struct cfg_management *mg, const char *cert, const char *key, const char *ca,
    const char *ro)
{
	memset(mg, 0, sizeof(*mg));
	mg->mg_enabled = 1;
	mg->mg_addr = htonl(0xc0a80a64);	/* 192.168.10.100 */
	mg->mg_port = 443;
	snprintf(mg->mg_tls_cert, sizeof(mg->mg_tls_cert), "%s", cert);
	snprintf(mg->mg_tls_key, sizeof(mg->mg_tls_key), "%s", key);
	snprintf(mg->mg_client_ca, sizeof(mg->mg_client_ca), "%s", ca);
	snprintf(mg->mg_read_only_ca, sizeof(mg->mg_read_only_ca), "%s", ro);
}

/* Does msgs hold "dir/file: what..." at a line start? */
static int
has_msg(const char *msgs, const char *dir, const char *file, const char *what)
{
	char want[512];
	const char *p;

	snprintf(want, sizeof(want), "%s/%s: %s", dir, file, what);
	for (p = msgs; (p = strstr(p, want)) != NULL; p++)
		if (p == msgs || p[-1] == '\n')
			return 1;
	return 0;
}

static int
lines(const char *msgs)
{
	int n = *msgs != '\0';

	for (; *msgs != '\0'; msgs++)
		n += *msgs == '\n';
	return n;
}

/* --- the generated identity --------------------------------------------- */
static void
test_generated(void)
{
	struct cfg_management mg;
	struct mgmt_tls mt, again;
	mbedtls_x509_crt crt;
	const mbedtls_x509_sequence *san;
	char path[256], *msgs;
	struct stat st;
	uint8_t fp[32];
	uint32_t flags;
	int rc, ip_ok = 0;

	snprintf(gen_dir, sizeof(gen_dir), "%s/gen", tmpdir);
	sh("mkdir -p %s", gen_dir);
	mg_set(&mg, "", "", "../pki/ca.pem", "");

	persist_calls = 0;
	rc = setup(&mt, gen_dir, &mg, &msgs);
	CHECK(rc == 0, "first start without tls_cert: a key and certificate are made (%s)", msgs);
	free(msgs);
	CHECK(persist_calls == 1 && persist_names_ok,
	    "both PEMs go to persist once, key first (%d calls)", persist_calls);
	CHECK(mt.mt_generated == 1, "marked as the appliance's own");
	CHECK(strlen(mt.mt_fp_text) == 95 && mt.mt_fp_text[2] == ':' && mt.mt_fp_text[94] != ':',
	    "fingerprint text is 32 hex pairs with colons: %s", mt.mt_fp_text);
	snprintf(path, sizeof(path), "%s/%s", gen_dir, MGMT_TLS_GEN_KEY);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "the key file is mode 0600");

	/* The certificate's fields, seen by a parser of its own. */
	mbedtls_x509_crt_init(&crt);
	snprintf(path, sizeof(path), "%s/%s", gen_dir, MGMT_TLS_GEN_CERT);
	CHECK(mbedtls_x509_crt_parse_file(&crt, path) == 0, "the certificate file parses");
	mbedtls_sha256(crt.raw.p, crt.raw.len, fp, 0);
	CHECK(memcmp(fp, mt.mt_fp, 32) == 0, "the fingerprint is SHA-256 of the certificate's DER");
	{
		char dn[128];

		mbedtls_x509_dn_gets(dn, sizeof(dn), &crt.subject);
		CHECK(strcmp(dn, "CN=privlink management") == 0, "subject %s", dn);
	}
	CHECK(mbedtls_pk_get_type(&crt.pk) == MBEDTLS_PK_ECKEY &&
	    mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(crt.pk)) == MBEDTLS_ECP_DP_SECP256R1, "an ECDSA P-256 key");
	CHECK(crt.MBEDTLS_PRIVATE(sig_md) == MBEDTLS_MD_SHA256, "signed with SHA-256");
	CHECK(crt.valid_to.year - crt.valid_from.year == 10 ||
	    crt.valid_to.year - crt.valid_from.year == 11, "valid 10 years (%d..%d)",
	    crt.valid_from.year, crt.valid_to.year);
	CHECK(!mbedtls_x509_time_is_future(&crt.valid_from) && !mbedtls_x509_time_is_past(&crt.valid_to),
	    "valid now");
	CHECK(mbedtls_x509_crt_verify(&crt, &crt, NULL, NULL, &flags, NULL, NULL) == 0,
	    "self-signed: verifies against itself");
	for (san = &crt.subject_alt_names; san != NULL; san = san->next) {
		mbedtls_x509_subject_alternative_name n;

		if (san->buf.p == NULL || mbedtls_x509_parse_subject_alt_name(&san->buf, &n) != 0)
			continue;
		if (n.type == MBEDTLS_X509_SAN_IP_ADDRESS && n.san.unstructured_name.len == 4 &&
		    memcmp(n.san.unstructured_name.p, &mg.mg_addr, 4) == 0)
			ip_ok = 1;
		mbedtls_x509_free_subject_alt_name(&n);
	}
	CHECK(ip_ok, "subjectAltName IP is the management address");
	CHECK(crt.serial.len == 16 && (crt.serial.p[0] & 0x80) == 0, "16-byte positive serial");
	mbedtls_x509_crt_free(&crt);

	persist_calls = 0;
	rc = setup(&again, gen_dir, &mg, &msgs);
	CHECK(rc == 0 && persist_calls == 0, "second start loads the kept key, persists nothing (%s)",
	    msgs);
	free(msgs);
	CHECK(rc == 0 && memcmp(again.mt_fp, mt.mt_fp, 32) == 0 && again.mt_generated,
	    "second start: same fingerprint");
	if (rc == 0)
		mgmt_tls_free(&again);

	/* A damaged kept certificate: a new identity, persisted again. */
	put(gen_dir, MGMT_TLS_GEN_CERT, "-----BEGIN CERTIFICATE-----\nnot base64\n"
	    "-----END CERTIFICATE-----\n");
	persist_calls = 0;
	rc = setup(&again, gen_dir, &mg, &msgs);
	CHECK(rc == 0 && persist_calls == 1 && memcmp(again.mt_fp, mt.mt_fp, 32) != 0,
	    "a damaged kept certificate is replaced by a new one (%s)", msgs);
	free(msgs);
	if (rc == 0)
		mgmt_tls_free(&again);

	/* A kept key that is not the certificate's: a new identity too. */
	sh("cp %s/../pki/other-ca.key %s/" MGMT_TLS_GEN_KEY, gen_dir);
	persist_calls = 0;
	rc = setup(&again, gen_dir, &mg, &msgs);
	CHECK(rc == 0 && persist_calls == 1, "a kept key of another certificate is replaced (%s)",
	    msgs);
	free(msgs);
	if (rc == 0)
		mgmt_tls_free(&again);
	mgmt_tls_free(&mt);

	/* persist fails: refused, the identity would change at the next start. */
	sh("rm -f %s/.management-*", gen_dir);
	persist_fail = 1;
	rc = setup(&mt, gen_dir, &mg, &msgs);
	persist_fail = 0;
	CHECK(rc == -1 && has_msg(msgs, gen_dir, MGMT_TLS_GEN_KEY, "the new server key and certificate could not be saved"),
	    "a generated key that cannot be kept is refused: %s", msgs);
	free(msgs);
}

/* --- bad files ------------------------------------------------------------ */
static void
test_bad_files(void)
{
	struct cfg_management mg;
	struct mgmt_tls mt;
	char *msgs;
	int rc;

	put(pki, "junk.pem", "hello\n");
	put(pki, "badb64.pem", "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");

	mg_set(&mg, "server.pem", "server.key", "junk.pem", "");
	rc = setup(&mt, pki, &mg, &msgs);
	CHECK(rc == -1 && has_msg(msgs, pki, "junk.pem", "not a PEM certificate: "),
	    "client_ca not PEM: %s", msgs);
	free(msgs);

	{
		char slash[128];

		snprintf(slash, sizeof(slash), "%s/", pki);
		mg_set(&mg, "server.pem", "server.key", "junk.pem", "");
		rc = setup(&mt, slash, &mg, &msgs);
		CHECK(rc == -1 && has_msg(msgs, pki, "junk.pem", "not a PEM certificate: "),
		    "dir with a trailing slash: one slash in messages: %s", msgs);
		free(msgs);
	}

	mg_set(&mg, "server.pem", "server.key", "badb64.pem", "");
	rc = setup(&mt, pki, &mg, &msgs);
	CHECK(rc == -1 && has_msg(msgs, pki, "badb64.pem", "not a PEM certificate: ") &&
	    strstr(msgs, "PEM - ") != NULL, "client_ca with bad base64 says mbedTLS's reason: %s", msgs);
	free(msgs);

	mg_set(&mg, "server.pem", "server.key", "missing.pem", "");
	rc = setup(&mt, pki, &mg, &msgs);
	CHECK(rc == -1 && has_msg(msgs, pki, "missing.pem", "No such file or directory"),
	    "client_ca missing: %s", msgs);
	free(msgs);

	mg_set(&mg, "server.pem", "client.key", "ca.pem", "");
	rc = setup(&mt, pki, &mg, &msgs);
	CHECK(rc == -1 && has_msg(msgs, pki, "client.key", "not the key of the certificate in "),
	    "tls_key of another certificate: %s", msgs);
	free(msgs);

	mg_set(&mg, "server.pem", "junk.pem", "ca.pem", "");
	rc = setup(&mt, pki, &mg, &msgs);
	CHECK(rc == -1 && has_msg(msgs, pki, "junk.pem", "not a PEM private key: "),
	    "tls_key not PEM: %s", msgs);
	free(msgs);

	mg_set(&mg, "server.key", "server.key", "ca.pem", "");
	rc = setup(&mt, pki, &mg, &msgs);
	CHECK(rc == -1 && has_msg(msgs, pki, "server.key", "not a PEM certificate: "),
	    "tls_cert a key: %s", msgs);
	free(msgs);

	mg_set(&mg, "server.pem", "", "ca.pem", "");
	rc = setup(&mt, pki, &mg, &msgs);
	CHECK(rc == -1 && has_msg(msgs, pki, "server.pem", "tls_cert without tls_key"),
	    "tls_cert without tls_key: %s", msgs);
	free(msgs);

	/* Every mistake of one run is listed. */
	mg_set(&mg, "badb64.pem", "server.key", "junk.pem", "missing.pem");
	rc = setup(&mt, pki, &mg, &msgs);
	CHECK(rc == -1 && lines(msgs) == 3 && has_msg(msgs, pki, "badb64.pem", "") &&
	    has_msg(msgs, pki, "junk.pem", "") && has_msg(msgs, pki, "missing.pem", ""),
	    "three bad files, three messages: %s", msgs);
	free(msgs);

	/* The operator's certificate: its fingerprint, not generated. */
	mg_set(&mg, "server.pem", "server.key", "ca.pem", "");
	persist_calls = 0;
	rc = setup(&mt, pki, &mg, &msgs);
	CHECK(rc == 0 && persist_calls == 0 && !mt.mt_generated, "tls_cert/tls_key load (%s)", msgs);
	free(msgs);
	if (rc == 0) {
		mbedtls_x509_crt crt;
		char path[256];
		uint8_t fp[32];

		mbedtls_x509_crt_init(&crt);
		snprintf(path, sizeof(path), "%s/server.pem", pki);
		mbedtls_x509_crt_parse_file(&crt, path);
		mbedtls_sha256(crt.raw.p, crt.raw.len, fp, 0);
		CHECK(memcmp(fp, mt.mt_fp, 32) == 0, "fingerprint of tls_cert's DER");
		mbedtls_x509_crt_free(&crt);
		mgmt_tls_free(&mt);
	}
}

/* --- handshakes over memory ---------------------------------------------- */
#define PIPE_CAP	(64 * 1024)
/* Rounds of both sides' handshake steps; a full handshake takes < 10. */
#define HS_ROUNDS	64

struct pipe {
	unsigned char	p_buf[PIPE_CAP];
	size_t		p_len;
};

struct end {
	struct pipe	*e_in, *e_out;
};

static int
mem_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct end *e = ctx;
	size_t room = PIPE_CAP - e->e_out->p_len;

	if (room == 0)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	if (len > room)
		len = room;
	memcpy(e->e_out->p_buf + e->e_out->p_len, buf, len);
	e->e_out->p_len += len;
	return (int)len;
}

static int
mem_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct end *e = ctx;

	if (e->e_in->p_len == 0)
		return MBEDTLS_ERR_SSL_WANT_READ;
	if (len > e->e_in->p_len)
		len = e->e_in->p_len;
	memcpy(buf, e->e_in->p_buf, len);
	memmove(e->e_in->p_buf, e->e_in->p_buf + len, e->e_in->p_len - len);
	e->e_in->p_len -= len;
	return (int)len;
}

static int
hs_pending(int rc)
{
	return rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE;
}

struct hs_result {
	int		hr_client_rc;	/* last mbedtls_ssl_handshake result */
	int		hr_server_rc;
	int		hr_data_ok;	/* application data went both ways */
	uint32_t	hr_verify;	/* the server's MBEDTLS_X509_BADCERT_ flags */
	enum mgmt_role	hr_role;
	char		hr_subject[MGMT_TLS_SUBJECT_MAX];
	uint8_t		hr_server_fp[32];	/* what the client was shown */
};

/*
 * One handshake between a client with cert/key in pki (NULL: none) at
 * TLS version ver and mt's server configuration.
 */
static void
handshake(const struct mgmt_tls *mt, const char *cert, const char *key,
    mbedtls_ssl_protocol_version ver, struct hs_result *hr)
{
	static struct pipe c2s, s2c;
	struct end ce = { &s2c, &c2s }, se = { &c2s, &s2c };
	mbedtls_ssl_config cconf;
	mbedtls_ssl_context c, s;
	mbedtls_x509_crt ccrt;
	mbedtls_pk_context ckey;
	char path[256];
	unsigned char buf[16];
	int i, cdone = 0, sdone = 0;

	memset(hr, 0, sizeof(*hr));
	c2s.p_len = s2c.p_len = 0;
	mbedtls_ssl_config_init(&cconf);
	mbedtls_x509_crt_init(&ccrt);
	mbedtls_pk_init(&ckey);
	mbedtls_ssl_init(&c);
	mbedtls_ssl_init(&s);
	mbedtls_ssl_config_defaults(&cconf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
	    MBEDTLS_SSL_PRESET_DEFAULT);
	mbedtls_ssl_conf_rng(&cconf, ns_rand_tls, NULL);
	/* The client pins the fingerprint, as curl --pinnedpubkey or a
	 * Prometheus scraper with the server's certificate would. */
	mbedtls_ssl_conf_authmode(&cconf, MBEDTLS_SSL_VERIFY_NONE);
	mbedtls_ssl_conf_min_tls_version(&cconf, ver);
	mbedtls_ssl_conf_max_tls_version(&cconf, ver);
	if (cert != NULL) {
		snprintf(path, sizeof(path), "%s/%s", pki, cert);
		if (mbedtls_x509_crt_parse_file(&ccrt, path) != 0)
			exit(2);
		snprintf(path, sizeof(path), "%s/%s", pki, key);
		if (mbedtls_pk_parse_keyfile(&ckey, path, NULL, ns_rand_tls, NULL) != 0)
			exit(2);
		mbedtls_ssl_conf_own_cert(&cconf, &ccrt, &ckey);
	}
	if (mbedtls_ssl_setup(&c, &cconf) != 0 || mbedtls_ssl_setup(&s, &mt->mt_conf) != 0)
		exit(2);
	mbedtls_ssl_set_bio(&c, &ce, mem_send, mem_recv, NULL);
	mbedtls_ssl_set_bio(&s, &se, mem_send, mem_recv, NULL);

	for (i = 0; i < HS_ROUNDS && (!cdone || !sdone); i++) {
		if (!cdone) {
			hr->hr_client_rc = mbedtls_ssl_handshake(&c);
			cdone = !hs_pending(hr->hr_client_rc);
		}
		if (!sdone) {
			hr->hr_server_rc = mbedtls_ssl_handshake(&s);
			sdone = !hs_pending(hr->hr_server_rc);
		}
		/* Each side ran until it wanted bytes or was done: with nothing
		 * in flight, no one will move again (a client that failed). */
		if (c2s.p_len == 0 && s2c.p_len == 0)
			break;
	}
	hr->hr_verify = mbedtls_ssl_get_verify_result(&s);
	hr->hr_role = mgmt_tls_peer_role(mt, &s, hr->hr_subject, sizeof(hr->hr_subject));
	if (hr->hr_client_rc == 0 && hr->hr_server_rc == 0) {
		const mbedtls_x509_crt *sc = mbedtls_ssl_get_peer_cert(&c);
		int n, ok = 1;

		if (sc != NULL)
			mbedtls_sha256(sc->raw.p, sc->raw.len, hr->hr_server_fp, 0);
		ok &= mbedtls_ssl_write(&s, (const unsigned char *)"status", 6) == 6;
		n = mbedtls_ssl_read(&c, buf, sizeof(buf));
		ok &= n == 6 && memcmp(buf, "status", 6) == 0;
		ok &= mbedtls_ssl_write(&c, (const unsigned char *)"GET", 3) == 3;
		n = mbedtls_ssl_read(&s, buf, sizeof(buf));
		ok &= n == 3 && memcmp(buf, "GET", 3) == 0;
		hr->hr_data_ok = ok;
	}
	mbedtls_ssl_free(&c);
	mbedtls_ssl_free(&s);
	mbedtls_ssl_config_free(&cconf);
	mbedtls_x509_crt_free(&ccrt);
	mbedtls_pk_free(&ckey);
}

static void
test_handshakes(void)
{
	static const struct {
		mbedtls_ssl_protocol_version	ver;
		const char			*name;
	} vers[] = {
		{ MBEDTLS_SSL_VERSION_TLS1_2, "TLS 1.2" },
		{ MBEDTLS_SSL_VERSION_TLS1_3, "TLS 1.3" },
	};
	struct cfg_management mg;
	struct mgmt_tls mt, no_ro, gen;
	struct hs_result hr;
	char *msgs;
	size_t v;
	int rc;

	mg_set(&mg, "server.pem", "server.key", "ca.pem", "ro-ca.pem");
	rc = setup(&mt, pki, &mg, &msgs);
	CHECK(rc == 0, "server with client_ca and read_only_ca (%s)", msgs);
	free(msgs);
	mg_set(&mg, "server.pem", "server.key", "ca.pem", "");
	rc |= setup(&no_ro, pki, &mg, &msgs);
	CHECK(rc == 0, "server with client_ca only (%s)", msgs);
	free(msgs);
	if (rc != 0)
		exit(1);

	for (v = 0; v < sizeof(vers) / sizeof(vers[0]); v++) {
		const char *vn = vers[v].name;

		handshake(&mt, "client.pem", "client.key", vers[v].ver, &hr);
		CHECK(hr.hr_client_rc == 0 && hr.hr_server_rc == 0 && hr.hr_data_ok,
		    "%s: admin client: handshake and data (client -0x%x, server -0x%x)", vn,
		    -hr.hr_client_rc, -hr.hr_server_rc);
		CHECK(hr.hr_role == MGMT_ROLE_ADMIN, "%s: admin client is %s", vn,
		    mgmt_role_name(hr.hr_role));
		CHECK(strcmp(hr.hr_subject, "CN=privlink test client") == 0, "%s: subject '%s'", vn,
		    hr.hr_subject);
		CHECK(memcmp(hr.hr_server_fp, mt.mt_fp, 32) == 0,
		    "%s: the client sees the certificate of the logged fingerprint", vn);

		handshake(&mt, "ro-client.pem", "ro-client.key", vers[v].ver, &hr);
		CHECK(hr.hr_client_rc == 0 && hr.hr_server_rc == 0 && hr.hr_data_ok,
		    "%s: read-only client: handshake (server -0x%x)", vn, -hr.hr_server_rc);
		CHECK(hr.hr_role == MGMT_ROLE_READ, "%s: read-only client is %s", vn,
		    mgmt_role_name(hr.hr_role));
		CHECK(strcmp(hr.hr_subject, "CN=privlink test ro-client") == 0, "%s: subject '%s'", vn,
		    hr.hr_subject);

		handshake(&mt, NULL, NULL, vers[v].ver, &hr);
		CHECK(hr.hr_server_rc != 0 && !hs_pending(hr.hr_server_rc) &&
		    hr.hr_role == MGMT_ROLE_NONE && !hr.hr_data_ok,
		    "%s: no client certificate: the server's handshake fails (-0x%x)", vn,
		    -hr.hr_server_rc);

		handshake(&mt, "other-client.pem", "other-client.key", vers[v].ver, &hr);
		CHECK(hr.hr_server_rc != 0 && !hs_pending(hr.hr_server_rc) &&
		    hr.hr_role == MGMT_ROLE_NONE && !hr.hr_data_ok,
		    "%s: another CA's client: the server's handshake fails (-0x%x)", vn,
		    -hr.hr_server_rc);
		CHECK(hr.hr_verify & MBEDTLS_X509_BADCERT_NOT_TRUSTED, "%s: ... as not trusted (0x%x)",
		    vn, hr.hr_verify);

		handshake(&mt, "expired.pem", "expired.key", vers[v].ver, &hr);
		CHECK(hr.hr_server_rc != 0 && !hs_pending(hr.hr_server_rc) &&
		    hr.hr_role == MGMT_ROLE_NONE && !hr.hr_data_ok,
		    "%s: expired client certificate: the server's handshake fails (-0x%x)", vn,
		    -hr.hr_server_rc);
		/* MBEDTLS_HAVE_TIME_DATE is on: mbedTLS checks the dates. */
		CHECK(hr.hr_verify == MBEDTLS_X509_BADCERT_EXPIRED, "%s: ... as expired, only (0x%x)",
		    vn, hr.hr_verify);

		handshake(&no_ro, "ro-client.pem", "ro-client.key", vers[v].ver, &hr);
		CHECK(hr.hr_server_rc != 0 && !hs_pending(hr.hr_server_rc) &&
		    hr.hr_role == MGMT_ROLE_NONE,
		    "%s: without read_only_ca, its clients fail the handshake (-0x%x)", vn,
		    -hr.hr_server_rc);

		handshake(&no_ro, "client.pem", "client.key", vers[v].ver, &hr);
		CHECK(hr.hr_server_rc == 0 && hr.hr_role == MGMT_ROLE_ADMIN,
		    "%s: without read_only_ca, an admin client is %s", vn,
		    mgmt_role_name(hr.hr_role));
	}
	mgmt_tls_free(&no_ro);

	/* The generated identity serves too. */
	mg_set(&mg, "", "", "../pki/ca.pem", "../pki/ro-ca.pem");
	rc = setup(&gen, gen_dir, &mg, &msgs);
	CHECK(rc == 0, "server with the generated identity (%s)", msgs);
	free(msgs);
	if (rc == 0) {
		for (v = 0; v < sizeof(vers) / sizeof(vers[0]); v++) {
			handshake(&gen, "client.pem", "client.key", vers[v].ver, &hr);
			CHECK(hr.hr_server_rc == 0 && hr.hr_role == MGMT_ROLE_ADMIN &&
			    memcmp(hr.hr_server_fp, gen.mt_fp, 32) == 0,
			    "%s: generated certificate: admin client, fingerprint matches", vers[v].name);
		}
		mgmt_tls_free(&gen);
	}

	/* No role before the handshake, nor from an unready mt. */
	{
		mbedtls_ssl_context s;
		char subj[8] = "x";

		mbedtls_ssl_init(&s);
		mbedtls_ssl_setup(&s, &mt.mt_conf);
		CHECK(mgmt_tls_peer_role(&mt, &s, subj, sizeof(subj)) == MGMT_ROLE_NONE &&
		    subj[0] == '\0', "before the handshake: none, no subject");
		mbedtls_ssl_free(&s);
	}
	mgmt_tls_free(&mt);
	CHECK(mt.mt_ready == 0, "mgmt_tls_free leaves mt unready");
}

int
main(void)
{
	char cmd[256];

	/* Our lines whole between the log's lines on stderr. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_mgmt_tls.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(pki, sizeof(pki), "%s/pki", tmpdir);
	snprintf(cmd, sizeof(cmd), "tests/lib/mgmt_certs.sh %s", pki);
	if (system(cmd) != 0) {
		fprintf(stderr, "%s failed\n", cmd);
		return 2;
	}
	if (ns_rand_init() != 0) {
		fprintf(stderr, "ns_rand_init failed\n");
		return 2;
	}
	test_generated();
	test_bad_files();
	test_handshakes();
	mbedtls_psa_crypto_free();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return 2;
	return UNIT_DONE();
}
