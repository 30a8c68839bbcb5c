/* The session guard's statement: no row while the session lives. */
#include "sessions.h"

DB_STMT(session_check,
    "SELECT pd_session_ended() WHERE NOT CASE WHEN $4::boolean "
    "  THEN EXISTS (SELECT 1 FROM api_clients WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL) "
    "  ELSE EXISTS (SELECT 1 FROM users WHERE org_id = $1 AND id = $2 AND status = 'active') "
    "   AND ($3::uuid IS NULL OR NOT EXISTS (SELECT 1 FROM refresh_tokens "
    "                                        WHERE family_id = $3 AND revoked_at IS NOT NULL)) END");

void session_guard(struct db_conn *db, const struct principal *who)
{
    const char *p[] = { who->org, who->sub, who->sid[0] ? who->sid : NULL,
                        who->role == ROLE_INTEGRATION ? "true" : "false" };
    db_guard(db, &session_check, 4, p);
}
