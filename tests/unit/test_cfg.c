/*
 * The INI loader: values land in the right fields, every class of mistake
 * is reported at its own file:line, and approvals follow read order.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "text.h"
#include "unit.h"

static char tmpdir[64];

static void
put(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

static void
unlink_drop(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
}

static void
clear_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -f %s/*", tmpdir);
	if (system(cmd) != 0)
		exit(2);
}

/* Loads tmpdir; returns the error count and the messages in *msgs. */
static int
load(struct pl_config *cfg, char **msgs)
{
	size_t len;
	FILE *errs = open_memstream(msgs, &len);
	int n;

	n = cfg_load_dir(cfg, tmpdir, errs);
	fclose(errs);
	return n;
}

/* Does msgs hold a line starting with tmpdir/file:line: and containing what? */
static int
find_error(const char *msgs, const char *file, int line, const char *what, int quiet)
{
	char prefix[160];
	const char *p = msgs;

	snprintf(prefix, sizeof(prefix), "%s/%s:%d: ", tmpdir, file, line);
	while (p != NULL && *p != '\0') {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char buf[512];

		snprintf(buf, sizeof(buf), "%.*s", (int)n, p);
		if (strncmp(buf, prefix, strlen(prefix)) == 0 && strstr(buf, what) != NULL)
			return 1;
		p = eol ? eol + 1 : NULL;
	}
	if (!quiet)
		printf("# wanted %s... %s in:\n%s", prefix, what, msgs);
	return 0;
}

#define has_error(m, f, l, w) find_error((m), (f), (l), (w), 0)

/* The appliance section rides along with the NICs: services need its
 * secret.  Line numbers below count from the [nic consumer0] line as 1. */
static const char appliance[] =
	"[appliance]\n"
	"secret = 00112233445566778899aabbccddeeff\n";
static const char nics[] =
	"[nic consumer0]\n"
	"interface = pe0\n"
	"address = 10.0.0.5/24\n"
	"role = consumer\n"
	"\n"
	"[nic provider0]\n"
	"interface = pv0\n"
	"address = 192.168.10.201/24\n"
	"gateway = 192.168.10.1\n"
	"role = provider\n";
static const char services[] =
	"[service web]\n"
	"frontend_port = 443\n"
	"backend = 192.168.20.11:8443\n"
	"nat_ip = 192.168.10.202\n"
	"proxy_protocol = on\n";
static const char endpoints[] =
	"[endpoint web-pe]\n"
	"nic = consumer0\n"
	"ip = 10.0.0.6\n"
	"service = web\n"
	"link_id = 0xfffffffe\n";

/* A fresh drop of the appliance and NICs above, and with_objects: the
 * service and endpoint too. */
static void
put_base(int with_objects)
{
	clear_dir();
	put("00-appliance.ini", appliance);
	put("10-nics.ini", nics);
	if (with_objects) {
		put("20-services.ini", services);
		put("30-endpoints.ini", endpoints);
	}
}

static void
test_good(void)
{
	static struct pl_config cfg;	/* 4.5 MiB: not on the stack */
	char *msgs = NULL;
	int n;

	put_base(1);
	put("40-approve.ini", "[approval web-pe]\nstate = approved\nmessage = ok for now\n");
	put("50-reject.ini", "; a later drop wins\n[approval web-pe]\nstate = Rejected\nmessage = contract ended\n");
	put("README", "not a drop: ignored\n");
	put(".hidden.ini", "garbage without equals\n");
	n = load(&cfg, &msgs);
	CHECK(n == 0, "a good drop loads without errors (got %d: %s)", n, msgs);
	CHECK(cfg.n_nics == 2 && cfg.n_services == 1 && cfg.n_endpoints == 1,
	    "two NICs, one service, one endpoint");
	CHECK(strcmp(cfg.nics[0].nic_ifname, "pe0") == 0 &&
	    cfg.nics[0].nic_addr == inet_addr("10.0.0.5") && cfg.nics[0].nic_prefixlen == 24 &&
	    cfg.nics[0].nic_role == CFG_ROLE_CONSUMER && cfg.nics[0].nic_gateway == 0,
	    "nic consumer0: interface, address in network order, prefix, role, no gateway");
	CHECK(cfg.nics[1].nic_gateway == inet_addr("192.168.10.1") &&
	    cfg.nics[1].nic_role == CFG_ROLE_PROVIDER, "nic provider0: gateway and role");
	CHECK(cfg.services[0].svc_frontend_port == 443 &&
	    cfg.services[0].svc_backend_addr == inet_addr("192.168.20.11") &&
	    cfg.services[0].svc_backend_port == 8443 &&
	    cfg.services[0].svc_n_nat_ips == 1 &&
	    cfg.services[0].svc_nat_ips[0] == inet_addr("192.168.10.202") &&
	    cfg.services[0].svc_nat_nics[0] == 1 && cfg.services[0].svc_proxy_protocol == 1 &&
	    cfg.services[0].svc_port_min == 1024 && cfg.services[0].svc_port_max == 65535,
	    "service web: ports, backend, NAT IP resolved to the provider NIC, PROXY on, "
	    "default NAT port range");
	CHECK(cfg.endpoints[0].ep_nic == 0 && cfg.endpoints[0].ep_service == 0 &&
	    cfg.endpoints[0].ep_ip == inet_addr("10.0.0.6") &&
	    cfg.endpoints[0].ep_link_id == 0xfffffffeu,
	    "endpoint web-pe: references resolved, ip, hex link id");
	CHECK(cfg.endpoints[0].ep_state == CFG_APPROVAL_REJECTED &&
	    strcmp(cfg.endpoints[0].ep_message, "contract ended") == 0 &&
	    strstr(cfg.endpoints[0].ep_approval_where.w_file, "50-reject.ini") != NULL,
	    "the last [approval] in read order wins (state, message, where)");
	CHECK(cfg.endpoints[0].ep_where.w_line == 1 &&
	    strstr(cfg.endpoints[0].ep_where.w_file, "30-endpoints.ini") != NULL,
	    "the endpoint remembers where it was declared");
	free(msgs);

	put_base(1);
	n = load(&cfg, &msgs);
	CHECK(n == 0 && cfg.endpoints[0].ep_state == CFG_APPROVAL_PENDING &&
	    cfg.endpoints[0].ep_approval_where.w_line == 0,
	    "an endpoint without [approval] is Pending");
	free(msgs);
}

