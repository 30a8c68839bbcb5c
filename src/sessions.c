/* The session guard's statement; the rule itself is pd_session_check in SQL. */
#include "sessions.h"

DB_STMT(session_check, "SELECT pd_session_check($1, $2, $3, $4)");

void session_guard(struct db_conn *db, const struct principal *who)
{
    const char *p[] = { who->org, who->sub, who->sid[0] ? who->sid : NULL,
                        who->role == ROLE_INTEGRATION ? "true" : "false" };
    db_guard(db, &session_check, 4, p);
}
