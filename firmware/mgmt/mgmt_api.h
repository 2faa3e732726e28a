/*
 * The management API's requests and answers (mgmt.c carries them).
 */
#ifndef PRIVLINK_MGMT_API_H
#define PRIVLINK_MGMT_API_H

#include "http_req.h"
#include "mgmt-t.h"

struct pl_loop;

void mgmt_api_handle(struct pl_loop *lp, struct mgmt_conn *c, const struct http_req *req);
void mgmt_api_error(struct mgmt_conn *c, int status);

#endif
