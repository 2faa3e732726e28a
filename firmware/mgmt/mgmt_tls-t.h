/*
 * Types and bounds of the management API's TLS (firmware/mgmt/mgmt_tls.c).
 */
#ifndef PRIVLINK_MGMT_TLS_T_H
#define PRIVLINK_MGMT_TLS_T_H

/* What a client of the management API may do, by the CA its certificate
 * chains to. */
enum mgmt_role {
	MGMT_ROLE_NONE = 0,	/* nothing: no verified certificate */
	MGMT_ROLE_READ,		/* GETs only: chains to read_only_ca alone */
	MGMT_ROLE_ADMIN,	/* everything: chains to client_ca */
};

/* The files the appliance keeps its generated identity in, in the drop
 * directory (or the state disk); the key must be written mode 0600. */
#define MGMT_TLS_GEN_KEY	".management-key.pem"
#define MGMT_TLS_GEN_CERT	".management-cert.pem"

/* A PEM file read whole: a CA bundle of a few hundred certificates
 * (Debian's ca-certificates.crt is about 220 KB) fits; larger is surely
 * not meant for this. */
#define MGMT_TLS_PEM_MAX	(1024 * 1024)

/* "AB:CD:...": 32 bytes of SHA-256 as hex pairs with colons, and a NUL. */
#define MGMT_TLS_FP_TEXT	(32 * 3)

/* A subject DN for the audit log; longer ones are cut with "...". */
#define MGMT_TLS_SUBJECT_MAX	256

/* The generated certificate: valid this many years from its making, and
 * from this long before it, so a client whose clock is a little behind
 * the appliance's does not refuse it as not yet valid. */
#define MGMT_TLS_GEN_YEARS	10
#define MGMT_TLS_GEN_BACKDATE_S	3600

#endif
