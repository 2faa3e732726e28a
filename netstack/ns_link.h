/*
 * Links inside the netstack (ns_link.c): a port joins the link of its
 * interface, and leaves it when it closes.
 */
#ifndef PRIVLINK_NS_LINK_H
#define PRIVLINK_NS_LINK_H

struct ns_port;

/* Joins rp (rp_ifname, rp_vlan set) to its link, opening it if needed:
 * sets rp_link, rp_ifindex, rp_mac, rp_mtu, rp_txfd.  0, or a negative
 * errno with *what set. */
int ns_link_join(struct ns_port *rp, const char **what);
/* rp leaves its link (none: nothing); the last port closes it. */
void ns_link_leave(struct ns_port *rp);

#endif
