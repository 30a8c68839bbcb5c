/* SQL for attachments, and the magic-byte check. Visibility is decided in one query
 * (EXISTS over tickets and work orders naming the attachment, GIN-indexed in 0003); which
 * ids a write may name, in another (attachment_check_usable). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "attachments.h"
#include "enums.h"
#include "rows.h"
#include "validate.h"


DB_STMT(insert_attachment,
    "INSERT INTO attachments (org_id, uploader_id, content_type, size_bytes, sha256, data) "
    "VALUES ($1, $2, $3, $4::int, $5, $6::bytea) "
    "RETURNING json_build_object('id', id, 'content_type', content_type, 'size_bytes', size_bytes, "
    "  'sha256', sha256, 'created_at', pd_ts(created_at), 'url', '/v1/attachments/' || id)");
/* The scope's first three ($1 org, $2 communities: staff scope, NULL = org-wide; $3 units:
 * owners' units, NULL = none — api_scope_params), then $4 id, $5 uploader, $6 staff (whether
 * communities apply at all), $7 complaint readers; fetched in binary, so every column but the
 * bytea is text */
DB_STMT(get_attachment,
    "SELECT a.content_type, a.sha256, a.data FROM attachments a "
    "WHERE a.org_id = $1 AND a.id = $4 AND ("
    "  a.uploader_id = $5 "
    "  OR EXISTS (SELECT 1 FROM tickets t "
    "             WHERE t.org_id = a.org_id AND t.attachment_ids @> ARRAY[$4::uuid] "
    "             AND (($6::boolean AND ($2::uuid[] IS NULL OR t.community_id = ANY ($2))) "
    "                  OR (t.unit_id = ANY ($3::uuid[]) AND t.complaint_id IS NULL))) "
    /* a complaint's (which may show who complained): its complainant, its receiver, and the
     * supervisors and managers of its community ($7) — not the staff member it is about */
    "  OR EXISTS (SELECT 1 FROM complaints c "
    "             WHERE c.org_id = a.org_id AND c.attachment_ids @> ARRAY[$4::uuid] "
    "             AND NOT coalesce(c.subject_user_id = $5::uuid, false) "
    "             AND (c.complainant_id = $5::uuid OR c.receiver_id = $5::uuid "
    "                  OR ($7::boolean AND ($2::uuid[] IS NULL OR c.community_id = ANY ($2))))) "
    /* an announcement's: its staff, and the owners it reaches once out */
    "  OR EXISTS (SELECT 1 FROM announcements n "
    "             WHERE n.org_id = a.org_id AND n.attachment_ids @> ARRAY[$4::uuid] "
    "             AND (($6::boolean AND ($2::uuid[] IS NULL OR n.audience = 'org' OR n.community_ids && $2)) "
    "                  OR pd_announcement_reaches(n, $3::uuid[]))) "
    "  OR EXISTS (SELECT 1 FROM work_orders w "
    "             JOIN tickets t ON t.org_id = w.org_id AND t.id = w.ticket_id "
    "             WHERE w.org_id = a.org_id AND (w.before_photo_ids || w.after_photo_ids) @> ARRAY[$4::uuid] "
    "             AND (($6::boolean AND ($2::uuid[] IS NULL OR t.community_id = ANY ($2))) "
    "                  OR (t.unit_id = ANY ($3::uuid[]) AND t.complaint_id IS NULL))))");

/* The positions (0-based) of the ids in $2 a write by $3 may not name: neither uploaded by
 * $3 in org $1 nor among $4, the ids already on the object being changed */
DB_STMT(refused_attachments,
    "SELECT i.n - 1 FROM unnest($2::uuid[]) WITH ORDINALITY AS i(id, n) "
    "WHERE NOT (i.id = ANY ($4::uuid[]) "
    "           OR EXISTS (SELECT 1 FROM attachments a WHERE a.org_id = $1 AND a.id = i.id "
    "                      AND a.uploader_id = $3::uuid)) "
    "ORDER BY i.n");

const char *attachment_type_parse(const char *content_type)
{
    if (content_type == NULL)
        return NULL;
    while (*content_type == ' ' || *content_type == '\t')
        content_type++;
    size_t n = strcspn(content_type, ";");
    while (n > 0 && (content_type[n - 1] == ' ' || content_type[n - 1] == '\t'))
        n--;
    for (const char *const *t = enum_codes("attachment_type"); *t != NULL; t++)
        if (strlen(*t) == n && strncasecmp(content_type, *t, n) == 0)
            return *t;
    return NULL;
}

