/*
 * privlink configuration: loading a drop directory, names for enums,
 * address helpers.
 */
#ifndef PRIVLINK_CFG_H
#define PRIVLINK_CFG_H

#include <stdint.h>
#include <stdio.h>

#include "cfg-t.h"

int cfg_load_dir(struct pl_config *cfg, const char *dir, FILE *errs);
int cfg_load_dir_running(struct pl_config *cfg, const char *dir,
    const struct pl_config *running, FILE *errs);
int cfg_find_nic(const struct pl_config *cfg, const char *name);
int cfg_find_service(const struct pl_config *cfg, const char *name);
int cfg_find_service_or_alias(const struct pl_config *cfg, const char *name);
int cfg_find_endpoint(const struct pl_config *cfg, const char *name);
int cfg_find_pool(const struct pl_config *cfg, const char *name);
int cfg_drop_name_ok(const char *name);
int cfg_pem_name_ok(const char *name);
const char *cfg_role_name(enum cfg_role role);
const char *cfg_approval_name(enum cfg_approval state);
/* The provider NIC a backend is reached through (cfg_lb.c), -1 if none. */
int cfg_backend_nic(const struct pl_config *cfg, uint32_t addr);

int cfg_parse_ipv4(const char *s, uint32_t *addr);
int cfg_parse_prefix(const char *s, uint32_t *addr, uint8_t *len);
int cfg_parse_addr_port(const char *s, uint32_t *addr, uint16_t *port);
int cfg_parse_port(const char *s, uint16_t *port);
int cfg_parse_port_range(const char *s, uint16_t *min, uint16_t *max);
int cfg_parse_ipv4_list(const char *s, uint32_t *addrs, int max, int *n);
int cfg_parse_name_list(const char *s, char (*names)[CFG_NAME_MAX], int max, int *n);
int cfg_parse_hex(const char *s, uint8_t *out, int max);
int cfg_parse_u32(const char *s, uint32_t *v);
int cfg_parse_bool(const char *s, int *v);
int cfg_parse_duration_ms(const char *s, uint32_t min_ms, uint32_t max_ms, uint32_t *ms);
int cfg_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *bytes);
int cfg_parse_count(const char *s, uint32_t min, uint32_t max, uint32_t *v);
int cfg_parse_rate(const char *s, uint32_t max, uint32_t *v);
int cfg_parse_backend(const char *s, struct cfg_backend *be);
int cfg_parse_rule(const char *s, uint16_t *front, char pool[static CFG_NAME_MAX], uint16_t *back);
int cfg_parse_keepalive(const char *s, int *on, uint32_t *idle_ms, uint32_t *intvl_ms,
    uint32_t *count);
const char *cfg_probe_name(enum cfg_probe probe);
const char *cfg_distribution_name(enum cfg_distribution dist);
const char *cfg_pp_tlv_name(enum cfg_pp_tlv t);
int cfg_valid_name(const char *s);
int cfg_valid_alias(const char *s);
uint32_t cfg_netmask(uint8_t len);
int cfg_in_subnet(uint32_t addr, uint32_t net, uint8_t len);

#endif
