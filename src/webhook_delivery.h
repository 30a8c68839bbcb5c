/* Webhook delivery threads (src/webhook_delivery.c): they send the outbox's messages as the
 * job table schedules them, WEBHOOK_WORKERS of them per instance. */
#ifndef PD_WEBHOOK_DELIVERY_H
#define PD_WEBHOOK_DELIVERY_H

int webhook_delivery_start(void);
/* Lets sends in progress finish (WEBHOOK_TIMEOUT_MS at most) and joins the threads. */
void webhook_delivery_stop(void);

/* Makes the first len bytes of text (text[len] must exist) a valid UTF-8 string, as
 * PostgreSQL requires of a response excerpt: a character cut by the end is dropped, any other
 * byte that is not UTF-8 (or NUL) becomes '?'. Pure. */
void webhook_utf8_clean(char *text, size_t len);

#endif