static void
test_errors(void)
{
	static struct pl_config cfg;	/* 4.5 MiB: not on the stack */
	char *msgs = NULL;
	int n;

	clear_dir();
	put("00-appliance.ini", appliance);
	put("10-nics.ini", nics);
	put("20-services.ini",
	    "[service web]\n"			/* 1 */
	    "frontend_port = 0\n"		/* 2 */
	    "backend = 192.168.20.11\n"		/* 3 */
	    "nat_ip = 10.0.0.9\n"		/* 4 */
	    "proxy_protocol = sometimes\n"	/* 5 */
	    "colour = blue\n"			/* 6 */
	    "frontend_port = 80\n");		/* 7 */
	put("30-endpoints.ini",
	    "key = outside\n"			/* 1 */
	    "[endpoint a]\n"			/* 2 */
	    "nic = provider0\n"			/* 3 */
	    "ip = 10.0.0.6\n"			/* 4 */
	    "service = web\n"			/* 5 */
	    "link_id = 4294967296\n"		/* 6 */
	    "[endpoint b]\n"			/* 7 */
	    "nic = consumer0\n"			/* 8 */
	    "ip = 10.0.1.6\n"			/* 9 */
	    "service = nothere\n"		/* 10 */
	    "link_id = 1\n"			/* 11 */
	    "[endpoint c]\n"			/* 12 */
	    "nic = consumer0\n"			/* 13 */
	    "ip = 10.0.0.7\n"			/* 14 */
	    "service = web\n"			/* 15 */
	    "link_id = 2\n"			/* 16 */
	    "[endpoint d]\n"			/* 17 */
	    "nic = consumer0\n"			/* 18 */
	    "ip = 10.0.0.7\n"			/* 19 */
	    "service = web\n"			/* 20 */
	    "link_id = 3\n"			/* 21 */
	    "[endpoint e]\n"			/* 22 */
	    "nic = consumer0\n"			/* 23 */
	    "[vlan x]\n"			/* 24 */
	    "[nic consumer0]\n"			/* 25 */
	    "[approval zz]\n"			/* 26 */
	    "state = Maybe\n"			/* 27 */
	    "[approval c]\n"			/* 28 */
	    "state = Approved\n"		/* 29 */
	    "this line has no equals sign\n");	/* 30 */
	n = load(&cfg, &msgs);
	CHECK(has_error(msgs, "20-services.ini", 2, "frontend_port: bad port"), "port 0 is refused");
	CHECK(has_error(msgs, "20-services.ini", 3, "backend: bad backend"), "backend needs a port");
	CHECK(has_error(msgs, "20-services.ini", 4, "nat_ip: not inside the subnet of any provider NIC"),
	    "a NAT IP outside every provider subnet is refused");
	CHECK(has_error(msgs, "20-services.ini", 5, "proxy_protocol: expected on or off, not 'sometimes'"),
	    "a bad boolean is quoted");
	CHECK(has_error(msgs, "20-services.ini", 6, "[service web] colour: unknown key 'blue'"),
	    "an unknown key is refused with its section");
	CHECK(has_error(msgs, "20-services.ini", 7, "frontend_port: key given twice"),
	    "a key given twice in one section is refused");
	CHECK(has_error(msgs, "30-endpoints.ini", 1, "key outside any section"),
	    "a key before any section is refused");
	CHECK(has_error(msgs, "30-endpoints.ini", 3, "has role provider"),
	    "an endpoint on a provider NIC is refused");
	CHECK(has_error(msgs, "30-endpoints.ini", 6, "link_id: bad link id"),
	    "a link id above 32 bits is refused");
	CHECK(has_error(msgs, "30-endpoints.ini", 9, "ip: not a host address of [nic consumer0]"),
	    "an endpoint IP outside its NIC's subnet is refused");
	CHECK(has_error(msgs, "30-endpoints.ini", 10, "no service with that name or alias in the drop 'nothere'"),
	    "a reference to an undefined service is refused at its line");
	CHECK(has_error(msgs, "30-endpoints.ini", 19, "ip: already used on [nic consumer0] by [endpoint c]"),
	    "a duplicate endpoint IP on one NIC names the first");
	CHECK(has_error(msgs, "30-endpoints.ini", 22, "missing required key 'ip'"),
	    "a missing required key is reported at the section header");
	CHECK(has_error(msgs, "30-endpoints.ini", 24, "unknown section kind 'vlan'"),
	    "an unknown section kind is refused");
	CHECK(has_error(msgs, "30-endpoints.ini", 25, "duplicate [nic consumer0], first at"),
	    "a section defined twice across files names the first");
	CHECK(find_error(msgs, "30-endpoints.ini", 26, "no [endpoint zz]", 1) == 0,
	    "an [approval] with a bad state is not also reported as dangling");
	CHECK(has_error(msgs, "30-endpoints.ini", 27, "state must be Approved, Pending or Rejected"),
	    "a bad approval state is refused");
	CHECK(has_error(msgs, "30-endpoints.ini", 30, "syntax error"), "a line without '=' is a syntax error");
	CHECK(n == 19, "every error is counted: %d", n);
	free(msgs);

	clear_dir();
	put("00-appliance.ini", appliance);
	put("10-nics.ini", nics);
	put("20-more.ini", "[nic consumer1]\ninterface = pe1\naddress = 10.0.0.5/24\nrole = consumer\n"
	    "[nic provider1]\ninterface = pv1\naddress = 192.168.10.9/25\nrole = provider\n"
	    "[nic x]\ninterface = pe0\naddress = 10.9.0.0/16\nrole = consumer\n");
	put("30-approval.ini", "[approval ghost]\nstate = Approved\n");
	n = load(&cfg, &msgs);
	CHECK(has_error(msgs, "20-more.ini", 7, "provider subnet overlaps [nic provider0]"),
	    "overlapping provider subnets are refused");
	CHECK(has_error(msgs, "20-more.ini", 10, "interface: already used by [nic consumer0]"),
	    "two NICs on one interface are refused");
	CHECK(has_error(msgs, "20-more.ini", 11, "network or broadcast address"),
	    "a NIC address that is its network address is refused");
	CHECK(has_error(msgs, "30-approval.ini", 1, "no [endpoint ghost]"),
	    "an approval of an undefined endpoint is refused");
	CHECK(n == 4, "overlapping consumer subnets are fine; 4 errors in all (%d)", n);
	free(msgs);
}

/* [nic] mac = names a NIC by its MAC address instead of its interface. */
static void
test_mac(void)
{
	static struct pl_config cfg;	/* 4.5 MiB: not on the stack */
	char *msgs;
	int n;

	clear_dir();
	put("00-appliance.ini", appliance);
	put("10-nics.ini",
	    "[nic consumer0]\nmac = 52:54:00:aB:cd:01\naddress = 10.0.0.5/24\nrole = consumer\n"
	    "[nic provider0]\ninterface = pv0\naddress = 192.168.10.201/24\nrole = provider\n");
	n = load(&cfg, &msgs);
	CHECK(n == 0 && cfg.nics[0].nic_has_mac && !cfg.nics[1].nic_has_mac &&
	    memcmp(cfg.nics[0].nic_mac, "\x52\x54\x00\xab\xcd\x01", 6) == 0 &&
	    cfg.nics[0].nic_ifname[0] == '\0' && strcmp(cfg.nics[1].nic_ifname, "pv0") == 0,
	    "a NIC by MAC (any case) beside one by interface (%d errors: %s)", n, msgs);
	free(msgs);

	put("10-nics.ini",
	    "[nic a]\nmac = 52:54:00:00:00:01\ninterface = pe0\naddress = 10.0.0.5/24\nrole = consumer\n"
	    "[nic b]\naddress = 10.1.0.5/24\nrole = consumer\n"
	    "[nic c]\nmac = 52:54:00:00:00:01\naddress = 10.2.0.5/24\nrole = consumer\n"
	    "[nic d]\nmac = 53:54:00:00:00:02\naddress = 10.3.0.5/24\nrole = consumer\n"
	    "[nic e]\nmac = 52:54:00:00:00:0g\naddress = 10.4.0.5/24\nrole = consumer\n"
	    "[nic f]\nmac = 52:54:00:00:00:1\naddress = 10.5.0.5/24\nrole = consumer\n");
	n = load(&cfg, &msgs);
	CHECK(has_error(msgs, "10-nics.ini", 1, "[nic a]: needs exactly one of 'interface' and 'mac'"),
	    "interface and mac together are refused");
	CHECK(has_error(msgs, "10-nics.ini", 6, "[nic b]: needs exactly one of 'interface' and 'mac'"),
	    "a NIC with neither interface nor mac is refused");
	CHECK(has_error(msgs, "10-nics.ini", 10, "mac: already used by [nic a]"),
	    "two NICs with one MAC are refused");
	CHECK(has_error(msgs, "10-nics.ini", 14, "bad MAC address") &&
	    has_error(msgs, "10-nics.ini", 18, "bad MAC address") &&
	    has_error(msgs, "10-nics.ini", 22, "bad MAC address"),
	    "multicast, non-hex and short MACs are refused");
	CHECK(n == 6, "6 errors in all (%d): %s", n, msgs);
	free(msgs);
}

