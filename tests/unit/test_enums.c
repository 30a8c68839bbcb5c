/* The label table (src/enums.c) is the one source of every code: it is consistent, every C
 * constant bound to a code round-trips, the rules name only codes it lists, and what it
 * generates (the wire entries, the validation lists, the CHECK constraints) has the expected
 * shape. openapi.yaml and the live database are held to it by tests/integration/15_enums. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/attachments.h"
#include "../../src/calendar.h"
#include "../../src/callback_rules.h"
#include "../../src/complaint_rules.h"
#include "../../src/enums.h"
#include "../../src/pd.h"
#include "../../src/residencies.h"
#include "../../src/ticket_rules.h"
#include "../../src/validate.h"
#include "suites.h"

static bool listed(const char *enum_name, const char *code)
{
    return code != NULL && enum_has(enum_codes(enum_name), code);
}

static char *codes_joined(const char *enum_name)
{
    static char buf[1024];
    size_t off = 0;
    buf[0] = '\0';
    for (const char *const *c = enum_codes(enum_name); *c != NULL && off < sizeof buf; c++)
        off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s", off ? " " : "", *c);
    return buf;
}

START_TEST(test_table_consistent)
{
    char err[256] = "";
    ck_assert_msg(enums_check(err, sizeof err) == 0, "%s", err);
}
END_TEST

/* What /v1/meta/enums sends fits openapi's EnumEntries: ≤ 200 entries, codes ≤ 64 characters,
 * labels 1–100 characters, no code twice. */
START_TEST(test_wire_entries)
{
    json_t *j = enums_all();
    const char *name;
    json_t *j_list;
    int enums = 0;
    json_object_foreach(j, name, j_list) {
        enums++;
        ck_assert_msg(json_array_size(j_list) >= 1 && json_array_size(j_list) <= 200, "%s", name);
        ck_assert_uint_eq(json_array_size(j_list), enum_count(name));
        size_t i;
        json_t *j_e;
        json_array_foreach(j_list, i, j_e) {
            const char *code = json_string_value(json_object_get(j_e, "code"));
            const char *zh = json_string_value(json_object_get(json_object_get(j_e, "label"), "zh-CN"));
            const char *en = json_string_value(json_object_get(json_object_get(j_e, "label"), "en"));
            ck_assert_msg(code && strlen(code) >= 1 && strlen(code) <= 64, "%s[%zu]", name, i);
            ck_assert_msg(zh && utf8_chars(zh) >= 1 && utf8_chars(zh) <= 100, "%s %s", name, code);
            ck_assert_msg(en && utf8_chars(en) >= 1 && utf8_chars(en) <= 100, "%s %s", name, code);
            ck_assert_str_eq(enum_codes(name)[i], code);
        }
    }
    /* the seven enums the wire had before the table became the source are still there */
    static const char *const before[] = { "role", "department", "user_kind", "user_status",
                                          "residency_relation", "residency_status", "scope", NULL };
    for (int i = 0; before[i] != NULL; i++)
        ck_assert_msg(json_object_get(j, before[i]) != NULL, "%s", before[i]);
    ck_assert_int_ge(enums, 25);
    json_decref(j);

    json_t *j_label = enum_label("ticket_status", "on_hold");
    ck_assert_str_eq(json_string_value(json_object_get(j_label, "en")), "On hold");
    json_decref(j_label);
    j_label = enum_label("ticket_status", "nope");
    ck_assert_str_eq(json_string_value(json_object_get(j_label, "zh-CN")), "nope");
    json_decref(j_label);
}
END_TEST

START_TEST(test_unknown_enum_refuses_everything)
{
    const char *const *none = enum_codes("no_such_enum");
    ck_assert_ptr_nonnull(none);
    ck_assert_ptr_null(none[0]);
    ck_assert_uint_eq(enum_count("no_such_enum"), 0);
    ck_assert_ptr_null(enum_code("no_such_enum", 1));
    int v;
    ck_assert(!enum_value("no_such_enum", "x", &v));
    ck_assert(!enum_value("role", NULL, &v));
}
END_TEST

/* Roles: every enum pd_role but NONE is exactly one "role" code and back. */
START_TEST(test_roles_bound)
{
    ck_assert_uint_eq(enum_count("role"), ROLE_COUNT - 1);
    for (int r = ROLE_NONE + 1; r < ROLE_COUNT; r++) {
        ck_assert(listed("role", role_name((enum pd_role)r)));
        ck_assert_int_eq(role_parse(role_name((enum pd_role)r)), r);
    }
    ck_assert_str_eq(role_name(ROLE_INTEGRATION), "integration");
    ck_assert_str_eq(role_name(ROLE_SUPERVISOR), "supervisor");
}
END_TEST