const char *attachment_sniff(const void *data, size_t len)
{
    const unsigned char *b = data;
    if (len >= 3 && memcmp(b, "\xFF\xD8\xFF", 3) == 0)
        return "image/jpeg";
    if (len >= 8 && memcmp(b, "\x89PNG\r\n\x1A\n", 8) == 0)
        return "image/png";
    if (len >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
        return "image/webp";
    if (len >= 5 && memcmp(b, "%PDF-", 5) == 0)
        return "application/pdf";
    return NULL;
}

enum pd_err attachment_create(struct db_conn *db, const char *org, const char *uploader,
                              const char *content_type, const void *data, size_t len,
                              const char *sha256, json_t **out)
{
    char size[24];
    snprintf(size, sizeof size, "%zu", len);
    const char *p[] = { org, uploader, content_type, size, sha256, data };
    const int lengths[] = { 0, 0, 0, 0, 0, (int)len };
    const int formats[] = { 0, 0, 0, 0, 0, 1 };
    PGresult *r;
    enum pd_err err = db_exec_binary(db, &insert_attachment, 6, p, lengths, formats, 0, &r);
    return err != PD_OK ? err : rows_one(r, out);
}

enum pd_err attachment_get(struct db_conn *db, const struct attachment_reader *who, const char *id,
                           struct attachment_blob *out)
{
    memset(out, 0, sizeof *out);
    const char *p[] = { who->scope[0], who->staff ? who->scope[1] : NULL, who->scope[2], id, who->uploader,
                        who->staff ? "true" : "false", who->complaint_readers ? "true" : "false" };
    PGresult *r;
    enum pd_err err = db_exec_binary(db, &get_attachment, 7, p, NULL, NULL, 1, &r);
    if (err != PD_OK)
        return err;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return PD_ERR_NOT_FOUND;
    }
    snprintf(out->content_type, sizeof out->content_type, "%.*s", PQgetlength(r, 0, 0), PQgetvalue(r, 0, 0));
    snprintf(out->sha256, sizeof out->sha256, "%.*s", PQgetlength(r, 0, 1), PQgetvalue(r, 0, 1));
    out->data = PQgetvalue(r, 0, 2);
    out->len = (size_t)PQgetlength(r, 0, 2);
    out->result = r;
    return PD_OK;
}

void attachment_blob_free(struct attachment_blob *b)
{
    PQclear(b->result);
    b->result = NULL;
    b->data = NULL;
}

/* The elements of j_ids (UUID strings) as a uuid[] literal, malloc'd; NULL when out of
 * memory. Elements that are not UUID strings are left out. */
static char *uuid_array(json_t *j_ids)
{
    size_t n = json_array_size(j_ids), off = 0, i;
    char *buf = malloc(n * (PD_UUID_LEN + 1) + 3);
    json_t *j_id;
    if (buf == NULL)
        return NULL;
    buf[off++] = '{';
    json_array_foreach(j_ids, i, j_id) {
        const char *id = json_string_value(j_id);
        if (id == NULL || !uuid_valid(id))
            continue;
        if (off > 1)
            buf[off++] = ',';
        memcpy(buf + off, id, PD_UUID_LEN);
        off += PD_UUID_LEN;
    }
    buf[off++] = '}';
    buf[off] = '\0';
    return buf;
}

enum pd_err attachment_check_usable(struct db_conn *db, const char *org, const char *caller,
                                    const char *field, json_t *j_ids, json_t *j_kept, struct verr *v)
{
    char name[96];
    size_t i;
    json_t *j_id;
    bool syntax_ok = true;
    json_array_foreach(j_ids, i, j_id) {
        if (!json_is_string(j_id) || !uuid_valid(json_string_value(j_id))) {
            snprintf(name, sizeof name, "%s[%zu]", field, i);
            verr_add(v, name, "must be an attachment UUID");
            syntax_ok = false;
        }
    }
    if (!syntax_ok || json_array_size(j_ids) == 0)
        return PD_OK;
    char *ids = uuid_array(j_ids), *kept = uuid_array(j_kept);
    PGresult *r = NULL;
    enum pd_err err = PD_ERR_NOMEM;
    if (ids != NULL && kept != NULL) {
        const char *p[] = { org, ids, caller, kept };
        err = db_exec(db, &refused_attachments, 4, p, &r);
    }
    for (int row = 0; err == PD_OK && row < PQntuples(r); row++) {
        snprintf(name, sizeof name, "%s[%s]", field, PQgetvalue(r, row, 0));
        verr_add(v, name, "is not an attachment you uploaded (nor one already attached here)");
    }
    PQclear(r);
    free(ids);
    free(kept);
    return err;
}
