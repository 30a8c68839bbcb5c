/* The one handler path of every action (DESIGN §14): after the handler validated the body,
 * api_action_run locks the object in the request's unit of work, checks If-Match, asks the
 * resource's machine (src/machine.h), runs the resource's act (its guarded transition and
 * events, in src/), reloads and replies with allowed_actions. A resource supplies only what
 * is its own: how to load an object and what the caller is to it, and the act. */
#ifndef PD_API_ACTION_H
#define PD_API_ACTION_H

#include "../src/machine.h"
#include "routes.h"

/* What the path needs of a loaded object. */
struct api_subject {
    const char *state;          /* borrowed from the resource's row */
    long long version;
    struct machine_ctx ctx;     /* the caller's role and facts */
    json_t *j;                  /* the wire form (borrowed) */
};

struct api_resource {
    const struct machine *machine;
    /* Loads the visible object id into row (lock: SELECT … FOR UPDATE first) and describes it
     * in *s; PD_ERR_NOT_FOUND when the caller cannot see it. */
    enum pd_err (*load)(struct api_call *c, const char *id, bool lock, void *row, struct api_subject *s);
    void (*release)(void *row);
};

/* The change, once the machine allowed it: to is the state it leads to. Returns PD_OK, or
 * an error for the path to answer (with *detail when not NULL), or PD_ERR_INVALID after
 * having replied itself (a field error, unusable attachments). */
typedef enum pd_err (*api_act)(struct api_call *c, void *row, const char *to, const void *in,
                               const char **detail);

/* Runs action of r on the object id (version: If-Match, 0 when absent). row is the
 * resource's row storage; in is handed to act. Always replies. */
void api_action_run(struct api_call *c, const struct api_resource *r, int action, const char *id,
                    long long version, void *row, api_act act, const void *in);

/* The first half, for an action whose reply is not the object (a comment): true with the
 * object locked and loaded in row (the caller releases it) and next its next state; false
 * after having replied (404, 412, 403, 409). */
bool api_action_begin(struct api_call *c, const struct api_resource *r, int action, const char *id,
                      long long version, void *row, struct api_subject *s, char next[24]);

/* allowed_actions of a loaded object for the caller (new reference). */
json_t *api_allowed(const struct api_resource *r, const struct api_subject *s);

/* Replies 200 with an object read as text (its stored wire form, version) and the
 * allowed_actions the machine gives the caller in state: the GET of every resource with a
 * machine. */
void api_show_text(struct api_call *c, const struct machine *m, const char *state, const struct machine_ctx *x,
                   const char *json, long long version);

#endif