static void
test_memory_limit(void)
{
	static struct pl_config cfg;	/* 4.5 MiB: not on the stack */
	char *msgs;
	int n;

	clear_dir();
	put("10-nics.ini", nics);
	put("00-appliance.ini", "[appliance]\nsecret = 00112233445566778899aabbccddeeff\n"
	    "memory_limit = 64M\n");
	n = load(&cfg, &msgs);
	CHECK(n == 0 && cfg.appliance.ap_memory_limit == 64ull << 20,
	    "memory_limit = 64M is 64 MiB (%d errors: %s)", n, msgs);
	free(msgs);
	put("00-appliance.ini", "[appliance]\nsecret = 00112233445566778899aabbccddeeff\n"
	    "memory_limit = auto\n");
	n = load(&cfg, &msgs);
	CHECK(n == 0 && cfg.appliance.ap_memory_limit == 0, "memory_limit = auto (%d errors: %s)",
	    n, msgs);
	free(msgs);
	put("00-appliance.ini", "[appliance]\nsecret = 00112233445566778899aabbccddeeff\n");
	n = load(&cfg, &msgs);
	CHECK(n == 0 && cfg.appliance.ap_memory_limit == 0, "memory_limit defaults to auto");
	free(msgs);
	for (int i = 0; i < 4; i++) {
		static const char *const bad[] = { "7M", "2048G", "64", "64MB" };
		char text[160];

		snprintf(text, sizeof(text), "[appliance]\nsecret = 00112233445566778899aabbccddeeff\n"
		    "memory_limit = %s\n", bad[i]);
		put("00-appliance.ini", text);
		n = load(&cfg, &msgs);
		CHECK(n == 1 && has_error(msgs, "00-appliance.ini", 3,
		    "[appliance] memory_limit: expected auto or a size from 8M to 1024G"),
		    "memory_limit = %s is refused at its line: %s", bad[i], msgs);
		free(msgs);
	}
}

static void
test_watchdog(void)
{
	static const char *const bad[] = { "1s", "11m", "2500ms", "on", "10 s", "-1" };
	static struct pl_config cfg;	/* 4.5 MiB: not on the stack */
	char *msgs;
	int n;

	clear_dir();
	put("10-nics.ini", nics);
	put("00-appliance.ini", "[appliance]\nsecret = 00112233445566778899aabbccddeeff\n");
	n = load(&cfg, &msgs);
	CHECK(n == 0 && cfg.appliance.ap_watchdog_s == CFG_WATCHDOG_DEFAULT_S &&
	    cfg.appliance.ap_debug_commands == 0,
	    "watchdog defaults to %d s, debug_commands to off (%d errors: %s)",
	    CFG_WATCHDOG_DEFAULT_S, n, msgs);
	free(msgs);
	put("00-appliance.ini", "[appliance]\nsecret = 00112233445566778899aabbccddeeff\n"
	    "watchdog = 2m\ndebug_commands = on\n");
	n = load(&cfg, &msgs);
	CHECK(n == 0 && cfg.appliance.ap_watchdog_s == 120 && cfg.appliance.ap_debug_commands == 1,
	    "watchdog = 2m is 120 s, debug_commands = on (%d errors: %s)", n, msgs);
	free(msgs);
	put("00-appliance.ini", "[appliance]\nsecret = 00112233445566778899aabbccddeeff\n"
	    "watchdog = off\n");
	n = load(&cfg, &msgs);
	CHECK(n == 0 && cfg.appliance.ap_watchdog_s == 0, "watchdog = off (%d errors: %s)", n, msgs);
	free(msgs);
	put("00-appliance.ini", "[appliance]\nsecret = 00112233445566778899aabbccddeeff\n"
	    "watchdog = 0\n");
	n = load(&cfg, &msgs);
	CHECK(n == 0 && cfg.appliance.ap_watchdog_s == 0, "watchdog = 0 is off (%d errors: %s)", n, msgs);
	free(msgs);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[160];

		snprintf(text, sizeof(text), "[appliance]\nsecret = 00112233445566778899aabbccddeeff\n"
		    "watchdog = %s\n", bad[i]);
		put("00-appliance.ini", text);
		n = load(&cfg, &msgs);
		CHECK(n == 1 && has_error(msgs, "00-appliance.ini", 3,
		    "[appliance] watchdog: expected off or whole seconds from 2s to 10m"),
		    "watchdog = %s is refused at its line: %s", bad[i], msgs);
		free(msgs);
	}
	put("00-appliance.ini", "[appliance]\nsecret = 00112233445566778899aabbccddeeff\n"
	    "debug_commands = yes please\n");
	n = load(&cfg, &msgs);
	CHECK(n == 1 && has_error(msgs, "00-appliance.ini", 3,
	    "[appliance] debug_commands: expected on or off, not 'yes please'"),
	    "debug_commands = yes please is refused at its line: %s", msgs);
	free(msgs);
}

static void
test_values(void)
{
	uint32_t a, v;
	uint16_t port;
	uint8_t len;
	int b;

	CHECK(cfg_parse_ipv4("10.0.0.5", &a) == 0 && a == inet_addr("10.0.0.5"), "dotted quad");
	CHECK(cfg_parse_ipv4("10.0.0.05", &a) == -1, "a leading zero is refused");
	CHECK(cfg_parse_ipv4("10.0.0", &a) == -1 && cfg_parse_ipv4("10.0.0.5 ", &a) == -1 &&
	    cfg_parse_ipv4("1.2.3.256", &a) == -1 && cfg_parse_ipv4("", &a) == -1,
	    "short, trailing junk, out of range and empty addresses are refused");
	CHECK(cfg_parse_prefix("192.168.0.1/32", &a, &len) == 0 && len == 32, "a /32 prefix");
	CHECK(cfg_parse_prefix("192.168.0.1/0", &a, &len) == -1 &&
	    cfg_parse_prefix("192.168.0.1", &a, &len) == -1, "/0 and a missing length are refused");
	CHECK(cfg_parse_addr_port("1.2.3.4:65535", &a, &port) == 0 && port == 65535, "address:port");
	CHECK(cfg_parse_addr_port("1.2.3.4:65536", &a, &port) == -1, "port 65536 is refused");
	CHECK(cfg_parse_u32("4294967295", &v) == 0 && v == 4294967295u, "largest decimal link id");
	CHECK(cfg_parse_u32("0xDEADbeef", &v) == 0 && v == 0xdeadbeefu, "hex link id, any case");
	CHECK(cfg_parse_u32("0x100000000", &v) == -1 && cfg_parse_u32("-1", &v) == -1 &&
	    cfg_parse_u32("0x", &v) == -1, "too large, negative and empty hex link ids are refused");
	CHECK(cfg_parse_count("1", 1, 10, &v) == 0 && v == 1 && cfg_parse_count("10", 1, 10, &v) == 0 &&
	    v == 10, "counts at both ends of their range");
	CHECK(cfg_parse_count("0", 1, 10, &v) == -1 && cfg_parse_count("11", 1, 10, &v) == -1 &&
	    cfg_parse_count("01", 1, 10, &v) == -1 && cfg_parse_count("+5", 1, 10, &v) == -1 &&
	    cfg_parse_count("5 ", 1, 10, &v) == -1 && cfg_parse_count("", 1, 10, &v) == -1 &&
	    cfg_parse_count("99999999999999999999", 1, 10, &v) == -1,
	    "counts out of range, with a leading zero, a sign, junk or too many digits are refused");
	CHECK(cfg_parse_bool("Yes", &b) == 0 && b == 1 && cfg_parse_bool("off", &b) == 0 && b == 0 &&
	    cfg_parse_bool("2", &b) == -1, "booleans");
	CHECK(cfg_valid_name("web-pe_1.a") && !cfg_valid_name("") && !cfg_valid_name("a b") &&
	    !cfg_valid_name("0123456789012345678901234567890123456789012345678901234567890123"),
	    "names: allowed characters and 63 at most");
}

