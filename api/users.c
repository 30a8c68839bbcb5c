/* /v1/users and /v1/role-grants: people of the org and what they may do. Admins manage
 * them; desk roles and quality read those of their scope, with residents' phones and
 * e-mails masked for non-admins. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/enums.h"
#include "../src/crypto.h"
#include "../src/users.h"
#include "routes.h"

/* The caller's reach over people: their communities (NULL when org-wide) and whether they
 * see residents' phones and e-mails in full (admins only; DESIGN §3). The masking itself is
 * pd_user_json's, in SQL. */
static struct user_reach reach_of(const struct api_call *c)
{
    struct user_reach r = { c->scope.communities, c->who.role == ROLE_ADMIN };
    return r;
}

/* 409 for a create or update whose username, phone or email is already someone's login (in
 * any org), naming the field as a 400 does, so an app can point at it. Rolls back. */
static void reply_login_taken(struct api_call *c)
{
    const char *field = c->db != NULL ? user_login_conflict(c->db) : NULL;
    char detail[128];
    struct verr v;
    if (c->db != NULL)
        db_rollback(c->db);
    if (field == NULL) {
        api_error(c, PD_ERR_CONFLICT, "The username, phone or email is already in use.");
        return;
    }
    verr_init(&v);
    verr_add(&v, field, "is already a login of another user");
    snprintf(detail, sizeof detail, "The %s is already in use as a login (logins are unique across all orgs).",
             field);
    api_problem(c, 409, "Conflict", detail, v.j_errors);
    verr_free(&v);
}

/* Replies to an admin's change (admin-only routes: values in full). */
static void reply_user(struct api_call *c, enum pd_err err, json_t *j)
{
    if (err == PD_ERR_CONFLICT)
        reply_login_taken(c);
    else
        api_result(c, err, j, api_admin_actions(c, "update"));
}

void users_index(struct api_call *c)
{
    struct verr v;
    struct page pg;
    const char *values[LIST_MAX_FILTERS];
    verr_init(&v);
    api_page(c, &v, &pg);
    api_list_filters(c, &user_list_spec, &v, values);
    if (!api_valid(c, &v) || !api_db(c))
        return;
    char *page = NULL, actions[64];
    struct user_reach who = reach_of(c);
    enum pd_err err = user_list(c->db, c->who.org, &who, values, &pg, api_admin_literal(c, "update", actions), &page);
    api_list_result(c, err, page);
}

void users_show(struct api_call *c)
{
    const char *id = api_path_id(c);
    json_t *j = NULL;
    if (id == NULL || !api_db(c))
        return;
    struct user_reach who = reach_of(c);
    enum pd_err err = user_get(c->db, c->who.org, &who, id, &j);
    api_result(c, err, j, api_admin_actions(c, "update"));
}

/* Fields shared by create and update. */
static void check_contact(struct verr *v, json_t *body)
{
    bool present;
    const char *phone = v_string_or_null(v, body, "phone", 6, 16, &present);
    if (phone != NULL && !phone_valid(phone))
        verr_add(v, "phone", "must be 6 to 15 digits, optionally after '+'");
    const char *email = v_string_or_null(v, body, "email", 3, 254, &present);
    if (email != NULL && !email_valid(email))
        verr_add(v, "email", "must be an email address");
    json_t *j_dep = json_object_get(body, "department");
    if (j_dep != NULL && !json_is_null(j_dep))
        v_enum(v, body, "department", false, enum_codes("department"));
}

void users_create(struct api_call *c)
{
    static const char *const fields[] = { "kind", "name", "username", "phone", "email", "password",
                                          "department", NULL };
    struct verr v;
    struct user_in in = { 0 };
    bool present;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    in.kind = v_enum(&v, c->j_body, "kind", true, enum_codes("user_kind"));
    in.name = v_string(&v, c->j_body, "name", true, 1, 50);
    in.username = v_string_or_null(&v, c->j_body, "username", 3, 32, &present);
    if (in.username != NULL && !username_valid(in.username))
        verr_add(&v, "username", "must be 3 to 32 of a-z, 0-9, '.', '_' and '-'");
    check_contact(&v, c->j_body);
    in.phone = json_string_value(json_object_get(c->j_body, "phone"));
    in.email = json_string_value(json_object_get(c->j_body, "email"));
    in.department = json_string_value(json_object_get(c->j_body, "department"));
    const char *password = v_string(&v, c->j_body, "password", true, 10, 256);
    if (in.username == NULL && in.phone == NULL && in.email == NULL)
        verr_add(&v, "username", "a username, phone or email is required to sign in");
    if (in.kind != NULL && strcmp(in.kind, "resident") == 0 && in.department != NULL)
        verr_add(&v, "department", "only staff belong to a department");
    if (!api_valid(c, &v))
        return;
    char hash[128];
    if (password_hash(password, hash) != 0) {
        api_error(c, PD_ERR_NOMEM, NULL);
        return;
    }
    in.password_hash = hash;
    if (!api_create_begin(c))
        return;
    json_t *j = NULL;
    enum pd_err err = user_create(c->db, c->who.org, &in, &j);
    if (err == PD_ERR_CONFLICT) {  /* rolls back the Idempotency-Key claim with the insert */
        json_decref(j);
        reply_login_taken(c);
        return;
    }
    api_create_finish(c, err, j, api_admin_actions(c, "update"), "/v1/users", NULL);
}

