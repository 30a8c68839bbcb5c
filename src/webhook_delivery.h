/* Webhook delivery threads (src/webhook_delivery.c): they send the outbox's messages as the
 * job table schedules them, WEBHOOK_WORKERS of them per instance. */
#ifndef PD_WEBHOOK_DELIVERY_H
#define PD_WEBHOOK_DELIVERY_H

int webhook_delivery_start(void);
/* Cuts sends in progress short and joins the threads. */
void webhook_delivery_stop(void);

#endif