/* The actions: one code per constant, in a fixed spelling (apps and tests rely on them). */
START_TEST(test_actions_bound)
{
    static const char *const ticket[TA_COUNT] = {
        [TA_UPDATE] = "update", [TA_DISPATCH] = "dispatch", [TA_REPLY] = "reply", [TA_CANCEL] = "cancel",
        [TA_CONFIRM] = "confirm", [TA_REOPEN] = "reopen", [TA_CLOSE] = "close", [TA_COMMENT] = "comment",
    };
    static const char *const wo[WA_COUNT] = {
        [WA_ACCEPT] = "accept", [WA_DECLINE] = "decline", [WA_START] = "start", [WA_HOLD] = "hold",
        [WA_RESUME] = "resume", [WA_COMPLETE] = "complete", [WA_REASSIGN] = "reassign", [WA_CANCEL] = "cancel",
    };
    ck_assert_uint_eq(enum_count("ticket_action"), TA_COUNT);
    ck_assert_uint_eq(enum_count("work_order_action"), WA_COUNT);
    for (int a = 0; a < TA_COUNT; a++)
        ck_assert_str_eq(enum_code("ticket_action", a), ticket[a]);
    for (int a = 0; a < WA_COUNT; a++) {
        ck_assert_str_eq(wo_action_name((enum wo_action)a), wo[a]);
        /* each work-order action is written to the timeline as work_order.<action> */
        char type[64];
        snprintf(type, sizeof type, "work_order.%s", wo[a]);
        ck_assert_msg(listed("ticket_event_type", type), "%s", type);
    }
    ck_assert_str_eq(enum_code("residency_action", RES_VERIFY), "verify");
    ck_assert_str_eq(enum_code("residency_action", RES_REJECT), "reject");
    ck_assert_str_eq(enum_code("residency_action", RES_REVOKE), "revoke");
    ck_assert_uint_eq(enum_count("residency_action"), 3);
}
END_TEST

/* Derived enums: taken from their sources, in order, without the codes they leave out. */
START_TEST(test_derived)
{
    ck_assert_str_eq(codes_joined("grant_role"), "agent technician supervisor manager quality admin");
    ck_assert_str_eq(codes_joined("comment_author_role"),
                     "owner agent technician supervisor manager quality admin");
    ck_assert_str_eq(codes_joined("actor_role"),
                     "owner agent technician supervisor manager quality admin integration system");
    ck_assert_str_eq(codes_joined("ticket_event_status"),
                     "submitted dispatched in_progress on_hold resolved closed cancelled reopened "
                     "accepted completed declined received forwarded acknowledged replied rejected merged "
                     "withdrawn scheduled open reviewed failed draft published expired archived");
    /* a derived code keeps its source's label */
    json_t *j_label = enum_label("grant_role", "agent");
    ck_assert_str_eq(json_string_value(json_object_get(j_label, "zh-CN")), "客服接待员");
    json_decref(j_label);
}
END_TEST

/* The rules name only listed codes: every state an action leads to, every state a ticket
 * follows its orders into, every default department and every sniffed media type. */
START_TEST(test_rules_speak_listed_codes)
{
    static const struct { const struct machine *m; const char *status, *action; } machines[] = {
        { &ticket_machine, "ticket_status", "ticket_action" },
        { &work_order_machine, "work_order_status", "work_order_action" },
        { &residency_machine, "residency_status", "residency_action" },
        { &complaint_machine, "complaint_status", "complaint_action" },
        { &callback_machine, "callback_status", "callback_action" },
    };
    for (size_t k = 0; k < sizeof machines / sizeof machines[0]; k++) {
        const struct machine *m = machines[k].m;
        ck_assert_str_eq(m->action_enum, machines[k].action);
        ck_assert_uint_eq(enum_count(m->action_enum), (size_t)m->n_actions);
        for (int i = 0; i < m->n; i++) {
            const struct machine_transition *t = &m->t[i];
            ck_assert(enum_code(m->action_enum, t->action) != NULL);
            ck_assert_msg(t->to == NULL || listed(machines[k].status, t->to), "%s → %s", m->noun, t->to);
            for (const char *const *f = t->from; *f != NULL; f++)
                ck_assert_msg(listed(machines[k].status, *f), "%s from %s", m->noun, *f);
        }
    }
    static const struct wo_counts counts[] = {
        { 0, 0, 0, 0, 0 }, { 1, 0, 0, 0, 0 }, { 0, 1, 0, 0, 0 }, { 0, 0, 1, 0, 0 },
        { 0, 0, 0, 1, 0 }, { 0, 0, 0, 0, 1 }, { 1, 0, 0, 0, 1 },
    };
    for (const char *const *s = enum_codes("ticket_status"); *s != NULL; s++)
        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
            ck_assert(listed("ticket_status", ticket_status_from_orders(*s, &counts[i])));
    for (const char *const *c = enum_codes("ticket_category"); *c != NULL; c++)
        ck_assert_msg(listed("department", category_department(*c)), "%s", *c);
    static const char *const samples[] = { "\xFF\xD8\xFF\xE0", "\x89PNG\r\n\x1A\n", "RIFF\0\0\0\0WEBPVP8 ", "%PDF-1.7" };
    static const size_t lens[] = { 4, 8, 16, 8 };
    for (int i = 0; i < 4; i++)
        ck_assert(listed("attachment_type", attachment_sniff(samples[i], lens[i])));
    /* each priority has its own SLA default (an unknown one would silently get P3's) */
    ck_assert_uint_eq(enum_count("ticket_priority"), 4);
    struct sla_target d[4];
    int n = 0;
    for (const char *const *p = enum_codes("ticket_priority"); *p != NULL; p++)
        d[n++] = sla_default_target(*p);
    for (int i = 0; i < n; i++)
        for (int k = i + 1; k < n; k++)
            ck_assert(d[i].contact_minutes != d[k].contact_minutes ||
                      d[i].arrival_minutes != d[k].arrival_minutes ||
                      d[i].arrival_next_day != d[k].arrival_next_day ||
                      d[i].resolve_minutes != d[k].resolve_minutes);
}
END_TEST

