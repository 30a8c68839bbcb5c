/* The session guard: true while the caller's session lives, else it raises (PD401). */
#include "sessions.h"

static struct db_guard session_alive = {
    .expr = "(SELECT CASE WHEN CASE WHEN $4::boolean "
            "    THEN EXISTS (SELECT 1 FROM api_clients WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL) "
            "    ELSE EXISTS (SELECT 1 FROM users WHERE org_id = $1 AND id = $2 AND status = 'active') "
            "     AND ($3::uuid IS NULL OR NOT EXISTS (SELECT 1 FROM refresh_tokens "
            "                                          WHERE family_id = $3 AND revoked_at IS NOT NULL)) "
            "  END THEN true ELSE pd_session_ended() END)",
    .n = 4,
    .alone = { NULL, -1, NULL },
};

void session_guard(struct db_conn *db, const struct principal *who)
{
    const char *p[] = { who->org, who->sub, who->sid[0] ? who->sid : NULL,
                        who->role == ROLE_INTEGRATION ? "true" : "false" };
    db_guard(db, &session_alive, p);
}
