/*
 * Received data the relay wrote to the other side by reference.
 */
#ifndef PRIVLINK_RELAY_HOLD_H
#define PRIVLINK_RELAY_HOLD_H

#include "lwip/tcp.h"

#include "relay-t.h"

void relay_hold_push(struct relay_end *from, struct pbuf *q, const struct tcp_pcb *dst);
void relay_hold_release(struct relay_end *from, const struct tcp_pcb *dst);
void relay_hold_free(struct relay_end *from);
int relay_hold_unref(struct tcp_pcb *pcb);

#endif