/* Validation lists the source's codes, naming the field. */
START_TEST(test_validation_lists_codes)
{
    json_t *j = json_pack("{s:s, s:s}", "kind", "complaint", "mode", "assign");
    struct verr v;
    verr_init(&v);
    ck_assert_ptr_null(v_enum(&v, j, "kind", true, enum_codes("ticket_kind")));
    ck_assert_str_eq(v_enum(&v, j, "mode", true, enum_codes("dispatch_mode")), "assign");
    ck_assert_uint_eq(json_array_size(v.j_errors), 1);
    json_t *j_e = json_array_get(v.j_errors, 0);
    ck_assert_str_eq(json_string_value(json_object_get(j_e, "field")), "kind");
    ck_assert_str_eq(json_string_value(json_object_get(j_e, "message")), "must be one of: repair, help, inquiry");
    verr_free(&v);
    json_decref(j);
}
END_TEST

/* The generated SQL: one constraint per column, the codes in table order, text[] columns with
 * <@, only the named enums when some are named. */
START_TEST(test_sql)
{
    char *buf = NULL, err[128];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_int_eq(enums_sql(f, NULL, 0, err, sizeof err), 0);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "ALTER TABLE tickets\n"));
    ck_assert_ptr_nonnull(strstr(buf, "DROP CONSTRAINT IF EXISTS tickets_status_check,\n"));
    ck_assert_ptr_nonnull(strstr(buf, "ADD CONSTRAINT tickets_kind_enum CHECK (kind IN ('repair', 'help', 'inquiry'))"));
    ck_assert_ptr_nonnull(strstr(buf, "CHECK (scopes <@ ARRAY['tickets:read', "));
    ck_assert_ptr_nonnull(strstr(buf, "'callbacks:read']::text[])"));
    ck_assert_ptr_nonnull(strstr(buf, "ADD CONSTRAINT sla_targets_category_enum"));
    ck_assert_ptr_nonnull(strstr(buf, "ADD CONSTRAINT events_from_status_enum"));
    /* every ALTER TABLE ends with one semicolon: as many of them as statements */
    int alters = 0, semis = 0;
    for (const char *p = buf; (p = strstr(p, "ALTER TABLE ")) != NULL; p++)
        alters++;
    for (const char *p = buf; *p; p++)
        semis += *p == ';';
    ck_assert_int_eq(alters, semis);
    free(buf);

    const char *const names[] = { "ticket_kind" };
    buf = NULL;
    f = open_memstream(&buf, &len);
    ck_assert_int_eq(enums_sql(f, names, 1, err, sizeof err), 0);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "tickets_kind_enum"));
    ck_assert_ptr_null(strstr(buf, "tickets_status_enum"));
    free(buf);

    const char *const bad[] = { "ticket_kinds" };
    f = open_memstream(&buf, &len);
    ck_assert_int_eq(enums_sql(f, bad, 1, err, sizeof err), -1);
    fclose(f);
    free(buf);
    ck_assert_str_eq(err, "unknown enum: ticket_kinds");
}
END_TEST

Suite *enums_suite(void)
{
    Suite *s = suite_create("enums");
    TCase *tc = tcase_create("source");
    tcase_add_test(tc, test_table_consistent);
    tcase_add_test(tc, test_wire_entries);
    tcase_add_test(tc, test_unknown_enum_refuses_everything);
    tcase_add_test(tc, test_roles_bound);
    tcase_add_test(tc, test_actions_bound);
    tcase_add_test(tc, test_derived);
    tcase_add_test(tc, test_rules_speak_listed_codes);
    tcase_add_test(tc, test_validation_lists_codes);
    tcase_add_test(tc, test_sql);
    suite_add_tcase(s, tc);
    return s;
}