static void
test_nat(void)
{
	static struct pl_config cfg;	/* 4.5 MiB: not on the stack */
	char *msgs = NULL;
	int n;

	clear_dir();
	put("00-appliance.ini", appliance);
	put("10-nics.ini", nics);
	put("20-services.ini",
	    "[service three]\n"
	    "frontend_port = 443\n"
	    "backend = 192.168.10.11:8443\n"
	    "nat_ip = 192.168.10.201,192.168.10.202 , 192.168.10.203\n"
	    "nat_port_range = 40000-40002\n");
	n = load(&cfg, &msgs);
	CHECK(n == 0 && cfg.services[0].svc_n_nat_ips == 3 &&
	    cfg.services[0].svc_nat_ips[2] == inet_addr("192.168.10.203") &&
	    cfg.services[0].svc_nat_nics[2] == 1 &&
	    cfg.services[0].svc_port_min == 40000 && cfg.services[0].svc_port_max == 40002,
	    "three NAT IPs in a list and a port range (%d errors: %s)", n, msgs);
	free(msgs);

	clear_dir();
	put("00-appliance.ini", appliance);
	put("10-nics.ini", nics);
	put("20-services.ini",
	    "[service a]\n"				/* 1 */
	    "frontend_port = 443\n"			/* 2 */
	    "backend = 192.168.10.11:8443\n"		/* 3 */
	    "nat_ip = 192.168.10.201, 192.168.10.201\n"	/* 4 */
	    "nat_port_range = 2000-1000\n"		/* 5 */
	    "[service b]\n"				/* 6 */
	    "frontend_port = 443\n"			/* 7 */
	    "backend = 192.168.10.11:8443\n"		/* 8 */
	    "nat_ip = 192.168.10.1,192.168.10.2,192.168.10.3,192.168.10.4,"
	    "192.168.10.5,192.168.10.6,192.168.10.7,192.168.10.8,192.168.10.9\n"	/* 9 */
	    "[service c]\n"				/* 10 */
	    "frontend_port = 443\n"			/* 11 */
	    "backend = 192.168.10.11:8443\n"		/* 12 */
	    "nat_ip = 192.168.10.201, 10.0.0.200\n");	/* 13 */
	n = load(&cfg, &msgs);
	CHECK(has_error(msgs, "20-services.ini", 4, "nat_ip: expected 1 to 8 distinct"),
	    "a NAT IP listed twice is refused");
	CHECK(has_error(msgs, "20-services.ini", 5, "nat_port_range: expected MIN-MAX"),
	    "a port range upside down is refused");
	CHECK(has_error(msgs, "20-services.ini", 9, "nat_ip: expected 1 to 8 distinct"),
	    "nine NAT IPs are refused");
	CHECK(has_error(msgs, "20-services.ini", 13, "not inside the subnet of any provider NIC '10.0.0.200'"),
	    "each NAT IP of a list must be on a provider NIC");
	CHECK(n == 4, "4 errors (%d)", n);
	free(msgs);
}

static void
test_visibility(void)
{
	static struct pl_config cfg, cfg2;	/* 4.5 MiB each: not on the stack */
	char *msgs = NULL;
	char alias[CFG_ALIAS_MAX];
	int n;

	clear_dir();
	put("00-appliance.ini", "[appliance]\nsecret = 00112233445566778899aabbccddeeff\n"
	    "region = eu1\nalias_suffix = example\n");
	put("10-nics.ini", nics);
	put("20-services.ini",
	    "[service s]\nfrontend_port = 443\nbackend = 192.168.10.11:1\nnat_ip = 192.168.10.202\n"
	    "owner = prov\nvisibility = a, b\nauto_approval = a\nalias_prefix = shop\n"
	    "[service open]\nfrontend_port = 443\nbackend = 192.168.10.11:1\nnat_ip = 192.168.10.202\n"
	    "visibility = *\n");
	put("30-endpoints.ini",
	    "[endpoint ea]\nnic = consumer0\nip = 10.0.0.10\nservice = s\nlink_id = 1\nsubscription = a\n"
	    "[endpoint eb]\nnic = consumer0\nip = 10.0.0.11\nservice = s\nlink_id = 2\nsubscription = b\n"
	    "[endpoint eo]\nnic = consumer0\nip = 10.0.0.12\nservice = s\nlink_id = 3\n"
	    "[endpoint ez]\nnic = consumer0\nip = 10.0.0.13\nservice = open\nlink_id = 4\nsubscription = z\n");
	n = load(&cfg, &msgs);
	CHECK(n == 0, "visibility lists, *, owner and auto-approval load (%d: %s)", n, msgs);
	free(msgs);
	CHECK(cfg.endpoints[0].ep_state == CFG_APPROVAL_APPROVED && cfg.endpoints[0].ep_auto_approved,
	    "a subscription in auto_approval is Approved at once");
	CHECK(cfg.endpoints[1].ep_state == CFG_APPROVAL_PENDING && !cfg.endpoints[1].ep_auto_approved,
	    "a subscription only in visibility is Pending");
	CHECK(cfg.endpoints[2].ep_state == CFG_APPROVAL_PENDING,
	    "the owner's endpoint (no subscription) sees the service and is Pending");
	CHECK(cfg.endpoints[3].ep_service == 1, "anyone sees a visibility * service");
	snprintf(alias, sizeof(alias), "%s", cfg.services[0].svc_alias);
	CHECK(strncmp(alias, "shop.", 5) == 0 && strlen(alias) == 5 + 36 + 1 + 3 + 1 + 7 &&
	    strcmp(alias + strlen(alias) - 12, ".eu1.example") == 0 && alias[13] == '-' &&
	    alias[18] == '-' && alias[23] == '-' && alias[28] == '-',
	    "the alias is PREFIX.GUID.REGION.SUFFIX: %s", alias);

	/* The same drop again, and an endpoint asking by alias. */
	put("40-by-alias.ini", "");
	{
		char buf[512];

		snprintf(buf, sizeof(buf), "[endpoint byalias]\nnic = consumer0\nip = 10.0.0.14\n"
		    "service = %s\nlink_id = 5\nsubscription = a\n", alias);
		put("40-by-alias.ini", buf);
	}
	n = load(&cfg2, &msgs);
	CHECK(n == 0 && strcmp(cfg2.services[0].svc_alias, alias) == 0,
	    "the alias is stable across loads (%d: %s)", n, msgs);
	CHECK(cfg2.endpoints[4].ep_service == 0 && cfg2.endpoints[4].ep_state == CFG_APPROVAL_APPROVED,
	    "an endpoint may ask for a service by its alias");
	CHECK(strcmp(cfg2.services[1].svc_alias, alias) != 0, "two services have two aliases");
	free(msgs);

	put("00-appliance.ini", "[appliance]\nsecret = 00112233445566778899aabbccddeefe\n"
	    "region = eu1\nalias_suffix = example\n");
	put("40-by-alias.ini", "");
	n = load(&cfg2, &msgs);
	CHECK(n == 0 && strcmp(cfg2.services[0].svc_alias, alias) != 0,
	    "another secret gives another alias");
	free(msgs);

	put("30-endpoints.ini",
	    "[endpoint ec]\nnic = consumer0\nip = 10.0.0.10\nservice = s\nlink_id = 1\nsubscription = c\n");
	put("50-bad.ini", "[appliance]\nsecret = 0011\n");
	put("20-services.ini",
	    "[service s]\nfrontend_port = 443\nbackend = 192.168.10.11:1\nnat_ip = 192.168.10.202\n"
	    "owner = prov\nvisibility = a, b\nauto_approval = a, c\n");
	n = load(&cfg2, &msgs);
	CHECK(has_error(msgs, "20-services.ini", 7, "auto_approval: subscription 'c' is outside"),
	    "auto-approval outside visibility is refused");
	CHECK(has_error(msgs, "30-endpoints.ini", 4, "[service s] is not visible to subscription 'c'"),
	    "an endpoint of a subscription outside visibility is refused");
	CHECK(has_error(msgs, "50-bad.ini", 1, "duplicate [appliance]"), "one [appliance] only");
	CHECK(n == 3, "3 errors (%d)", n);
	free(msgs);
	unlink_drop("40-by-alias.ini");
	unlink_drop("50-bad.ini");
}

