/*
 * The management API's TLS against a client that is not mbedTLS: curl
 * (OpenSSL) over loopback, TLS 1.2 and 1.3, checking the server's
 * certificate by its CA and subjectAltName IP (tls_cert) or by the
 * generated certificate itself, and presenting client certificates made
 * by tests/lib/mgmt_certs.sh.  The server side is mgmt_tls's configuration
 * on a plain socket; its lwIP transport is tested with the management
 * server (tests/integration/test_mgmt.sh).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mbedtls/ssl.h"
#include "psa/crypto.h"

#include "mgmt_tls.h"
#include "netstack.h"
#include "unit.h"

/* Each side gives up after this long without a byte: a bound on a broken
 * run, not a timed assertion. */
#define IO_TIMEOUT_S	10
#define REQ_MAX		4096

static char tmpdir[64], pki[96], gen_dir[96];
static int lfd, port;

void
ns_lwip_assert(const char *msg, const char *file, int line)
{
	fprintf(stderr, "lwIP assert %s at %s:%d\n", msg, file, line);
	abort();
}

static int
persist(const struct cfg_change *ch, int n)
{
	char path[256];
	FILE *f;
	int i, ok = 1;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", gen_dir, ch[i].ch_name);
		if ((f = fopen(path, "w")) == NULL)
			return -1;
		ok &= fwrite(ch[i].ch_data, 1, ch[i].ch_len, f) == ch[i].ch_len;
		ok &= fclose(f) == 0;
	}
	return ok ? 0 : -1;
}

static int
fd_send(void *ctx, const unsigned char *buf, size_t len)
{
	ssize_t n = send(*(int *)ctx, buf, len, MSG_NOSIGNAL);

	return n < 0 ? MBEDTLS_ERR_SSL_INTERNAL_ERROR : (int)n;
}

static int
fd_recv(void *ctx, unsigned char *buf, size_t len)
{
	ssize_t n = recv(*(int *)ctx, buf, len, 0);

	if (n < 0)
		return errno == EAGAIN ? MBEDTLS_ERR_SSL_TIMEOUT : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
	return (int)n;
}

struct run {
	int		r_hs;		/* the server's handshake result */
	enum mgmt_role	r_role;
	char		r_subject[MGMT_TLS_SUBJECT_MAX];
	int		r_curl;		/* curl's exit status, -1 not exited */
	char		r_body[64];	/* what curl printed */
};

/* Serves one connection: the role's name as the body. */
static void
serve(const struct mgmt_tls *mt, struct run *r)
{
	struct timeval tv = { IO_TIMEOUT_S, 0 };
	struct pollfd pfd = { lfd, POLLIN, 0 };
	mbedtls_ssl_context s;
	char req[REQ_MAX + 1], resp[256];
	size_t have = 0;
	int fd, n;

	r->r_hs = -1;
	if (poll(&pfd, 1, IO_TIMEOUT_S * 1000) != 1 || (fd = accept(lfd, NULL, NULL)) == -1)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	mbedtls_ssl_init(&s);
	if (mbedtls_ssl_setup(&s, &mt->mt_conf) != 0)
		goto out;
	mbedtls_ssl_set_bio(&s, &fd, fd_send, fd_recv, NULL);
	r->r_hs = mbedtls_ssl_handshake(&s);
	r->r_role = mgmt_tls_peer_role(mt, &s, r->r_subject, sizeof(r->r_subject));
	if (r->r_hs != 0)
		goto out;
	while (have < REQ_MAX) {
		n = mbedtls_ssl_read(&s, (unsigned char *)req + have, REQ_MAX - have);
		if (n <= 0)
			goto out;
		have += (size_t)n;
		req[have] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	n = snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s", strlen(mgmt_role_name(r->r_role)),
	    mgmt_role_name(r->r_role));
	mbedtls_ssl_write(&s, (const unsigned char *)resp, (size_t)n);
	mbedtls_ssl_close_notify(&s);
out:
	mbedtls_ssl_free(&s);
	close(fd);
}

