/* SQL for attachments, and the magic-byte check. Visibility is decided in one query
 * (EXISTS over tickets and work orders naming the attachment, GIN-indexed in 0003). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "attachments.h"
#include "rows.h"

const char *const attachment_types[] = { "image/jpeg", "image/png", "image/webp", "application/pdf", NULL };

DB_STMT(insert_attachment,
    "INSERT INTO attachments (org_id, uploader_id, content_type, size_bytes, sha256, data) "
    "VALUES ($1, $2, $3, $4::int, $5, $6::bytea) "
    "RETURNING json_build_object('id', id, 'content_type', content_type, 'size_bytes', size_bytes, "
    "  'sha256', sha256, 'created_at', pd_ts(created_at), 'url', '/v1/attachments/' || id)");
/* $4 staff, $5 staff scope (NULL = org-wide), $6 owner units (NULL = none); fetched in
 * binary, so every column but the bytea is text */
DB_STMT(get_attachment,
    "SELECT a.content_type, a.sha256, a.data FROM attachments a "
    "WHERE a.org_id = $1 AND a.id = $2 AND ("
    "  a.uploader_id = $3 "
    "  OR EXISTS (SELECT 1 FROM tickets t "
    "             WHERE t.org_id = a.org_id AND t.attachment_ids @> ARRAY[$2::uuid] "
    "             AND (($4::boolean AND ($5::uuid[] IS NULL OR t.community_id = ANY ($5))) "
    "                  OR t.unit_id = ANY ($6::uuid[]))) "
    "  OR EXISTS (SELECT 1 FROM work_orders w "
    "             JOIN tickets t ON t.org_id = w.org_id AND t.id = w.ticket_id "
    "             WHERE w.org_id = a.org_id AND (w.before_photo_ids || w.after_photo_ids) @> ARRAY[$2::uuid] "
    "             AND (($4::boolean AND ($5::uuid[] IS NULL OR t.community_id = ANY ($5))) "
    "                  OR t.unit_id = ANY ($6::uuid[]))))");

const char *attachment_type_parse(const char *content_type)
{
    if (content_type == NULL)
        return NULL;
    while (*content_type == ' ' || *content_type == '\t')
        content_type++;
    size_t n = strcspn(content_type, ";");
    while (n > 0 && (content_type[n - 1] == ' ' || content_type[n - 1] == '\t'))
        n--;
    for (int i = 0; attachment_types[i] != NULL; i++)
        if (strlen(attachment_types[i]) == n && strncasecmp(content_type, attachment_types[i], n) == 0)
            return attachment_types[i];
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

enum pd_err attachment_get(struct db_conn *db, const char *org, const char *id,
                           const struct attachment_reader *who, struct attachment_blob *out)
{
    memset(out, 0, sizeof *out);
    const char *p[] = { org, id, who->uploader, who->staff ? "true" : "false",
                        who->staff ? who->scope : NULL, who->units };
    PGresult *r;
    enum pd_err err = db_exec_binary(db, &get_attachment, 6, p, NULL, NULL, 1, &r);
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