static void
test_disconnected(void)
{
	struct pl_config *run = calloc(1, sizeof(*run)), *next = calloc(1, sizeof(*next));
	char *msgs = NULL;
	size_t len;
	FILE *errs;
	int n;

	clear_dir();
	put("00-appliance.ini", appliance);
	put("10-nics.ini", nics);
	put("20-services.ini", services);
	put("30-endpoints.ini", endpoints);
	put("40-approve.ini", "[approval web-pe]\nstate = Approved\n");
	n = load(run, &msgs);
	free(msgs);
	CHECK(n == 0 && run->endpoints[0].ep_state == CFG_APPROVAL_APPROVED, "the running drop loads");

	put("20-services.ini", "");
	errs = open_memstream(&msgs, &len);
	n = cfg_load_dir_running(next, tmpdir, run, errs);
	fclose(errs);
	CHECK(n == 0 && next->endpoints[0].ep_state == CFG_APPROVAL_DISCONNECTED &&
	    next->endpoints[0].ep_service == -1 &&
	    strcmp(next->endpoints[0].ep_service_name, "web") == 0,
	    "on reload, deleting the service leaves its endpoint Disconnected, "
	    "whatever its approval (%d: %s)", n, msgs);
	free(msgs);

	errs = open_memstream(&msgs, &len);
	n = cfg_load_dir_running(run, tmpdir, next, errs);
	fclose(errs);
	CHECK(n == 0 && run->endpoints[0].ep_state == CFG_APPROVAL_DISCONNECTED,
	    "a Disconnected endpoint stays so on the next reload (%d: %s)", n, msgs);
	free(msgs);

	n = load(next, &msgs);
	CHECK(n == 1 && has_error(msgs, "30-endpoints.ini", 4, "no service with that name"),
	    "without a running config (start, privlinkd -t) the same drop is an error");
	free(msgs);
	free(run);
	free(next);
}

static void
test_example(void)
{
	struct pl_config *cfg = calloc(1, sizeof(*cfg));
	size_t len;
	char *msgs = NULL;
	FILE *errs = open_memstream(&msgs, &len);
	int n = cfg_load_dir(cfg, "config/examples/demo", errs);

	fclose(errs);
	CHECK(n == 0 && cfg->n_endpoints == 4, "the example drop is valid (%d errors: %s)", n, msgs);
	CHECK(cfg->endpoints[2].ep_state == CFG_APPROVAL_PENDING &&
	    cfg->endpoints[3].ep_state == CFG_APPROVAL_REJECTED &&
	    cfg->endpoints[0].ep_state == CFG_APPROVAL_APPROVED,
	    "the example has Approved, Pending and Rejected endpoints");
	free(msgs);
	free(cfg);
}

/* Pools, rules, probes, idle and keepalive settings, the provider-side
 * frontend, and the one-backend form as a pool of its own. */
static void
test_pools(void)
{
	struct pl_config *cfg = calloc(1, sizeof(*cfg));
	const struct cfg_service *s;
	const struct cfg_pool *p;
	char *msgs = NULL;
	int n;

	clear_dir();
	put("00-appliance.ini", appliance);
	put("10-nics.ini", nics);
	put("20-pools.ini",
	    "[pool web]\n"
	    "backend = 192.168.10.11:8443 weight=3\n"
	    "backend = 192.168.10.12:8443\n"
	    "backend = 192.168.10.13:8443 weight=2 drain\n"
	    "probe = https\n"
	    "probe_port = 9443\n"
	    "probe_path = /healthz\n"
	    "probe_host = web.example\n"
	    "probe_interval = 500ms\n"
	    "probe_timeout = 400ms\n"
	    "probe_rise = 3\n"
	    "probe_fall = 4\n"
	    "probe_expect = 200-204\n"
	    "reset_on_down = on\n");
	put("30-services.ini",
	    "[service lb]\n"
	    "rule = 443 -> web\n"
	    "rule = 80->web:8080\n"
	    "nat_ip = 192.168.10.202\n"
	    "distribution = source-ip\n"
	    "idle_timeout = 2m\n"
	    "idle_reset = on\n"
	    "tcp_keepalive = 30s, 5, 4\n"
	    "frontend_ip = 192.168.10.50\n"
	    "frontend_proxy_protocol = on\n"
	    "[service one]\n"
	    "frontend_port = 8000\n"
	    "backend = 192.168.10.21:80\n"
	    "nat_ip = 192.168.10.203\n");
	n = load(cfg, &msgs);
	CHECK(n == 0, "a drop with a pool, rules and a one-backend service is valid (%d errors: %s)",
	    n, msgs);
	free(msgs);
	p = &cfg->pools[0];
	CHECK(cfg->n_pools == 2 && p->pool_n_backends == 3 &&
	    p->pool_backends[0].be_weight == 3 && p->pool_backends[1].be_weight == 1 &&
	    p->pool_backends[2].be_weight == 2 && p->pool_backends[2].be_drain &&
	    p->pool_backends[2].be_port == 8443 && !p->pool_backends[0].be_drain &&
	    p->pool_backends[0].be_addr == inet_addr("192.168.10.11") &&
	    p->pool_backends[0].be_port == 8443,
	    "pool web: three backends with weights 3, 1 (default), 2 and a drain flag");
	CHECK(p->pool_probe == CFG_PROBE_HTTPS && p->pool_probe_port == 9443 &&
	    strcmp(p->pool_probe_path, "/healthz") == 0 &&
	    strcmp(p->pool_probe_host, "web.example") == 0 &&
	    p->pool_probe_interval_ms == 500 && p->pool_probe_timeout_ms == 400 &&
	    p->pool_probe_rise == 3 && p->pool_probe_fall == 4 &&
	    p->pool_expect_min == 200 && p->pool_expect_max == 204 && p->pool_reset_on_down,
	    "pool web: probe settings");
	s = &cfg->services[0];
	CHECK(s->svc_n_rules == 2 && s->svc_rules[0].ru_frontend_port == 443 &&
	    s->svc_rules[0].ru_pool == 0 && s->svc_rules[0].ru_backend_port == 0 &&
	    s->svc_rules[1].ru_frontend_port == 80 && s->svc_rules[1].ru_backend_port == 8080,
	    "service lb: rules 443 -> web and 80 -> web:8080");
	CHECK(s->svc_distribution == CFG_DIST_SOURCE_IP && s->svc_idle_timeout_ms == 120000 &&
	    s->svc_idle_reset && s->svc_keepalive && s->svc_keepalive_idle_ms == 30000 &&
	    s->svc_keepalive_intvl_ms == 5000 && s->svc_keepalive_count == 4,
	    "service lb: distribution, idle timeout, idle reset, keepalive");
	CHECK(s->svc_frontend_ip == inet_addr("192.168.10.50") && s->svc_frontend_nic == 1 &&
	    s->svc_frontend_proxy_protocol, "service lb: provider-side frontend on provider0");
	s = &cfg->services[1];
	p = &cfg->pools[1];
	CHECK(s->svc_n_rules == 1 && s->svc_rules[0].ru_frontend_port == 8000 &&
	    s->svc_rules[0].ru_pool == 1 && strcmp(p->pool_name, "service:one") == 0 &&
	    p->pool_implicit && p->pool_n_backends == 1 && p->pool_probe == CFG_PROBE_NONE &&
	    p->pool_backends[0].be_port == 80 &&
	    s->svc_idle_timeout_ms == CFG_IDLE_TIMEOUT_MS && !s->svc_idle_reset &&
	    s->svc_distribution == CFG_DIST_5TUPLE && s->svc_frontend_nic == -1,
	    "service one: frontend_port + backend is a pool of its own, defaults apply");

	clear_dir();
	put("00-appliance.ini", appliance);
	put("10-nics.ini", nics);
	put("20-pools.ini",
	    "[pool a]\n"				/* 1 */
	    "backend = 192.168.10.11:80\n"		/* 2 */
	    "backend = 192.168.10.11:80\n"		/* 3 */
	    "backend = 192.168.10.12 weight=0\n"	/* 4 */
	    "backend = 192.168.10.13\n"		/* 5 */
	    "probe = tcp\n"				/* 6 */
	    "probe_path = /x\n"			/* 7 */
	    "probe_interval = 1s\n"			/* 8 */
	    "probe_timeout = 2s\n"			/* 9 */
	    "probe = udp\n"				/* 10 */
	    "[pool b]\n"				/* 11 */
	    "probe = http\n");				/* 12 */
	put("30-services.ini",
	    "[service x]\n"				/* 1 */
	    "rule = 443 -> nosuch\n"			/* 2 */
	    "rule = 443 -> b:1\n"			/* 3 */
	    "rule = 80 => a\n"				/* 4 */
	    "nat_ip = 192.168.10.202\n"		/* 5 */
	    "frontend_ip = 10.0.0.50\n"		/* 6 */
	    "idle_timeout = 0\n"			/* 7 */
	    "tcp_keepalive = on\n"			/* 8 */
	    "[service y]\n"				/* 9 */
	    "rule = 443 -> a\n"			/* 10 */
	    "frontend_port = 443\n"			/* 11 */
	    "nat_ip = 192.168.10.203\n"		/* 12 */
	    "frontend_ip = 192.168.10.202\n"		/* 13 */
	    "[service z]\n"				/* 14 */
	    "nat_ip = 192.168.10.204\n"		/* 15 */
	    "distribution = round-robin\n");		/* 16 */
	n = load(cfg, &msgs);
	CHECK(has_error(msgs, "20-pools.ini", 3, "listed twice, first at line 2"),
	    "a backend listed twice in a pool is refused");
	CHECK(has_error(msgs, "20-pools.ini", 4, "backend: expected A.B.C.D[:PORT]"),
	    "weight 0 is refused (drain is the way to stop new connections)");
	CHECK(has_error(msgs, "20-pools.ini", 5, "the probe needs a port"),
	    "a probed backend without a port, with no probe_port, is refused");
	CHECK(has_error(msgs, "20-pools.ini", 7, "only for probe = http or https"),
	    "probe_path on a TCP probe is refused");
	CHECK(has_error(msgs, "20-pools.ini", 9, "longer than probe_interval"),
	    "a probe timeout longer than the interval is refused");
	CHECK(has_error(msgs, "20-pools.ini", 10, "probe: key given twice"),
	    "probe given twice is refused");
	CHECK(has_error(msgs, "20-pools.ini", 11, "missing required key 'backend'"),
	    "a pool without backends is refused");
	CHECK(has_error(msgs, "30-services.ini", 2, "no [pool nosuch]"), "an unknown pool is refused");
	CHECK(has_error(msgs, "30-services.ini", 3, "frontend port 443 is taken by the rule at line 2"),
	    "two rules on one frontend port are refused");
	CHECK(has_error(msgs, "30-services.ini", 4, "rule: expected FRONTEND_PORT -> POOL"),
	    "a malformed rule is refused");
	CHECK(has_error(msgs, "30-services.ini", 6, "frontend_ip: not inside the subnet of any provider"),
	    "a frontend IP outside the provider subnets is refused");
	CHECK(has_error(msgs, "30-services.ini", 7, "idle_timeout: expected a duration"),
	    "an idle timeout of 0 is refused");
	CHECK(has_error(msgs, "30-services.ini", 8, "tcp_keepalive: expected off or IDLE"),
	    "tcp_keepalive = on without timings is refused");
	CHECK(has_error(msgs, "30-services.ini", 11, "give rule = lines or frontend_port and backend, not both"),
	    "rules and the one-backend form together are refused");
	CHECK(has_error(msgs, "30-services.ini", 14, "missing rule = PORT -> POOL"),
	    "a service without rule or backend is refused");
	CHECK(has_error(msgs, "30-services.ini", 16, "distribution: expected 5-tuple"),
	    "an unknown distribution is refused");
	CHECK(n == 16, "16 errors in all (%d)", n);
	free(msgs);

	clear_dir();
	put("00-appliance.ini", appliance);
	put("10-nics.ini", nics);
	put("20-pools.ini", "[pool a]\nbackend = 192.168.10.11\nbackend = 192.168.10.12:80\n");
	put("30-services.ini",
	    "[service x]\n"				/* 1 */
	    "rule = 443 -> a\n"			/* 2 */
	    "nat_ip = 192.168.10.202\n"		/* 3 */
	    "frontend_ip = 192.168.10.203\n"		/* 4 */
	    "[service y]\n"				/* 5 */
	    "rule = 443 -> a:80\n"			/* 6 */
	    "nat_ip = 192.168.10.203\n");		/* 7 */
	n = load(cfg, &msgs);
	CHECK(has_error(msgs, "30-services.ini", 2, "has a backend without a port (line 2)"),
	    "a rule without a backend port over a backend without one is refused");
	CHECK(has_error(msgs, "30-services.ini", 4, "frontend_ip: a NAT IP of [service y]"),
	    "a frontend IP that is another service's NAT IP is refused");
	CHECK(n == 2, "2 errors in all (%d)", n);
	free(msgs);
	free(cfg);
}