void users_update(struct api_call *c)
{
    static const char *const fields[] = { "name", "phone", "email", "password", "department", "status", NULL };
    long long version;
    struct verr v;
    const char *id = api_change_begin(c, &v, fields, true, &version);
    if (id == NULL)
        return;
    v_string(&v, c->j_body, "name", false, 1, 50);
    check_contact(&v, c->j_body);
    v_enum(&v, c->j_body, "status", false, enum_codes("user_status"));
    const char *password = v_string(&v, c->j_body, "password", false, 10, 256);
    if (!api_valid(c, &v))
        return;
    char hash[128];
    if (password != NULL && password_hash(password, hash) != 0) {
        api_error(c, PD_ERR_NOMEM, NULL);
        return;
    }
    json_t *j_patch = json_deep_copy(c->j_body);
    json_object_del(j_patch, "password");
    char *patch = json_dumps(j_patch, JSON_COMPACT);
    json_decref(j_patch);
    json_t *j = NULL;
    if (patch != NULL && api_db(c)) {
        enum pd_err err = user_update(c->db, c->who.org, c->scope.communities, id, patch, password ? hash : NULL,
                                      version, &j);
        if (err != PD_OK)
            db_rollback(c->db);
        if (err == PD_OK && json_object_get(c->j_body, "status") != NULL)
            api_forget_sessions(c, id);  /* a disabled user's tokens are refused at once */
        if (err == PD_ERR_INVALID)  /* a check constraint, e.g. a department for a resident */
            api_error(c, err, "The change is not valid for this user (residents have no department).");
        else
            reply_user(c, err, j);
    } else if (patch == NULL) {
        api_error(c, PD_ERR_NOMEM, NULL);
    }
    free(patch);
}

void role_grants_index(struct api_call *c)
{
    struct verr v;
    struct page pg;
    verr_init(&v);
    api_page(c, &v, &pg);
    const char *user = q_uuid(&v, "user_id", api_query(c, "user_id"));
    const char *community = q_uuid(&v, "community_id", api_query(c, "community_id"));
    if (!api_valid(c, &v) || !api_db(c))
        return;
    char *page = NULL, actions[64];
    const char *scope[4];
    api_scope_params(c, scope);
    enum pd_err err = grant_list(c->db, scope, user, community, &pg, api_admin_literal(c, "delete", actions), &page);
    api_list_result(c, err, page);
}

void role_grants_create(struct api_call *c)
{
    static const char *const fields[] = { "user_id", "role", "community_id", NULL };
    struct verr v;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    const char *user = v_uuid(&v, c->j_body, "user_id", true);
    const char *role = v_enum(&v, c->j_body, "role", true, enum_codes("grant_role"));
    json_t *j_community = json_object_get(c->j_body, "community_id");
    const char *community = j_community != NULL && !json_is_null(j_community)
                                ? v_uuid(&v, c->j_body, "community_id", false) : NULL;
    if (!api_valid(c, &v) || !api_org_wide(c, "grant roles") || !api_create_begin(c))
        return;
    json_t *j = NULL;
    enum pd_err err = grant_create(c->db, c->who.org, user, role, community, &j);
    if (err == PD_ERR_NOT_FOUND) {
        db_rollback(c->db);
        api_error(c, err, "No such staff user or community.");
        return;
    }
    api_create_finish(c, err, j, api_admin_actions(c, "delete"), "/v1/role-grants",
                      "The user already has this role there.");
}

void role_grants_delete(struct api_call *c)
{
    const char *id = api_path_id(c);
    if (id == NULL || !api_org_wide(c, "remove roles") || !api_db(c))
        return;
    enum pd_err err = grant_delete(c->db, c->who.org, id);
    if (err == PD_OK)
        api_no_content(c);
    else
        api_error(c, err, NULL);
}
