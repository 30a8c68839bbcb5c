/* Roles, scopes and the caller's reach: pure look-ups used by every authorization check. */
#include <string.h>
#include "pd.h"

static const char *const role_names[ROLE_COUNT] = {
    [ROLE_NONE] = "none", [ROLE_OWNER] = "owner", [ROLE_INTEGRATION] = "integration",
    [ROLE_TECHNICIAN] = "technician", [ROLE_AGENT] = "agent", [ROLE_QUALITY] = "quality",
    [ROLE_SUPERVISOR] = "supervisor", [ROLE_MANAGER] = "manager", [ROLE_ADMIN] = "admin",
};

const char *const scope_names[] = {
    "tickets:read", "tickets:write", "complaints:read", "complaints:write",
    "announcements:read", "surveys:read", "units:read", "users:read", "pii:read", NULL,
};

const char *role_name(enum pd_role r)
{
    return (r > ROLE_NONE && r < ROLE_COUNT) ? role_names[r] : "none";
}

enum pd_role role_parse(const char *s)
{
    if (s == NULL)
        return ROLE_NONE;
    for (int r = ROLE_NONE + 1; r < ROLE_COUNT; r++)
        if (strcmp(s, role_names[r]) == 0)
            return (enum pd_role)r;
    return ROLE_NONE;
}

unsigned scope_parse(const char *name)
{
    if (name == NULL)
        return 0;
    for (int i = 0; scope_names[i] != NULL; i++)
        if (strcmp(name, scope_names[i]) == 0)
            return 1u << i;
    return 0;
}

bool principal_in_community(const struct principal *p, const char *community_id)
{
    if (p->org_wide)
        return true;
    for (int i = 0; i < p->n_communities; i++)
        if (strcmp(p->communities[i], community_id) == 0)
            return true;
    return false;
}

bool principal_has_unit(const struct principal *p, const char *unit_id)
{
    for (int i = 0; i < p->n_units; i++)
        if (strcmp(p->units[i], unit_id) == 0)
            return true;
    return false;
}
