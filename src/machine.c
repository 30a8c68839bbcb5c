/* The generic state machine: table lookups only. The machines themselves are elsewhere. */
#include <string.h>
#include "enums.h"
#include "machine.h"

static bool in_set(const char *const *set, const char *s)
{
    for (; *set != NULL; set++)
        if (strcmp(*set, s) == 0)
            return true;
    return false;
}

enum machine_verdict machine_check(const struct machine *m, const char *state, int action,
                                   const struct machine_ctx *c, const char **to)
{
    bool role_may = false, forbidden = false;
    for (int i = 0; i < m->n; i++) {
        const struct machine_transition *t = &m->t[i];
        if (t->action != action || (t->roles & ROLE_BIT(c->role)) == 0)
            continue;
        role_may = true;
        if (t->who != NULL && !t->who(c)) {  /* not theirs, whatever the state */
            forbidden = true;
            continue;
        }
        if (!in_set(t->from, state))
            continue;
        if (t->guard != NULL && !t->guard(c)) {
            forbidden = forbidden || t->guard_forbids;
            continue;
        }
        if (to != NULL)
            *to = t->to != NULL ? t->to : state;
        return MACHINE_OK;
    }
    return !role_may || forbidden ? MACHINE_FORBIDDEN : MACHINE_CONFLICT;
}

json_t *machine_allowed(const struct machine *m, const char *state, const struct machine_ctx *c)
{
    json_t *j = json_array();
    for (int a = 0; a < m->n_actions; a++)
        if (machine_check(m, state, a, c, NULL) == MACHINE_OK)
            json_array_append_new(j, json_string(enum_code(m->action_enum, a)));
    return j;
}