/* text.c: the escaping of the log and the UTF-8 check of the status. */
static void
test_text(void)
{
	static const struct {
		const char	*in;
		int		len;	/* text_utf8_next's answer */
		uint32_t	cp;
	} seqs[] = {
		{ "A", 1, 'A' },
		{ "\xc3\xa9", 2, 0xe9 },
		{ "\xe2\x82\xac", 3, 0x20ac },
		{ "\xf0\x9f\x98\x80", 4, 0x1f600 },
		{ "\xf4\x8f\xbf\xbf", 4, 0x10ffff },
		{ "\x80", -1, 0 },		/* a lone continuation byte */
		{ "\xc0\xaf", -1, 0 },		/* overlong '/' */
		{ "\xc1\xbf", -1, 0 },
		{ "\xe0\x80\xaf", -1, 0 },	/* overlong, 3 bytes */
		{ "\xed\xa0\x80", -1, 0 },	/* a surrogate */
		{ "\xf4\x90\x80\x80", -1, 0 },	/* above U+10FFFF */
		{ "\xf5\x80\x80\x80", -1, 0 },
		{ "\xff", -1, 0 },
		{ "\xc3(", -1, 0 },		/* cut off by an ASCII byte */
		{ "\xe2\x82(", -2, 0 },		/* two bytes of three */
		{ "\xf0\x9f\x98", -3, 0 },	/* cut off by the end */
	};
	char buf[64];
	size_t n;

	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		uint32_t cp = 0;
		int len = text_utf8_next((const unsigned char *)seqs[i].in, strlen(seqs[i].in), &cp);

		CHECK(len == seqs[i].len && (len < 0 || cp == seqs[i].cp),
		    "text_utf8_next of sequence %zu: %d U+%04X (want %d U+%04X)", i, len,
		    (unsigned int)cp, seqs[i].len, (unsigned int)seqs[i].cp);
	}
	n = text_escape(buf, sizeof(buf), "a\x1b[2J\x07\x7f\x9b\xff\\z", 11);
	CHECK(n == strlen(buf) && strcmp(buf, "a\\x1b[2J\\x07\\x7f\\x9b\\xff\\z") == 0,
	    "text_escape shows control bytes and bytes >= 0x7f as \\xNN: '%s'", buf);
	n = text_escape(buf, 7, "ab\x1b", 3);
	CHECK(n == 6 && strcmp(buf, "ab\\x1b") == 0, "text_escape fills the room exactly: '%s'", buf);
	n = text_escape(buf, 6, "ab\x1b", 3);
	CHECK(n == 2 && strcmp(buf, "ab") == 0, "text_escape leaves out an escape that does not fit whole");
	CHECK(cfg_drop_name_ok("30-endpoints.ini") && cfg_drop_name_ok("a.b_c-D.ini"),
	    "drop file names of letters, digits, '.', '_', '-' are taken");
	CHECK(!cfg_drop_name_ok(".x.ini") && !cfg_drop_name_ok("a b.ini") &&
	    !cfg_drop_name_ok("x\x1b.ini") && !cfg_drop_name_ok("X.INI") &&
	    !cfg_drop_name_ok(".ini") && !cfg_drop_name_ok("caf\xc3\xa9.ini"),
	    "other drop file names are refused");
}

/*
 * Writes n endpoints of service web to 30-endpoints.ini, five lines each
 * (endpoint i's ip at line 5 * i + 3): endpoint i on NIC nics_of[i / per]
 * with ip 10.0.0.(10 + i % per), or the NIC's own 10.0.0.5 for i == 0
 * when own is set.
 */
static void
put_endpoints(int n, int per, const char *const *nics_of, int own)
{
	size_t cap = (size_t)n * 96 + 1, len = 0;
	char *text = malloc(cap);

	if (text == NULL)
		exit(2);
	text[0] = '\0';
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len,
		    "[endpoint e%d]\nnic = %s\nip = 10.0.0.%d\nservice = web\nlink_id = %d\n",
		    i, nics_of[i / per], i == 0 && own ? 5 : 10 + i % per, i + 1);
	put("30-endpoints.ini", text);
	free(text);
}