/*
 * curl -> one connection served with mt.  ver "1.2" or "1.3"; client NULL:
 * no client certificate; trust: the PEM curl checks the server against.
 */
static void
run(const struct mgmt_tls *mt, const char *ver, const char *client, const char *trust,
    struct run *r)
{
	char url[64], to[64], ca[160], cert[160], key[160], tlsv[16];
	const char *argv[24];
	int out[2], st, i = 0;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->r_curl = -1;
	snprintf(url, sizeof(url), "https://192.168.10.100:%d/v1/status", port);
	snprintf(to, sizeof(to), "192.168.10.100:%d:127.0.0.1:%d", port, port);
	snprintf(ca, sizeof(ca), "%s", trust);
	snprintf(tlsv, sizeof(tlsv), "--tlsv%s", ver);
	argv[i++] = "curl";
	argv[i++] = "-q";		/* no ~/.curlrc */
	argv[i++] = "-sS";
	argv[i++] = "--noproxy";
	argv[i++] = "*";
	argv[i++] = "--max-time";
	argv[i++] = "10";
	argv[i++] = tlsv;
	argv[i++] = "--tls-max";
	argv[i++] = ver;
	argv[i++] = "--cacert";
	argv[i++] = ca;
	argv[i++] = "--connect-to";
	argv[i++] = to;
	if (client != NULL) {
		snprintf(cert, sizeof(cert), "%s/%s.pem", pki, client);
		snprintf(key, sizeof(key), "%s/%s.key", pki, client);
		argv[i++] = "--cert";
		argv[i++] = cert;
		argv[i++] = "--key";
		argv[i++] = key;
	}
	argv[i++] = url;
	argv[i] = NULL;
	if (pipe(out) != 0 || (pid = fork()) == -1) {
		perror("pipe/fork");
		exit(2);
	}
	if (pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		close(out[1]);
		execvp("curl", (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	serve(mt, r);
	while (got < sizeof(r->r_body) - 1 &&
	    (n = read(out[0], r->r_body + got, sizeof(r->r_body) - 1 - got)) > 0)
		got += (size_t)n;
	r->r_body[got] = '\0';
	close(out[0]);
	if (waitpid(pid, &st, 0) == pid && WIFEXITED(st))
		r->r_curl = WEXITSTATUS(st);
}

static int
setup(struct mgmt_tls *mt, const char *dir, const struct cfg_management *mg)
{
	if (mgmt_tls_setup(mt, dir, mg, persist, stderr) != 0) {
		fprintf(stderr, "mgmt_tls_setup %s failed\n", dir);
		exit(2);
	}
	return 0;
}

int
main(void)
{
	static const char *const vers[] = { "1.2", "1.3" };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	struct cfg_management mg;
	struct mgmt_tls mt, gen;
	char cmd[256], server_ca[160], gen_cert[160];
	struct run r;
	size_t v;

	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_mgmt_tls_curl.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return 2;
	snprintf(pki, sizeof(pki), "%s/pki", tmpdir);
	snprintf(gen_dir, sizeof(gen_dir), "%s/gen", tmpdir);
	snprintf(cmd, sizeof(cmd), "tests/lib/mgmt_certs.sh %s && mkdir %s", pki, gen_dir);
	if (system(cmd) != 0 || ns_rand_init() != 0)
		return 2;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(lfd, 4) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) != 0) {
		perror("listen");
		return 2;
	}
	port = ntohs(sin.sin_port);

	memset(&mg, 0, sizeof(mg));
	mg.mg_addr = htonl(0xc0a80a64);	/* 192.168.10.100, server.pem's SAN */
	snprintf(mg.mg_tls_cert, sizeof(mg.mg_tls_cert), "server.pem");
	snprintf(mg.mg_tls_key, sizeof(mg.mg_tls_key), "server.key");
	snprintf(mg.mg_client_ca, sizeof(mg.mg_client_ca), "ca.pem");
	snprintf(mg.mg_read_only_ca, sizeof(mg.mg_read_only_ca), "ro-ca.pem");
	setup(&mt, pki, &mg);
	mg.mg_tls_cert[0] = mg.mg_tls_key[0] = '\0';
	snprintf(mg.mg_client_ca, sizeof(mg.mg_client_ca), "../pki/ca.pem");
	snprintf(mg.mg_read_only_ca, sizeof(mg.mg_read_only_ca), "../pki/ro-ca.pem");
	setup(&gen, gen_dir, &mg);
	snprintf(server_ca, sizeof(server_ca), "%s/server-ca.pem", pki);
	snprintf(gen_cert, sizeof(gen_cert), "%s/%s", gen_dir, MGMT_TLS_GEN_CERT);

	for (v = 0; v < sizeof(vers) / sizeof(vers[0]); v++) {
		const char *vn = vers[v];

		run(&mt, vn, "client", server_ca, &r);
		CHECK(r.r_hs == 0 && r.r_role == MGMT_ROLE_ADMIN && r.r_curl == 0 &&
		    strcmp(r.r_body, "admin") == 0,
		    "TLS %s: curl with the admin client certificate is admin (hs -0x%x, curl %d, '%s')",
		    vn, -r.r_hs, r.r_curl, r.r_body);
		CHECK(strcmp(r.r_subject, "CN=privlink test client") == 0, "TLS %s: subject '%s'",
		    vn, r.r_subject);

		run(&mt, vn, "ro-client", server_ca, &r);
		CHECK(r.r_hs == 0 && r.r_role == MGMT_ROLE_READ && r.r_curl == 0 &&
		    strcmp(r.r_body, "read") == 0,
		    "TLS %s: curl with the read-only certificate is read (hs -0x%x, curl %d, '%s')",
		    vn, -r.r_hs, r.r_curl, r.r_body);

		run(&mt, vn, NULL, server_ca, &r);
		CHECK(r.r_hs != 0 && r.r_curl > 0 && r.r_body[0] == '\0',
		    "TLS %s: curl without a certificate: handshake refused (hs -0x%x, curl %d)",
		    vn, -r.r_hs, r.r_curl);

		run(&mt, vn, "other-client", server_ca, &r);
		CHECK(r.r_hs != 0 && r.r_curl > 0 && r.r_body[0] == '\0',
		    "TLS %s: curl with another CA's certificate: refused (hs -0x%x, curl %d)",
		    vn, -r.r_hs, r.r_curl);

		run(&mt, vn, "expired", server_ca, &r);
		CHECK(r.r_hs != 0 && r.r_curl > 0 && r.r_body[0] == '\0',
		    "TLS %s: curl with an expired certificate: refused (hs -0x%x, curl %d)",
		    vn, -r.r_hs, r.r_curl);

		/* The generated certificate, trusted as itself, as an operator
		 * who saved it after checking its fingerprint would. */
		run(&gen, vn, "client", gen_cert, &r);
		CHECK(r.r_hs == 0 && r.r_curl == 0 && strcmp(r.r_body, "admin") == 0,
		    "TLS %s: curl trusting the generated certificate (hs -0x%x, curl %d, '%s')",
		    vn, -r.r_hs, r.r_curl, r.r_body);

		/* ... and curl checks it: the tls_cert server is a stranger. */
		run(&mt, vn, "client", gen_cert, &r);
		CHECK(r.r_curl > 0 && r.r_body[0] == '\0',
		    "TLS %s: curl refuses a server whose certificate it does not trust (curl %d)",
		    vn, r.r_curl);
	}

	mgmt_tls_free(&mt);
	mgmt_tls_free(&gen);
	close(lfd);
	mbedtls_psa_crypto_free();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return 2;
	return UNIT_DONE();
}
