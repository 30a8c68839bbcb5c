/* Roles, scopes and the caller's reach: pure look-ups used by every authorization check. */
#include <string.h>
#include "enums.h"
#include "pd.h"

/* Role and scope names are the codes bound to them in src/enums.c. */
const char *role_name(enum pd_role r)
{
    const char *name = r > ROLE_NONE && r < ROLE_COUNT ? enum_code("role", (int)r) : NULL;
    return name ? name : "none";
}

enum pd_role role_parse(const char *s)
{
    int r;
    return enum_value("role", s, &r) ? (enum pd_role)r : ROLE_NONE;
}

unsigned scope_parse(const char *name)
{
    int bit;
    return enum_value("scope", name, &bit) ? (unsigned)bit : 0;
}

const char *scope_name(unsigned bit)
{
    return enum_code("scope", (int)bit);
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