/* Writes n endpoints of service web on NIC big to 30-endpoints.ini, five
 * lines each (endpoint i's ip at line 5 * i + 3), ips in 10.1.0.0/16. */
static void
put_big_endpoints(int n)
{
	size_t cap = (size_t)n * 96 + 1, len = 0;
	char *text = malloc(cap);

	if (text == NULL)
		exit(2);
	text[0] = '\0';
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len,
		    "[endpoint e%d]\nnic = big\nip = 10.1.%d.%d\nservice = web\nlink_id = %d\n",
		    i, i / 240, 10 + i % 240, i + 1);
	put("30-endpoints.ini", text);
	free(text);
}

/* Every address the appliance would hold must fit its network stack's
 * table: CFG_MAX_ADDRS on all NICs together, however many on one. */
static void
test_addresses(void)
{
	static const char *const one[] = { "consumer0" };
	static const char big_nic[] =
		"[nic big]\ninterface = pe9\naddress = 10.1.0.1/16\nrole = consumer\n";
	struct pl_config *cfg = malloc(sizeof(*cfg));
	char *msgs = NULL;
	int n;

	if (cfg == NULL)
		exit(2);
	/* consumer0: its own 10.0.0.5 (endpoint e0's too) and 63 more:
	 * one named twice is one address. */
	clear_dir();
	put("00-appliance.ini", appliance);
	put("10-nics.ini", nics);
	put("20-services.ini", services);
	put_endpoints(64, 100, one, 1);
	put("40-approvals.ini", "[approval e1]\nstate = Approved\n[approval e2]\nstate = Rejected\n");
	n = load(cfg, &msgs);
	CHECK(n == 0, "64 addresses on a NIC, one named twice, whatever the endpoints' "
	    "state: valid (%d errors: %s)", n, msgs);
	free(msgs);

	/* Three NIC addresses, 4092 endpoints on one NIC, the NAT IP: 4096. */
	clear_dir();
	put("00-appliance.ini", appliance);
	put("10-nics.ini", nics);
	put("11-nics.ini", big_nic);
	put("20-services.ini", services);
	put_big_endpoints(CFG_MAX_ADDRS - 4);
	n = load(cfg, &msgs);
	CHECK(n == 0 && cfg->n_endpoints == CFG_MAX_ADDRS - 4,
	    "%d addresses in all, %d of them on one NIC: valid (%d errors: %s)", CFG_MAX_ADDRS,
	    CFG_MAX_ADDRS - 2, n, msgs);
	free(msgs);

	put_big_endpoints(CFG_MAX_ADDRS - 3);
	n = load(cfg, &msgs);
	CHECK(has_error(msgs, "20-services.ini", 4, "[service web] nat_ip: the appliance would "
	    "hold more than 4096 addresses on all NICs together (their own, endpoint, frontend "
	    "and NAT IPs) '192.168.10.202'"),
	    "the 4097th address, a NAT IP counted after the endpoints, is refused: %s", msgs);
	CHECK(n == 1, "1 error (%d)", n);
	free(msgs);

	put_big_endpoints(CFG_MAX_ADDRS - 2);
	n = load(cfg, &msgs);
	CHECK(has_error(msgs, "30-endpoints.ini", 5 * (CFG_MAX_ADDRS - 3) + 3, "[endpoint e4093] "
	    "ip: the appliance would hold more than 4096"), "the 4097th address is refused at "
	    "its key");
	CHECK(n == 1, "once in all: 1 error (%d)", n);
	free(msgs);
	free(cfg);
}

/* Fair shares: [appliance] max_connections, [endpoint] max_connections
 * and max_new_connections_per_s; defaults, values, bad values at their
 * lines, and an endpoint's limit above the appliance's. */
static void
test_shares(void)
{
	struct pl_config *cfg = calloc(1, sizeof(*cfg));
	char *msgs, text[512];
	int n;

	clear_dir();
	put("10-nics.ini", nics);
	put("20-services.ini", services);
	put("00-appliance.ini", appliance);
	put("30-endpoints.ini", endpoints);
	n = load(cfg, &msgs);
	CHECK(n == 0 && cfg->appliance.ap_max_connections == 0 &&
	    cfg->endpoints[0].ep_max_connections == 0 && cfg->endpoints[0].ep_max_new_per_s == 0,
	    "shares default to auto, the half and off (%d errors: %s)", n, msgs);
	CHECK(cfg->services[0].svc_tenants == 0 && cfg->n_tenants == 0,
	    "a Pending endpoint is no tenant yet");
	free(msgs);
	put("40-approve.ini", "[approval web-pe]\nstate = Approved\n");
	n = load(cfg, &msgs);
	CHECK(n == 0 && cfg->services[0].svc_tenants == 1 && cfg->n_tenants == 1,
	    "an Approved endpoint is its service's one tenant (%d errors: %s)", n, msgs);
	free(msgs);
	snprintf(text, sizeof(text), "%s\n[endpoint two]\nnic = consumer0\nip = 10.0.0.8\n"
	    "service = web\nlink_id = 2\n\n[approval two]\nstate = Approved\n", endpoints);
	put("30-endpoints.ini", text);
	n = load(cfg, &msgs);
	CHECK(n == 0 && cfg->services[0].svc_tenants == 2 && cfg->n_tenants == 2,
	    "two Approved endpoints share the service (%d errors: %s)", n, msgs);
	free(msgs);
	unlink_drop("40-approve.ini");

	put("00-appliance.ini", "[appliance]\nsecret = 00112233445566778899aabbccddeeff\n"
	    "max_connections = 200\n");
	snprintf(text, sizeof(text), "%smax_connections = 200\nmax_new_connections_per_s = 50\n",
	    endpoints);
	put("30-endpoints.ini", text);
	n = load(cfg, &msgs);
	CHECK(n == 0 && cfg->appliance.ap_max_connections == 200 &&
	    cfg->endpoints[0].ep_max_connections == 200 && cfg->endpoints[0].ep_max_new_per_s == 50,
	    "max_connections 200 for both, 50 new a second (%d errors: %s)", n, msgs);
	free(msgs);

	put("00-appliance.ini", "[appliance]\nsecret = 00112233445566778899aabbccddeeff\n"
	    "max_connections = auto\n");
	snprintf(text, sizeof(text), "%smax_connections = 1048576\nmax_new_connections_per_s = off\n",
	    endpoints);
	put("30-endpoints.ini", text);
	n = load(cfg, &msgs);
	CHECK(n == 0 && cfg->appliance.ap_max_connections == 0 &&
	    cfg->endpoints[0].ep_max_connections == 1048576 && cfg->endpoints[0].ep_max_new_per_s == 0,
	    "auto, the largest endpoint limit and off (%d errors: %s)", n, msgs);
	free(msgs);

	for (int i = 0; i < 5; i++) {
		static const char *const bad[] = { "0", "1048577", "-1", "010", "1e3" };

		snprintf(text, sizeof(text), "[appliance]\nsecret = 00112233445566778899aabbccddeeff\n"
		    "max_connections = %s\n", bad[i]);
		put("00-appliance.ini", text);
		put("30-endpoints.ini", endpoints);
		n = load(cfg, &msgs);
		CHECK(n == 1 && has_error(msgs, "00-appliance.ini", 3,
		    "[appliance] max_connections: expected auto or a number from 1 to 1048576 '"),
		    "[appliance] max_connections = '%s' is refused at its line: %s", bad[i], msgs);
		free(msgs);
	}
	put("00-appliance.ini", appliance);
	for (int i = 0; i < 4; i++) {
		static const char *const bad[] = { "0", "1048577", "ten", "auto" };

		snprintf(text, sizeof(text), "%smax_connections = %s\n", endpoints, bad[i]);
		put("30-endpoints.ini", text);
		n = load(cfg, &msgs);
		CHECK(n == 1 && has_error(msgs, "30-endpoints.ini", 6,
		    "[endpoint web-pe] max_connections: expected a number from 1 to 1048576 '"),
		    "[endpoint] max_connections = '%s' is refused at its line: %s", bad[i], msgs);
		free(msgs);
	}
	for (int i = 0; i < 4; i++) {
		static const char *const bad[] = { "0", "1000001", "5/s", "" };

		snprintf(text, sizeof(text), "%smax_new_connections_per_s = %s\n", endpoints, bad[i]);
		put("30-endpoints.ini", text);
		n = load(cfg, &msgs);
		CHECK(n == 1 && has_error(msgs, "30-endpoints.ini", 6,
		    "[endpoint web-pe] max_new_connections_per_s: expected off or a number from 1 to 1000000 '"),
		    "max_new_connections_per_s = '%s' is refused at its line: %s", bad[i], msgs);
		free(msgs);
	}

	put("00-appliance.ini", "[appliance]\nsecret = 00112233445566778899aabbccddeeff\n"
	    "max_connections = 100\n");
	snprintf(text, sizeof(text), "%smax_connections = 101\n", endpoints);
	put("30-endpoints.ini", text);
	n = load(cfg, &msgs);
	CHECK(n == 1 && has_error(msgs, "30-endpoints.ini", 6, "[endpoint web-pe] max_connections: "
	    "more than [appliance] max_connections 100 at "),
	    "an endpoint limit above the appliance's is refused at the endpoint's line: %s", msgs);
	free(msgs);
	free(cfg);
}

