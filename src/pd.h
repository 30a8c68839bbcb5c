/* propdesk: types shared by every layer — the error codes and the authenticated caller.
 * Nothing here touches HTTP or SQL. */
#ifndef PD_H
#define PD_H

#include <stdbool.h>
#include <stddef.h>

enum pd_err {
    PD_OK = 0,
    PD_ERR_INVALID,       /* 400: bad input; details in the caller's error list */
    PD_ERR_UNAUTHORIZED,  /* 401 */
    PD_ERR_FORBIDDEN,     /* 403: authenticated, but the role may not do this */
    PD_ERR_NOT_FOUND,     /* 404: absent, or not visible to the caller */
    PD_ERR_CONFLICT,      /* 409: unique violation or illegal state transition */
    PD_ERR_STALE,         /* 412: If-Match does not match the current version */
    PD_ERR_IDEMPOTENCY,   /* 422: Idempotency-Key reused with another request */
    PD_ERR_THROTTLED,     /* 429 */
    PD_ERR_RETRY,         /* serialization failure or deadlock: run the transaction again */
    PD_ERR_UNAVAILABLE,   /* 503: database unreachable */
    PD_ERR_DB,            /* 500: unexpected database error */
    PD_ERR_NOMEM          /* 500 */
};

/* What went wrong, as the engine tells it: the code, the input field it lies in (NULL: none
 * in particular) and a sentence for the client (NULL: the code's default). Engine calls that
 * can say which input was wrong fill one; api_fail turns it into problem+json. */
struct pd_error {
    enum pd_err code;
    const char *field;
    const char *detail;
};

#define PD_UUID_LEN 36
#define PD_MAX_SCOPE_IDS 100  /* communities or units carried in a token */

/* Roles, ordered by breadth: a user with several grants acts with the broadest one. */
enum pd_role {
    ROLE_NONE = 0,
    ROLE_OWNER,        /* a resident; sees only their verified units */
    ROLE_INTEGRATION,  /* an API client; scopes decide */
    ROLE_TECHNICIAN,
    ROLE_AGENT,
    ROLE_QUALITY,
    ROLE_SUPERVISOR,
    ROLE_MANAGER,
    ROLE_ADMIN,
    ROLE_COUNT
};
#define ROLE_BIT(r) (1u << (r))
#define ROLES_STAFF (ROLE_BIT(ROLE_TECHNICIAN) | ROLE_BIT(ROLE_AGENT) | ROLE_BIT(ROLE_QUALITY) | \
                     ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_MANAGER) | ROLE_BIT(ROLE_ADMIN))
#define ROLES_ANY (ROLES_STAFF | ROLE_BIT(ROLE_OWNER) | ROLE_BIT(ROLE_INTEGRATION))

const char *role_name(enum pd_role r);
enum pd_role role_parse(const char *s); /* ROLE_NONE when unknown */

/* Integration scopes, as bits. */
enum pd_scope {
    SCOPE_TICKETS_READ = 1u << 0,
    SCOPE_TICKETS_WRITE = 1u << 1,
    SCOPE_COMPLAINTS_READ = 1u << 2,
    SCOPE_COMPLAINTS_WRITE = 1u << 3,
    SCOPE_ANNOUNCEMENTS_READ = 1u << 4,
    SCOPE_SURVEYS_READ = 1u << 5,
    SCOPE_UNITS_READ = 1u << 6,
    SCOPE_USERS_READ = 1u << 7,
    SCOPE_PII_READ = 1u << 8,    /* owners' contact details in full (else masked) */
    SCOPE_CALLBACKS_READ = 1u << 9
};
unsigned scope_parse(const char *name); /* its bit; 0 when unknown */
const char *scope_name(unsigned bit);   /* NULL when no scope has that bit */

/* The authenticated caller, from a verified access token. */
struct principal {
    char sub[PD_UUID_LEN + 1];   /* user id, or API client id for integrations */
    char org[PD_UUID_LEN + 1];
    enum pd_role role;
    bool org_wide;               /* staff with an org-wide grant */
    char sid[PD_UUID_LEN + 1];   /* users: the login (refresh family) the token belongs to;
                                  * "" when the token names none */
    long long expires_at;        /* the token's exp (unix seconds) */
    int n_communities;
    char communities[PD_MAX_SCOPE_IDS][PD_UUID_LEN + 1];
    int n_units;                 /* owners: verified units */
    char units[PD_MAX_SCOPE_IDS][PD_UUID_LEN + 1];
    unsigned scopes;             /* integrations */
};

bool principal_in_community(const struct principal *p, const char *community_id);
bool principal_has_unit(const struct principal *p, const char *unit_id);

#endif
