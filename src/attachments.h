/* Attachments (photos and documents) stored in PostgreSQL: the type check by magic bytes,
 * the insert, and the one query that decides who may download an attachment. No HTTP here;
 * the bytes travel as binary parameters and results (db_exec_binary), never as hex. */
#ifndef PD_ATTACHMENTS_H
#define PD_ATTACHMENTS_H

#include <jansson.h>
#include "db.h"
#include "validate.h"

/* The accepted media type named by a Content-Type header value ("IMAGE/PNG; x=y" →
 * "image/png"), or NULL when it names none of them (or is NULL). */
const char *attachment_type_parse(const char *content_type);

/* The accepted media type whose magic bytes start data, or NULL when none does:
 * JPEG FF D8 FF, PNG 89 50 4E 47 0D 0A 1A 0A, WebP "RIFF" <4 bytes> "WEBP", PDF "%PDF-". */
const char *attachment_sniff(const void *data, size_t len);

/* Stores an attachment; content_type must be an "attachment_type" code and sha256 the hex
 * digest of data. out: {id, content_type, size_bytes, sha256, created_at, url}. */
enum pd_err attachment_create(struct db_conn *db, const char *org, const char *uploader,
                              const char *content_type, const void *data, size_t len,
                              const char *sha256, json_t **out);

/* The one check for every write that names attachments (a ticket's attachment_ids, a work
 * order's before/after photos, and whatever later resources take): a write may name only
 * attachments of org that the caller uploaded, or ones already on the object it changes —
 * naming an id is what makes it downloadable to the object's readers, so anything else
 * would hand out someone else's photo. Absent ids and ids of another org are refused the
 * same way, so the answer tells nothing about them.
 * j_ids: the JSON array from the body (NULL or empty: nothing to check); j_kept: the ids
 * the object holds now, as a JSON array (NULL for a new object). Each refused element adds
 * one problem to v named "<field>[<index>]" (a non-UUID element too, without a query).
 * Runs in the caller's transaction, which should roll back when v holds a problem. Returns
 * PD_OK (problems, if any, in v) or the database error. */
enum pd_err attachment_check_usable(struct db_conn *db, const char *org, const char *caller,
                                    const char *field, json_t *j_ids, json_t *j_kept, struct verr *v);

/* Who is asking for an attachment. Besides the uploader, it is visible to staff whose
 * scope covers a ticket naming it in attachment_ids, or a work order naming it in its
 * before/after photos (by the work order's ticket's community), and to owners of the unit
 * of such a ticket. */
struct attachment_reader {
    const char *const *scope; /* api_scope_params: org; communities (staff: uuid[] literal, NULL =
                               * org-wide); units (owners: their units as a uuid[] literal;
                               * NULL = none); self (unused: see uploader) */
    const char *uploader;     /* the caller's id (API clients too): their own uploads are always visible */
    bool staff;               /* sees attachments of tickets and work orders in scope */
    bool complaint_readers;   /* supervisors and managers: … and of complaints in scope (a
                               * complaint's own complainant and receiver always do) */
};

/* An attachment's bytes; data points into result, which attachment_blob_free clears. */
struct attachment_blob {
    char content_type[32];
    char sha256[65];
    const char *data;
    size_t len;
    PGresult *result;
};

/* PD_ERR_NOT_FOUND when the attachment is absent, in another org (who->scope[0]) or not
 * visible to who. */
enum pd_err attachment_get(struct db_conn *db, const struct attachment_reader *who, const char *id,
                           struct attachment_blob *out);
void attachment_blob_free(struct attachment_blob *b);

#endif