/* PROXY v2 dialects (cfg_ppv2.c) and probe_proxy_protocol. */
static void
test_ppv2_keys(void)
{
	static struct pl_config cfg;
	char *msgs = NULL;
	int n;

	put_base(1);
	n = load(&cfg, &msgs);
	CHECK(n == 0 && cfg.services[0].svc_pp_tlv == CFG_PP_TLV_AZURE &&
	    !cfg.services[0].svc_pp_unique_id && !cfg.services[0].svc_pp_crc32c,
	    "defaults: proxy_protocol_tlv azure, no unique id, no CRC32c");
	CHECK(strcmp(cfg.endpoints[0].ep_endpoint_id, "vpce-000000000fffffffe") == 0,
	    "endpoint_id defaults to vpce- and 17 hex digits of the link id (%s)",
	    cfg.endpoints[0].ep_endpoint_id);
	CHECK(cfg.endpoints[0].ep_psc_id == 0xfffffffeu && !cfg.endpoints[0].ep_has_psc_id,
	    "psc_connection_id defaults to the link id zero-extended");
	free(msgs);

	put_base(0);
	put("20-services.ini", "[service web]\nfrontend_port = 443\nbackend = 192.168.20.11:8443\n"
	    "nat_ip = 192.168.10.202\nproxy_protocol = on\nproxy_protocol_tlv = AWS\n"
	    "proxy_protocol_unique_id = on\nproxy_protocol_crc32c = on\n"
	    "[service db]\nfrontend_port = 5432\nbackend = 192.168.20.12:5432\n"
	    "nat_ip = 192.168.10.203\nproxy_protocol_tlv = gcp\n"
	    "[service x]\nfrontend_port = 1\nbackend = 192.168.20.13:1\n"
	    "nat_ip = 192.168.10.204\nproxy_protocol_tlv = none\n"
	    "[pool p]\nbackend = 192.168.10.50:80\nprobe = tcp\nprobe_proxy_protocol = on\n");
	put("30-endpoints.ini", "[endpoint web-pe]\nnic = consumer0\nip = 10.0.0.6\nservice = web\n"
	    "link_id = 1\nendpoint_id = vpce-0123456789abcdef0\n"
	    "psc_connection_id = 0xFEDCBA9876543210\n"
	    "[endpoint db-pe]\nnic = consumer0\nip = 10.0.0.7\nservice = db\nlink_id = 2\n"
	    "psc_connection_id = 18446744073709551615\n");
	n = load(&cfg, &msgs);
	CHECK(n == 0, "the dialect keys load (got %d: %s)", n, msgs);
	CHECK(cfg.services[0].svc_pp_tlv == CFG_PP_TLV_AWS && cfg.services[0].svc_pp_unique_id &&
	    cfg.services[0].svc_pp_crc32c && cfg.services[1].svc_pp_tlv == CFG_PP_TLV_GCP &&
	    cfg.services[2].svc_pp_tlv == CFG_PP_TLV_NONE,
	    "aws (any case), gcp, none; unique id and CRC32c on");
	CHECK(strcmp(cfg.endpoints[0].ep_endpoint_id, "vpce-0123456789abcdef0") == 0 &&
	    cfg.endpoints[0].ep_psc_id == 0xfedcba9876543210ULL &&
	    cfg.endpoints[1].ep_psc_id == UINT64_MAX,
	    "endpoint_id and psc_connection_id as given (hex and the largest decimal)");
	CHECK(strcmp(cfg.endpoints[1].ep_endpoint_id, "vpce-00000000000000002") == 0,
	    "an endpoint without endpoint_id gets the derived one");
	CHECK(cfg.pools[0].pool_probe_pp == 1 && cfg.pools[1].pool_probe_pp == 0,
	    "probe_proxy_protocol on in [pool p], off by default");
	free(msgs);

	put_base(0);
	put("20-services.ini", "[service web]\n"			/* 1 */
	    "frontend_port = 443\nbackend = 192.168.20.11:8443\nnat_ip = 192.168.10.202\n"
	    "proxy_protocol_tlv = oracle\n"				/* 5 */
	    "proxy_protocol_unique_id = maybe\n"			/* 6 */
	    "proxy_protocol_crc32c = 1x\n"				/* 7 */
	    "[pool p]\nbackend = 192.168.10.50:80\n"			/* 8, 9 */
	    "probe_proxy_protocol = yes please\n"			/* 10 */
	    "[pool q]\nbackend = 192.168.10.51:80\n"			/* 11, 12 */
	    "probe_proxy_protocol = on\n");				/* 13 */
	put("30-endpoints.ini", "[endpoint a]\nnic = consumer0\nip = 10.0.0.6\nservice = web\n"
	    "link_id = 1\n"
	    "endpoint_id = vpce_bad!\n"				/* 6 */
	    "psc_connection_id = 18446744073709551616\n"		/* 7 */
	    "[endpoint b]\nnic = consumer0\nip = 10.0.0.7\nservice = web\nlink_id = 2\n"
	    "endpoint_id = vpce-0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab\n"
	    "psc_connection_id = 0x10000000000000000\n");		/* 14 */
	n = load(&cfg, &msgs);
	CHECK(has_error(msgs, "20-services.ini", 5, "proxy_protocol_tlv: expected azure, aws, gcp "
	    "or none, not 'oracle'"), "an unknown dialect is refused with file:line");
	CHECK(has_error(msgs, "20-services.ini", 6, "proxy_protocol_unique_id: expected on or off") &&
	    has_error(msgs, "20-services.ini", 7, "proxy_protocol_crc32c: expected on or off"),
	    "unique id and CRC32c take on or off only");
	CHECK(has_error(msgs, "20-services.ini", 10, "probe_proxy_protocol: expected on or off") &&
	    has_error(msgs, "20-services.ini", 13, "probe_proxy_protocol: the pool has no probe"),
	    "probe_proxy_protocol: on or off, and only with a probe");
	CHECK(has_error(msgs, "30-endpoints.ini", 6, "endpoint_id: bad endpoint id") &&
	    has_error(msgs, "30-endpoints.ini", 13, "endpoint_id: bad endpoint id"),
	    "endpoint_id: other characters and 65 characters are refused");
	CHECK(has_error(msgs, "30-endpoints.ini", 7, "psc_connection_id: bad PSC") &&
	    has_error(msgs, "30-endpoints.ini", 14, "psc_connection_id: bad PSC"),
	    "psc_connection_id: 2^64 in decimal and 17 hex digits are refused, not wrapped");
	if (n != 9)
		printf("# %s", msgs);
	CHECK(n == 9, "nine errors, one per bad line (got %d)", n);
	free(msgs);
}

int
main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/privlink-cfg.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_text();
	test_values();
	test_good();
	test_errors();
	test_mac();
	test_memory_limit();
	test_watchdog();
	test_nat();
	test_visibility();
	test_disconnected();
	test_pools();
	test_addresses();
	test_shares();
	test_example();
	test_ppv2_keys();
	clear_dir();
	rmdir(tmpdir);
	return UNIT_DONE();
}
