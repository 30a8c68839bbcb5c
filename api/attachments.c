/* /v1/attachments: raw uploads of photos and documents (type checked by magic bytes) and
 * downloads streamed only to those who may see an object naming the attachment (404 for
 * everyone else, so existence does not leak); and the check every write naming attachments
 * runs. Storage, visibility and that check: src/attachments.c. */
#include <stdio.h>
#include <string.h>
#include "../src/attachments.h"
#include "../src/crypto.h"
#include "routes.h"

static void unsupported(struct api_call *c, const char *detail)
{
    api_problem(c, 415, "Unsupported Media Type", detail, NULL);
}

void attachments_create(struct api_call *c)
{
    size_t len;
    const void *data = api_raw_body(c, &len);
    const char *declared = attachment_type_parse(api_header(c, "Content-Type"));
    if (declared == NULL) {
        unsupported(c, "Content-Type must be image/jpeg, image/png, image/webp or application/pdf.");
        return;
    }
    const char *actual = attachment_sniff(data, len);
    if (actual == NULL || strcmp(actual, declared) != 0) {
        char detail[192];
        if (actual != NULL)
            snprintf(detail, sizeof detail, "Content-Type says %s but the body's first bytes are those of %s.",
                     declared, actual);
        else
            snprintf(detail, sizeof detail, "Content-Type says %s but the body does not start with its "
                     "magic bytes.", declared);
        unsupported(c, detail);
        return;
    }
    char sha[65];
    sha256_hex(data, len, sha);
    if (!api_create_begin(c))
        return;
    json_t *j = NULL;
    enum pd_err err = attachment_create(c->db, c->who.org, c->who.sub, declared, data, len, sha, &j);
    api_create_finish(c, err, j, NULL, "/v1/attachments", NULL);
}

void attachments_show(struct api_call *c)
{
    const char *id = api_path_id(c);
    if (id == NULL || !api_db(c))
        return;
    const char *sc[4];
    api_scope_params(c, sc);  /* owners: their units; staff: their communities */
    struct attachment_reader who = { .scope = sc, .uploader = c->who.sub };
    if (c->who.role == ROLE_INTEGRATION)
        who.staff = (c->who.scopes & SCOPE_TICKETS_READ) != 0;  /* reads every ticket of its org */
    else if (c->who.role != ROLE_OWNER)
        who.staff = true;
    who.complaint_readers = c->who.role == ROLE_SUPERVISOR || c->who.role == ROLE_MANAGER;
    struct attachment_blob b;
    enum pd_err err = attachment_get(c->db, &who, id, &b);
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return;
    }
    char etag[68];
    snprintf(etag, sizeof etag, "\"%s\"", b.sha256);
    api_header_set(c, "ETag", etag);
    api_header_set(c, "Cache-Control", "private, max-age=86400");
    api_header_set(c, "X-Content-Type-Options", "nosniff");
    api_header_set(c, "Content-Disposition", "inline");
    api_text(c, 200, b.content_type, b.data, b.len);
    attachment_blob_free(&b);
}

bool api_attachments_usable(struct api_call *c, const char *const fields[], json_t *j_kept)
{
    struct verr v;
    enum pd_err err = PD_OK;
    verr_init(&v);
    for (int i = 0; fields[i] != NULL && err == PD_OK; i++)
        err = attachment_check_usable(c->db, c->who.org, c->who.sub, fields[i],
                                      json_object_get(c->j_body, fields[i]), j_kept, &v);
    if (err == PD_OK && !verr_any(&v)) {
        verr_free(&v);
        return true;
    }
    db_rollback(c->db);
    if (err != PD_OK) {
        verr_free(&v);
        api_error(c, err, NULL);
    } else {
        api_invalid(c, &v);
    }
    return false;
}

const char *api_attachment_list(struct verr *v, json_t *j_ids, const char *field, char *buf, size_t len)
{
    size_t off = 1, i;
    json_t *j_id;
    buf[0] = '{';
    json_array_foreach(j_ids, i, j_id) {
        if (!json_is_string(j_id) || !uuid_valid(json_string_value(j_id))) {
            verr_add(v, field, "must list attachment UUIDs");
            break;
        }
        off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "", json_string_value(j_id));
    }
    snprintf(buf + off, len - off, "}");
    return buf;
}
