# privlink: one statically linked appliance daemon and its tests.
#
#   make          build/privlinkd (fetches and verifies pinned sources first)
#   make run      the demo: the appliance image in QEMU, nginx, a curl through it
#   make run-ns   the same with privlinkd in a network namespace, no VM
#   make image    build/image/: vmlinuz, initrd, privlink.raw/.qcow2/.vhd
#   make test     unit tests (plain, ASan+UBSan) and namespace integration tests
#   make bench    privlinkd against HAProxy and the kernel path, idle scale
#                 curve, bulk, loss and VLAN rows (tests/bench/)
#   make bench-tenants  tenant B's figures while tenant A attacks
#
# Sources of lwIP, mbedTLS, inih and cJSON come from Debian source packages pinned
# in deps/deps.lock and unpacked under $(CACHE) by deps/fetch.sh.

CACHE ?= .cache
BUILD ?= build
JOBS ?= $(shell nproc)
export PRIVLINK_CACHE := $(abspath $(CACHE))

-include $(CACHE)/deps.mk

$(CACHE)/deps.mk: deps/deps.lock deps/fetch.sh deps/private-apt.sh
	@deps/packages.sh build
	deps/fetch.sh

CC = musl-gcc
HOSTCC ?= gcc
WARN = -Wall -Wextra -Werror
OPT = -O2 -g
FIRMWARE_DIRS = $(sort $(dir $(wildcard firmware/*/*.c)))
CPPFLAGS_COMMON = -D_GNU_SOURCE -Iconfig -Ifirmware $(addprefix -I,$(FIRMWARE_DIRS)) -Inetstack -Inetstack/include \
	-I$(LWIP_DIR)/src/include -I$(LIBINIH_DIR) -I$(MBEDTLS_DIR)/include
INIH_DEFS = -DINI_HANDLER_LINENO=1 -DINI_CALL_HANDLER_ON_NEW_SECTION=1 \
	-DINI_STOP_ON_FIRST_ERROR=0 -DINI_ALLOW_MULTILINE=0 -DINI_MAX_LINE=1024
CFLAGS = -std=c11 $(OPT) $(WARN) $(CPPFLAGS_COMMON) $(INIH_DEFS)
# lwIP calls that bring a parked connection back first (netstack/ns_tcp_park.c),
# and its netif lookup by number, in O(1) (netstack/ns_netif_index.c): every
# binary that links the netstack links with them.
TCP_WRAP = $(addprefix -Wl$(comma)--wrap=,tcp_write tcp_output tcp_recved tcp_close \
	tcp_shutdown tcp_abort tcp_abandon netif_get_by_index)
comma = ,
LDFLAGS = -static $(TCP_WRAP)

# --- third-party objects, built with their own (non -Werror) flags --------
LWIP_SRCS = $(addprefix $(LWIP_DIR)/src/core/, init.c def.c inet_chksum.c ip.c mem.c \
	memp.c netif.c pbuf.c raw.c stats.c sys.c tcp.c tcp_in.c tcp_out.c timeouts.c udp.c \
	ipv4/etharp.c ipv4/icmp.c ipv4/ip4.c ipv4/ip4_addr.c ipv4/ip4_frag.c) \
	$(LWIP_DIR)/src/netif/ethernet.c
LWIP_OBJS = $(patsubst $(LWIP_DIR)/src/%.c,$(BUILD)/lwip/%.o,$(LWIP_SRCS))
MBEDTLS_SRCS = $(wildcard $(MBEDTLS_DIR)/library/*.c)
MBEDTLS_OBJS = $(patsubst $(MBEDTLS_DIR)/library/%.c,$(BUILD)/mbedtls/%.o,$(MBEDTLS_SRCS))
NETSTACK_HDRS = $(wildcard netstack/*.h netstack/include/*.h netstack/include/arch/*.h)

$(BUILD)/lwip/%.o: $(LWIP_DIR)/src/%.c $(NETSTACK_HDRS) $(CACHE)/deps.mk
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(OPT) -D_GNU_SOURCE -Inetstack/include -I$(LWIP_DIR)/src/include -c $< -o $@
$(BUILD)/mbedtls/%.o: $(MBEDTLS_DIR)/library/%.c $(CACHE)/deps.mk
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(OPT) -I$(MBEDTLS_DIR)/include -I$(MBEDTLS_DIR)/library -c $< -o $@
$(BUILD)/inih/ini.o: $(LIBINIH_DIR)/ini.c $(CACHE)/deps.mk
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(OPT) $(INIH_DEFS) -c $< -o $@
$(BUILD)/liblwip.a: $(LWIP_OBJS)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/libmbedtls.a: $(MBEDTLS_OBJS)
	rm -f $@ && ar rcs $@ $^

# --- privlinkd -------------------------------------------------------------
CONFIG_SRCS = $(wildcard config/*.c)
FIRMWARE_SRCS = $(wildcard firmware/*/*.c)
NETSTACK_SRCS = $(wildcard netstack/*.c)
OWN_SRCS = $(CONFIG_SRCS) $(FIRMWARE_SRCS) $(NETSTACK_SRCS)
OWN_OBJS = $(patsubst %.c,$(BUILD)/obj/%.o,$(OWN_SRCS))
OWN_HDRS = $(wildcard config/*.h firmware/*/*.h netstack/prot/*.h) $(NETSTACK_HDRS)

$(BUILD)/obj/%.o: %.c $(OWN_HDRS) $(CACHE)/deps.mk
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/privlinkd: $(OWN_OBJS) $(BUILD)/inih/ini.o $(BUILD)/liblwip.a $(BUILD)/libmbedtls.a
	$(CC) $(LDFLAGS) -o $@ $(OWN_OBJS) $(BUILD)/inih/ini.o $(BUILD)/liblwip.a $(BUILD)/libmbedtls.a

all: $(BUILD)/privlinkd
.DEFAULT_GOAL := all

# --- privlinkd-san: the same daemon built with the host compiler, ASan and
# UBSan, for the integration tests' leak and memory-error run (valgrind
# cannot see a static musl binary's heap). ----------------------------------
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_LWIP_OBJS = $(patsubst $(BUILD)/lwip/%,$(BUILD)/san/lwip/%,$(LWIP_OBJS))
SAN_MBEDTLS_OBJS = $(patsubst $(BUILD)/mbedtls/%,$(BUILD)/san/mbedtls/%,$(MBEDTLS_OBJS))
SAN_OWN_OBJS = $(patsubst %.c,$(BUILD)/san/obj/%.o,$(OWN_SRCS))

$(BUILD)/san/lwip/%.o: $(LWIP_DIR)/src/%.c $(NETSTACK_HDRS) $(CACHE)/deps.mk
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=c11 -O1 -g $(SAN_FLAGS) -D_GNU_SOURCE -Inetstack/include -I$(LWIP_DIR)/src/include -c $< -o $@
$(BUILD)/san/mbedtls/%.o: $(MBEDTLS_DIR)/library/%.c $(CACHE)/deps.mk
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=c11 -O1 -g -I$(MBEDTLS_DIR)/include -I$(MBEDTLS_DIR)/library -c $< -o $@
$(BUILD)/san/obj/%.o: %.c $(OWN_HDRS) $(CACHE)/deps.mk
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=c11 -O1 -g $(WARN) $(SAN_FLAGS) $(CPPFLAGS_COMMON) $(INIH_DEFS) -c $< -o $@
$(BUILD)/san/ini.o: $(LIBINIH_DIR)/ini.c $(CACHE)/deps.mk
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=c11 -O1 -g $(SAN_FLAGS) $(INIH_DEFS) -c $< -o $@
$(BUILD)/san/libmbedtls.a: $(SAN_MBEDTLS_OBJS)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/privlinkd-san: $(SAN_OWN_OBJS) $(BUILD)/san/ini.o $(SAN_LWIP_OBJS) $(BUILD)/san/libmbedtls.a
	$(HOSTCC) $(SAN_FLAGS) $(TCP_WRAP) -o $@ $^ -lm

# --- test tools: host programs the integration tests run ------------------
# vlan_switch: the user-space 802.1Q switch in front of VLAN trunks (this
# kernel has no 802.1Q of its own).
TEST_TOOLS = $(BUILD)/tools/vlan_switch
$(BUILD)/tools/vlan_switch: tests/tools/vlan_switch.c tests/tools/vlan_frame.c tests/tools/vlan_frame.h
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=c11 -O2 -g $(WARN) -D_GNU_SOURCE -o $@ tests/tools/vlan_switch.c tests/tools/vlan_frame.c
test-tools: $(TEST_TOOLS)
.PHONY: test-tools

# --- unit tests: host compiler, plain and with ASan+UBSan ------------------
# Each tests/unit/test_X.c links the modules it names in UNIT_DEPS_X; inih
# (UNIT_INIH_X = 1) is compiled apart, without our -Werror; mbedTLS comes
# from the host build of privlinkd-san's (not instrumented) objects.
UNIT_TESTS = $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
UNIT_DEPS_test_ppv2 = firmware/proxy/ppv2.c firmware/proxy/crc32c.c
UNIT_DEPS_test_cfg = $(CONFIG_SRCS)
UNIT_INIH_test_cfg = 1
UNIT_DEPS_test_cfg_set = $(CONFIG_SRCS)
UNIT_INIH_test_cfg_set = 1
UNIT_DEPS_test_drop_store = firmware/state/drop_store.c
UNIT_DEPS_test_lb = firmware/proxy/lb.c
UNIT_DEPS_test_text_label = config/text.c
# The DNS responder's pure part (firmware/dns/): no stack, no config loader.
# Its network side (the sockets, TCP, the rate limit, the counters' names)
# lives beside it but needs the netstack and the loop.
DNS_NET_SRCS = firmware/dns/dns_serve.c firmware/dns/dns_tcp.c firmware/dns/dns_rate.c \
	firmware/dns/dns_counters.c
DNS_SRCS = $(filter-out $(DNS_NET_SRCS),$(wildcard firmware/dns/*.c))
UNIT_DEPS_test_dns_answer = $(DNS_SRCS)
UNIT_DEPS_test_dns_rate = firmware/dns/dns_rate.c netstack/ns_siphash.c
# dns_answer: the same on the host for tests/tools/dns_check.py (dnspython).
$(BUILD)/tools/dns_answer: tests/tools/dns_answer.c $(DNS_SRCS) $(CONFIG_SRCS) $(OWN_HDRS) \
		$(BUILD)/unit/ini.o $(BUILD)/san/libmbedtls.a
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ tests/tools/dns_answer.c $(DNS_SRCS) $(CONFIG_SRCS) \
		$(BUILD)/unit/ini.o $(BUILD)/san/libmbedtls.a
test-tools: $(BUILD)/tools/dns_answer
# test_ns_addr drives the netstack over lwIP built for the host (plain,
# or the instrumented objects of privlinkd-san).
UNIT_DEPS_test_ns_addr = $(NETSTACK_SRCS)
UNIT_OBJS_test_ns_addr = $(patsubst $(BUILD)/lwip/%,$(BUILD)/unit/lwip/%,$(LWIP_OBJS))
UNIT_SAN_OBJS_test_ns_addr = $(SAN_LWIP_OBJS)
$(BUILD)/unit/test_ns_addr: $(UNIT_OBJS_test_ns_addr) $(NETSTACK_SRCS)
$(BUILD)/unit-san/test_ns_addr: $(UNIT_SAN_OBJS_test_ns_addr) $(NETSTACK_SRCS)
$(BUILD)/unit/lwip/%.o: $(LWIP_DIR)/src/%.c $(NETSTACK_HDRS) $(CACHE)/deps.mk
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=c11 -O1 -g -D_GNU_SOURCE -Inetstack/include -I$(LWIP_DIR)/src/include -c $< -o $@
# test_mgmt_tls(_curl): the management API's TLS with its RNG and log (and
# tests/lib/mgmt_certs.sh, which it runs to make its certificates).
UNIT_DEPS_test_mgmt_tls = firmware/mgmt/mgmt_tls.c firmware/mgmt/mgmt_tls_gen.c firmware/core/log.c \
	config/text.c netstack/ns_rand.c
UNIT_DEPS_test_mgmt_tls_curl = $(UNIT_DEPS_test_mgmt_tls)
UNIT_DEPS_test_arp = netstack/ns_arp_cache.c netstack/ns_siphash.c
UNIT_DEPS_test_pcb_hash = netstack/ns_pcb_hash.c netstack/ns_siphash.c netstack/ns_mem.c
UNIT_DEPS_test_syncookie = netstack/ns_syncookie.c
UNIT_DEPS_test_synrate = netstack/ns_synrate.c
UNIT_DEPS_test_nat = firmware/proxy/nat_ports.c netstack/ns_rand.c
# The state disk on a regular file; cfg_drop_name_ok from the config.
STATE_DISK_SRCS = firmware/state/state_disk.c firmware/state/state_disk_fmt.c firmware/state/state_disk_dir.c
UNIT_DEPS_test_state_disk = $(STATE_DISK_SRCS) firmware/state/drop_store.c firmware/core/log.c $(CONFIG_SRCS)
UNIT_INIH_test_state_disk = 1
HOST_CFLAGS = -std=c11 -O1 -g $(WARN) $(CPPFLAGS_COMMON) $(INIH_DEFS) -Itests/unit $(TCP_WRAP)
UNIT_SRC_DEPS = tests/unit/unit.h $(OWN_HDRS) $(CONFIG_SRCS) firmware/proxy/ppv2.c firmware/proxy/crc32c.c \
	firmware/proxy/lb.c \
	firmware/state/drop_store.c \
	netstack/ns_arp_cache.c netstack/ns_syncookie.c netstack/ns_synrate.c \
	netstack/ns_pcb_hash.c netstack/ns_siphash.c netstack/ns_mem.c \
	firmware/mgmt/mgmt_tls.c firmware/mgmt/mgmt_tls_gen.c firmware/core/log.c netstack/ns_rand.c \
	firmware/proxy/nat_ports.c $(STATE_DISK_SRCS) $(DNS_SRCS) $(CACHE)/deps.mk

$(BUILD)/unit/ini.o: $(LIBINIH_DIR)/ini.c $(CACHE)/deps.mk
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=c11 -O1 -g $(INIH_DEFS) -c $< -o $@
$(BUILD)/unit-san/ini.o: $(LIBINIH_DIR)/ini.c $(CACHE)/deps.mk
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=c11 -O1 -g $(SAN_FLAGS) $(INIH_DEFS) -c $< -o $@
$(BUILD)/unit/%: tests/unit/%.c $(UNIT_SRC_DEPS) $(BUILD)/unit/ini.o $(BUILD)/san/libmbedtls.a
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(UNIT_DEPS_$*) $(UNIT_OBJS_$*) \
		$(if $(UNIT_INIH_$*),$(BUILD)/unit/ini.o) $(BUILD)/san/libmbedtls.a -lm
$(BUILD)/unit-san/%: tests/unit/%.c $(UNIT_SRC_DEPS) $(BUILD)/unit-san/ini.o $(BUILD)/san/libmbedtls.a
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) $(SAN_FLAGS) -o $@ $< $(UNIT_DEPS_$*) $(UNIT_SAN_OBJS_$*) \
		$(if $(UNIT_INIH_$*),$(BUILD)/unit-san/ini.o) $(BUILD)/san/libmbedtls.a -lm

unit-bins: $(addprefix $(BUILD)/unit/,$(UNIT_TESTS)) $(addprefix $(BUILD)/unit-san/,$(UNIT_TESTS))

# --- fuzzers: clang's libFuzzer with ASan+UBSan; tests/integration/test_fuzz.sh
# runs each for a bounded time, `make fuzz` builds them for longer runs. ----
FUZZ_CC = clang
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(TCP_WRAP)
FUZZ_LIB_FLAGS = -g -O1 -fsanitize=fuzzer-no-link,address,undefined
FUZZ_LWIP_OBJS = $(patsubst $(BUILD)/lwip/%,$(BUILD)/fuzz/lwip/%,$(LWIP_OBJS))
FUZZ_MBEDTLS_OBJS = $(patsubst $(BUILD)/mbedtls/%,$(BUILD)/fuzz/mbedtls/%,$(MBEDTLS_OBJS))

$(BUILD)/fuzz/lwip/%.o: $(LWIP_DIR)/src/%.c $(NETSTACK_HDRS) $(CACHE)/deps.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 $(FUZZ_LIB_FLAGS) -D_GNU_SOURCE -Inetstack/include -I$(LWIP_DIR)/src/include -c $< -o $@
$(BUILD)/fuzz/mbedtls/%.o: $(MBEDTLS_DIR)/library/%.c $(CACHE)/deps.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -g -O1 -I$(MBEDTLS_DIR)/include -I$(MBEDTLS_DIR)/library -c $< -o $@
$(BUILD)/fuzz/ini.o: $(LIBINIH_DIR)/ini.c $(CACHE)/deps.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 $(FUZZ_LIB_FLAGS) $(INIH_DEFS) -c $< -o $@
$(BUILD)/fuzz/fuzz_cfg: tests/fuzz/fuzz_cfg.c $(CONFIG_SRCS) $(OWN_HDRS) $(BUILD)/fuzz/ini.o $(BUILD)/fuzz/libmbedtls.a
	$(FUZZ_CC) -std=c11 $(FUZZ_FLAGS) $(WARN) $(CPPFLAGS_COMMON) $(INIH_DEFS) -o $@ \
		tests/fuzz/fuzz_cfg.c $(CONFIG_SRCS) $(BUILD)/fuzz/ini.o $(BUILD)/fuzz/libmbedtls.a
$(BUILD)/fuzz/libmbedtls.a: $(FUZZ_MBEDTLS_OBJS)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/fuzz/fuzz_frame: tests/fuzz/fuzz_frame.c $(NETSTACK_SRCS) $(OWN_HDRS) $(FUZZ_LWIP_OBJS) $(BUILD)/fuzz/libmbedtls.a
	$(FUZZ_CC) -std=c11 $(FUZZ_FLAGS) $(WARN) $(CPPFLAGS_COMMON) -o $@ \
		tests/fuzz/fuzz_frame.c $(NETSTACK_SRCS) $(FUZZ_LWIP_OBJS) $(BUILD)/fuzz/libmbedtls.a

$(BUILD)/fuzz/fuzz_syncookie: tests/fuzz/fuzz_syncookie.c netstack/ns_syncookie.c $(OWN_HDRS) $(BUILD)/fuzz/libmbedtls.a
	$(FUZZ_CC) -std=c11 $(FUZZ_FLAGS) $(WARN) $(CPPFLAGS_COMMON) -o $@ \
		tests/fuzz/fuzz_syncookie.c netstack/ns_syncookie.c $(BUILD)/fuzz/libmbedtls.a

# The relay harness: the daemon's data path without main() and PID 1, on
# the harnesses' clock and random source instead of ns_arch.c/ns_rand.c.
FUZZ_RELAY_SRCS = tests/fuzz/fuzz_relay.c tests/fuzz/fuzz_wire.c tests/fuzz/fuzz_platform.c \
	$(CONFIG_SRCS) $(filter-out firmware/core/main.c firmware/core/privlinkd.c firmware/boot/pid1%.c,$(FIRMWARE_SRCS)) \
	$(filter-out netstack/ns_arch.c netstack/ns_rand.c,$(NETSTACK_SRCS))
$(BUILD)/fuzz/fuzz_relay: $(FUZZ_RELAY_SRCS) tests/fuzz/fuzz_wire.h tests/fuzz/fuzz_platform.h \
		$(OWN_HDRS) $(BUILD)/fuzz/ini.o $(FUZZ_LWIP_OBJS) $(BUILD)/fuzz/libmbedtls.a
	$(FUZZ_CC) -std=c11 $(FUZZ_FLAGS) $(WARN) $(CPPFLAGS_COMMON) $(INIH_DEFS) -o $@ \
		$(FUZZ_RELAY_SRCS) $(BUILD)/fuzz/ini.o $(FUZZ_LWIP_OBJS) $(BUILD)/fuzz/libmbedtls.a

# The state disk's superblock and slot parsers (a disk can hold anything).
$(BUILD)/fuzz/fuzz_state: tests/fuzz/fuzz_state.c firmware/state/state_disk_fmt.c $(CONFIG_SRCS) $(OWN_HDRS) \
		$(BUILD)/fuzz/ini.o $(BUILD)/fuzz/libmbedtls.a
	$(FUZZ_CC) -std=c11 $(FUZZ_FLAGS) $(WARN) $(CPPFLAGS_COMMON) $(INIH_DEFS) -o $@ \
		tests/fuzz/fuzz_state.c firmware/state/state_disk_fmt.c $(CONFIG_SRCS) $(BUILD)/fuzz/ini.o \
		$(BUILD)/fuzz/libmbedtls.a

# The DNS responder's query reader and answers, from a fixed view.
$(BUILD)/fuzz/fuzz_dns: tests/fuzz/fuzz_dns.c $(DNS_SRCS) $(OWN_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 $(FUZZ_FLAGS) $(WARN) $(CPPFLAGS_COMMON) -o $@ tests/fuzz/fuzz_dns.c $(DNS_SRCS)

FUZZERS = fuzz_cfg fuzz_frame fuzz_relay fuzz_syncookie fuzz_state fuzz_dns
fuzz: $(addprefix $(BUILD)/fuzz/,$(FUZZERS))

# Not part of `make test`: each harness for 10 million executions from its
# checked-in corpus (tests/fuzz/corpus/, made by tests/fuzz/make_seeds.py),
# then the figures (README, Fuzzing).  FUZZ_LONG_RUNS=N for fewer.
FUZZ_LONG_RUNS ?= 10000000
fuzz-long: fuzz
	FUZZ_LONG_RUNS=$(FUZZ_LONG_RUNS) tests/fuzz/fuzz_long.sh

# --- management API request parsing (helper A): cJSON, the HTTP and JSON
# parsers' unit tests and fuzzers.  cJSON (Debian source package cjson,
# pinned in deps/deps.lock) decodes the API's JSON bodies; it is built,
# like inih, apart with its own (non -Werror) flags in each flavour.  The
# appends below are read after the rules they extend, so the link recipes
# (expanded when they run) see them, and the extra prerequisites are
# named here. -----------------------------------------------------------
CPPFLAGS_COMMON += -I$(CJSON_DIR)
CJSON_SRC = $(CJSON_DIR)/cJSON.c

$(BUILD)/cjson/cJSON.o: $(CJSON_SRC) $(CACHE)/deps.mk
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(OPT) -c $< -o $@
$(BUILD)/san/cJSON.o: $(CJSON_SRC) $(CACHE)/deps.mk
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=c11 -O1 -g $(SAN_FLAGS) -c $< -o $@
$(BUILD)/unit/cJSON.o: $(CJSON_SRC) $(CACHE)/deps.mk
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=c11 -O1 -g -c $< -o $@
$(BUILD)/unit-san/cJSON.o: $(CJSON_SRC) $(CACHE)/deps.mk
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=c11 -O1 -g $(SAN_FLAGS) -c $< -o $@
$(BUILD)/fuzz/cJSON.o: $(CJSON_SRC) $(CACHE)/deps.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 $(FUZZ_LIB_FLAGS) -c $< -o $@

# firmware/mgmt/api_json.c is one of FIRMWARE_SRCS: every link of those needs cJSON.
OWN_OBJS += $(BUILD)/cjson/cJSON.o
$(BUILD)/privlinkd: $(BUILD)/cjson/cJSON.o
$(BUILD)/privlinkd-san: $(BUILD)/san/cJSON.o
FUZZ_RELAY_SRCS += $(BUILD)/fuzz/cJSON.o
$(BUILD)/fuzz/fuzz_relay: $(BUILD)/fuzz/cJSON.o

UNIT_DEPS_test_vlan_frame = tests/tools/vlan_frame.c
$(BUILD)/unit/test_vlan_frame $(BUILD)/unit-san/test_vlan_frame: tests/tools/vlan_frame.c tests/tools/vlan_frame.h
UNIT_DEPS_test_http_req = firmware/mgmt/http_req.c
$(BUILD)/unit/test_http_req $(BUILD)/unit-san/test_http_req: firmware/mgmt/http_req.c
UNIT_DEPS_test_api_json = firmware/mgmt/api_json.c $(CONFIG_SRCS)
UNIT_INIH_test_api_json = 1
UNIT_OBJS_test_api_json = $(BUILD)/unit/cJSON.o
UNIT_SAN_OBJS_test_api_json = $(BUILD)/unit-san/cJSON.o
$(BUILD)/unit/test_api_json: firmware/mgmt/api_json.c $(BUILD)/unit/cJSON.o
$(BUILD)/unit-san/test_api_json: firmware/mgmt/api_json.c $(BUILD)/unit-san/cJSON.o

$(BUILD)/fuzz/fuzz_http: tests/fuzz/fuzz_http.c firmware/mgmt/http_req.c $(OWN_HDRS) $(CACHE)/deps.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 $(FUZZ_FLAGS) $(WARN) $(CPPFLAGS_COMMON) -o $@ \
		tests/fuzz/fuzz_http.c firmware/mgmt/http_req.c
# cfg_drop_name_ok() lives in the config loader: it comes with inih and mbedTLS.
$(BUILD)/fuzz/fuzz_json: tests/fuzz/fuzz_json.c firmware/mgmt/api_json.c $(CONFIG_SRCS) $(OWN_HDRS) \
		$(BUILD)/fuzz/cJSON.o $(BUILD)/fuzz/ini.o $(BUILD)/fuzz/libmbedtls.a
	$(FUZZ_CC) -std=c11 $(FUZZ_FLAGS) $(WARN) $(CPPFLAGS_COMMON) $(INIH_DEFS) -o $@ \
		tests/fuzz/fuzz_json.c firmware/mgmt/api_json.c $(CONFIG_SRCS) $(BUILD)/fuzz/cJSON.o \
		$(BUILD)/fuzz/ini.o $(BUILD)/fuzz/libmbedtls.a
fuzz: $(BUILD)/fuzz/fuzz_http $(BUILD)/fuzz/fuzz_json
# --- end of the management API request parsing block ---------------------

# --- the appliance image: image/ builds it, qemu/ boots it ----------------
# build/image/: vmlinuz + initrd (for qemu -kernel) and the bootable disks.
IMAGE = $(BUILD)/image

$(IMAGE)/kernel/kernel.env: image/kernel.lock image/kernel.sh
	image/kernel.sh $(IMAGE)/kernel
$(IMAGE)/vmlinuz: $(IMAGE)/kernel/kernel.env
	. ./$< && cp "$$VMLINUZ" $@
# No drop in the image: it serves what its config drive or fw_cfg gives.
$(IMAGE)/initrd: $(BUILD)/privlinkd $(IMAGE)/kernel/kernel.env image/mkinitramfs.sh \
		image/modules.list
	image/mkinitramfs.sh $(IMAGE)/kernel/kernel.env $(BUILD)/privlinkd $@

$(IMAGE)/privlink.raw: $(IMAGE)/vmlinuz $(IMAGE)/initrd image/mkdisk.sh
	image/mkdisk.sh $(IMAGE)/vmlinuz $(IMAGE)/initrd $(IMAGE)
$(IMAGE)/privlink.qcow2 $(IMAGE)/privlink.vhd: $(IMAGE)/privlink.raw

image: $(IMAGE)/vmlinuz $(IMAGE)/initrd $(IMAGE)/privlink.raw

# --- the two commands ------------------------------------------------------
test:
	@deps/packages.sh build test
	$(MAKE) -j$(JOBS) all unit-bins $(BUILD)/privlinkd-san fuzz image test-tools
	tests/run.sh

run:
	@deps/packages.sh build test
	$(MAKE) -j$(JOBS) all image
	qemu/run.sh

# The same demo without a VM: privlinkd in a network namespace.
run-ns:
	@deps/packages.sh build test
	$(MAKE) -j$(JOBS) all
	tests/demo.sh

# Not part of `make test`: figures, not pass/fail (tests/bench/bench.sh): the
# scale curve (BENCH_IDLE_POINTS idle connections held), bulk and loss rows,
# the VLAN rows (conn/s with BENCH_VLANS VLANs configured, privlinkd -t on
# 200 VLAN NICs and 1,000 endpoints).
# Knobs from the environment, listed in bench.sh; a quick check of the
# harness: BENCH_IDLE_POINTS="0 1000" BENCH_SECONDS=2 BENCH_RUNS=1 make bench
bench:
	@deps/packages.sh build bench
	$(MAKE) -j$(JOBS) all test-tools
	tests/bench/bench.sh

# Tenant B's figures while tenant A attacks (tests/bench/tenants.sh).
bench-tenants:
	@deps/packages.sh build test
	$(MAKE) -j$(JOBS) all
	tests/bench/tenants.sh

clean:
	rm -rf $(BUILD)

.PHONY: all test run run-ns bench bench-tenants clean unit-bins fuzz fuzz-long image
.DELETE_ON_ERROR:
