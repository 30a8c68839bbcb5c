/* Idempotency-Key store for creates: the key is claimed inside the create's transaction and
 * the response stored in it, so a retry either replays the committed response or, if the
 * first attempt rolled back, runs again. Keys live 24 hours. */
#ifndef PD_IDEMPOTENCY_H
#define PD_IDEMPOTENCY_H

#include "db.h"

struct idem_replay {
    bool found;
    int status;
    char *body;          /* malloc'd; caller frees */
    char location[256];
};

/* Claims key for (org, principal). target is the request's method and full path
 * ("POST /v1/buildings/<id>/units"). A fresh or expired key → PD_OK with found = false.
 * A completed key with the same target and request hash → PD_OK with found = true and the
 * stored response; another request under the same key (another target or another body)
 * → PD_ERR_IDEMPOTENCY. */
enum pd_err idempotency_claim(struct db_conn *db, const char *org, const char *principal,
                              const char *key, const char *target, const unsigned char hash[32],
                              struct idem_replay *out);
enum pd_err idempotency_store(struct db_conn *db, const char *org, const char *principal,
                              const char *key, int status, const char *body, const char *location);

#endif
