/* The action path (api/action.h): lock → If-Match → machine → act → reload → commit → reply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/enums.h"
#include "action.h"

json_t *api_allowed(const struct api_resource *r, const struct api_subject *s)
{
    return machine_allowed(r->machine, s->state, &s->ctx);
}

void api_show_text(struct api_call *c, const struct machine *m, const char *state, const struct machine_ctx *x,
                   const char *json, long long version)
{
    json_t *j_actions = machine_allowed(m, state, x);
    char *actions = json_dumps(j_actions, JSON_COMPACT);
    json_decref(j_actions);
    if (actions != NULL)
        api_object_text(c, 200, json, version, actions);
    else
        api_error(c, PD_ERR_NOMEM, NULL);
    free(actions);
}

bool api_action_begin(struct api_call *c, const struct api_resource *r, int action, const char *id,
                      long long version, void *row, struct api_subject *s, char next[24])
{
    const char *to = NULL;
    char msg[160];
    memset(s, 0, sizeof *s);
    if (!api_db(c))
        return false;
    enum pd_err err = r->load(c, id, true, row, s);
    if (err != PD_OK) {
        api_change_result(c, err, NULL, NULL, NULL);
        return false;
    }
    if (version > 0 && version != s->version) {
        r->release(row);
        api_change_result(c, PD_ERR_STALE, NULL, NULL, NULL);
        return false;
    }
    switch (machine_check(r->machine, s->state, action, &s->ctx, &to)) {
    case MACHINE_OK:
        snprintf(next, 24, "%s", to);
        return true;
    case MACHINE_FORBIDDEN:
        snprintf(msg, sizeof msg, "You may not %s this %s.", enum_code(r->machine->action_enum, action),
                 r->machine->noun);
        r->release(row);
        api_change_result(c, PD_ERR_FORBIDDEN, NULL, NULL, msg);
        return false;
    case MACHINE_CONFLICT:
        api_state_conflict(c, r->machine->noun, s->state, api_allowed(r, s));
        r->release(row);
        return false;
    }
    return false;
}

void api_action_run(struct api_call *c, const struct api_resource *r, int action, const char *id,
                    long long version, void *row, api_act act, const void *in)
{
    struct api_subject s;
    const char *detail = NULL;
    char next[24];
    if (!api_action_begin(c, r, action, id, version, row, &s, next))
        return;
    enum pd_err err = act(c, row, next, in, &detail);
    r->release(row);
    if (err == PD_ERR_INVALID)
        return;  /* act replied */
    if (err == PD_OK)
        err = r->load(c, id, false, row, &s);
    if (err != PD_OK) {
        api_change_result(c, err, NULL, NULL, detail);
        return;
    }
    json_t *j = json_incref(s.j), *j_actions = api_allowed(r, &s);
    r->release(row);
    api_change_result(c, PD_OK, j, j_actions, NULL);
}
