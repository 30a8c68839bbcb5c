/* Announcements (公告, DESIGN §9): drafts, their publication (now, or by the sweep at
 * publish_at: src/jobs.c), withdrawal, archiving and amendment, the owner's feed with read
 * and acknowledged state, and the receipts per building. Every function runs inside the
 * caller's transaction; who may do what is src/announcement_rules.h. */
#ifndef PD_ANNOUNCEMENTS_H
#define PD_ANNOUNCEMENTS_H

#include <jansson.h>
#include <stdbool.h>
#include "db.h"
#include "listspec.h"
#include "pd.h"

/* Who sees which (scope: api_scope_params): staff what targets the org or one of their
 * communities, clients their org; owners what is out, unexpired, and reaches one of their
 * verified units (nothing else exists for them: 404). */
struct announcement_row {
    char *json;                /* the wire form for this caller, without allowed_actions (owned) */
    json_t *j;                 /* the same parsed, when loaded to parse (owned) */
    char id[37], status[16];
    long long version;
    bool covers;               /* the caller serves every community it targets */
    bool requires_ack;
};
void announcement_row_free(struct announcement_row *a);

enum pd_err announcement_load(struct db_conn *db, const char *const scope[4], const char *id, bool lock,
                              bool parse, struct announcement_row *out);
/* Of ids (a uuid[] literal), those the caller may read, with their versions ({id: version},
 * rows_versions): the live stream's check. */
enum pd_err announcement_versions(struct db_conn *db, const char *const scope[4], const char *ids, json_t **out);
/* An owner opening it: read now (the first time), if it reaches them. */
enum pd_err announcement_mark_read(struct db_conn *db, const char *const scope[4], const char *id);
extern const struct list_spec announcement_list_spec;
/* The list's page read (false: out of memory), and each of its rows as an item (rows_page). */
bool announcement_list_read(const char *const scope[4], const char *const values[], const struct page *pg,
                            struct db_read *out);
void announcement_item(struct jtext *b, PGresult *r, int row, const void *ctx);
/* The owner's feed: pinned first, then the newest, each with its read and acknowledged times
 * (its items are announcement_item's too). */
bool announcement_feed_read(const char *const scope[4], const struct page *pg, struct db_read *out);
/* Per building: households targeted (and those with residents in the app), residents, read
 * and acknowledged counts and rates; the units that have not acknowledged a notice that asks
 * for it. PD_ERR_NOT_FOUND when the caller cannot see it. */
enum pd_err announcement_receipts(struct db_conn *db, const char *const scope[4], const char *id, json_t **out);

/* The content of a draft, or of the correction of a published one. Text arrays are
 * PostgreSQL literals ("{…}"); NULL fields are left as they are (update) or empty (create). */
struct announcement_in {
    const char *title, *body, *category, *audience, *community_ids, *building_ids, *attachment_ids;
    const char *outage_from, *outage_to, *expires_at;
    const char *report;        /* a service report's figures (JSON text), or NULL */
    int pinned, requires_ack;  /* -1: not given */
    bool outage_given, expires_given;  /* update: the key was in the body (null clears it) */
};

/* A new draft's content keeps its category's rules (PD_ERR_INVALID in e names the field):
 * an emergency expires, an outage gives its window, an expiry is ahead. */
bool announcement_rules_kept(const struct announcement_in *in, struct pd_error *e);

struct announcement_actor {
    const char *org, *id, *role;
};

/* Its places are within the caller's reach (PD_ERR_NOT_FOUND, e names the field), the whole
 * org only for org-wide staff (PD_ERR_INVALID, e names audience). */
enum pd_err announcement_reachable(struct db_conn *db, const char *const scope[4], const struct announcement_in *in,
                                   struct pd_error *e);
/* A draft. Its places must be within the caller's reach (PD_ERR_NOT_FOUND, e names the
 * field), the whole org only for org-wide staff (PD_ERR_INVALID, e names audience). */
enum pd_err announcement_create(struct db_conn *db, const char *const scope[4], const struct announcement_in *in,
                                const struct announcement_actor *a, char id_out[37], struct pd_error *e);
/* Edits a draft or scheduled one; PD_ERR_INVALID (e names the field) when the result breaks
 * a rule of its category (an emergency expires; an outage has its window). */
enum pd_err announcement_update(struct db_conn *db, const struct announcement_row *r, const struct announcement_actor *a,
                                const struct announcement_in *in, struct pd_error *e);
/* publish_at in the future; PD_ERR_INVALID (e names publish_at) when not before its expiry. */
enum pd_err announcement_schedule(struct db_conn *db, const struct announcement_row *r,
                                  const struct announcement_actor *a, const char *publish_at, struct pd_error *e);
/* Out now; PD_ERR_INVALID (e names expires_at) when it has already expired. */
enum pd_err announcement_publish(struct db_conn *db, const struct announcement_row *r,
                                 const struct announcement_actor *a, struct pd_error *e);
enum pd_err announcement_withdraw(struct db_conn *db, const struct announcement_row *r,
                                  const struct announcement_actor *a, const char *reason);
enum pd_err announcement_archive(struct db_conn *db, const struct announcement_row *r,
                                 const struct announcement_actor *a);
/* The correction: a new published version with the changes in, marked amended; this one is
 * archived behind it. id_out: the new version. */
enum pd_err announcement_amend(struct db_conn *db, const struct announcement_row *r, const struct announcement_actor *a,
                               const struct announcement_in *in, char id_out[37], struct pd_error *e);
/* The owner acknowledges it (read too); again changes nothing. */
enum pd_err announcement_ack(struct db_conn *db, const char *org, const char *id, const char *user);

#endif
