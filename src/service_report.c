/* The monthly service report (月度服务简报): its figures come from SQL (pd_service_report,
 * migration 0028); here they become the zh-CN text of a draft `service_report` announcement
 * to the community, the figures kept beside it (`report`). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "enums.h"
#include "jtext.h"
#include "rows.h"
#include "service_report.h"

/* the survey part is the latest campaign's (pd_service_report_survey) */
DB_STMT(service_report_figures,
    "SELECT pd_service_report($1, $2, $3::date) || jsonb_build_object('survey', pd_service_report_survey($1, $2, $3::date))");

static const char *zh(const char *enum_name, const char *code, char *buf, size_t len)
{
    json_t *j = enum_label(enum_name, code);
    snprintf(buf, len, "%s", json_string_value(json_object_get(j, "zh-CN")) ? json_string_value(json_object_get(j, "zh-CN")) : code);
    json_decref(j);
    return buf;
}

static long long count(json_t *obj, const char *key)
{
    return json_integer_value(json_object_get(obj, key));
}

/* A rate as a percentage with one decimal, or "—" when there is nothing to rate. */
static const char *percent(json_t *rate, char buf[16])
{
    if (!json_is_number(rate))
        return "—";
    snprintf(buf, 16, "%.1f%%", json_number_value(rate) * 100);
    return buf;
}

static void tickets_part(struct jtext *b, json_t *t)
{
    char p[16], label[64];
    jtext_put(b, "一、报事报修\n");
    if (count(t, "received") == 0 && count(t, "resolved") == 0) {
        jtext_put(b, "本月无报事记录。\n\n");
        return;
    }
    jtext_printf(b, "本月共受理报事 %lld 件，处理完成 %lld 件。", count(t, "received"), count(t, "resolved"));
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(t, "by_category"), i, c) {
        jtext_put(b, i == 0 ? "按类别：" : "、");
        jtext_printf(b, "%s %lld 件（完成 %lld 件）", zh("ticket_category", json_string_value(json_object_get(c, "category")),
                                                      label, sizeof label),
                     count(c, "received"), count(c, "resolved"));
    }
    jtext_put(b, json_array_size(json_object_get(t, "by_category")) ? "。\n" : "\n");
    static const char *const clocks[][2] = { { "contact", "联系业主" }, { "arrival", "到场" }, { "resolution", "解决" } };
    json_t *times = json_object_get(t, "times");
    bool any = false;
    for (size_t k = 0; k < 3; k++) {
        json_t *x = json_object_get(times, clocks[k][0]);
        if (x == NULL || !json_is_number(json_object_get(x, "median_minutes")))
            continue;
        jtext_printf(b, "%s%s中位用时 %.0f 分钟（目标 %.0f 分钟，按时 %s）", any ? "；" : "响应时效：", clocks[k][1],
                     json_number_value(json_object_get(x, "median_minutes")),
                     json_number_value(json_object_get(x, "target_minutes")), percent(json_object_get(x, "met_on_time_rate"), p));
        any = true;
    }
    if (any)
        jtext_put(b, "。\n");
    jtext_printf(b, "时效达标率：%s。\n\n", percent(json_object_get(t, "sla_compliance"), p));
}

static void complaints_part(struct jtext *b, json_t *m)
{
    char p[16], label[64];
    jtext_put(b, "二、投诉处理\n");
    jtext_printf(b, "本月收到投诉 %lld 件，处理并回复 %lld 件，按时处理率 %s。", count(m, "received"), count(m, "handled"),
                 percent(json_object_get(m, "on_time_rate"), p));
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(m, "top_contents"), i, c)
        jtext_printf(b, "%s%s %lld 件", i == 0 ? "投诉较多的方面：" : "、",
                     zh("complaint_content", json_string_value(json_object_get(c, "content")), label, sizeof label),
                     count(c, "count"));
    jtext_put(b, json_array_size(json_object_get(m, "top_contents")) ? "。\n" : "\n");
    json_array_foreach(json_object_get(m, "corrective_actions"), i, c) {
        const char *content = json_string_value(json_object_get(c, "content"));
        if (i == 0)
            jtext_put(b, "整改措施：\n");
        jtext_printf(b, "- %s（%s）：%s\n", json_string_value(json_object_get(c, "number")),
                     content ? zh("complaint_content", content, label, sizeof label) : "未分类",
                     json_string_value(json_object_get(c, "corrective_action")));
    }
    jtext_put(b, "\n");
}

static void callbacks_part(struct jtext *b, json_t *k)
{
    char p[16], q[16];
    jtext_put(b, "三、回访与满意度\n");
    jtext_printf(b, "本月应回访 %lld 件，完成回访 %lld 件，回访率 %s；受访业主满意率 %s。\n\n", count(k, "due"),
                 count(k, "completed"), percent(json_object_get(k, "rate"), p),
                 percent(json_object_get(k, "satisfied_share"), q));
}

static void survey_part(struct jtext *b, json_t *s)
{
    jtext_put(b, "四、满意度调查\n");
    char p[16], q[16];
    if (json_is_true(json_object_get(s, "available")) && json_is_number(json_object_get(s, "index")))
        jtext_printf(b, "最新一次调查“%s”：客户满意度指数 %.1f，客户满意率 %s，问卷回收率 %s。\n",
                     json_string_value(json_object_get(s, "title")), json_number_value(json_object_get(s, "index")),
                     percent(json_object_get(s, "satisfaction_rate"), p), percent(json_object_get(s, "response_rate"), q));
    else if (json_is_true(json_object_get(s, "available")))
        jtext_printf(b, "最新一次调查“%s”尚无有效答卷。\n", json_string_value(json_object_get(s, "title")));
    else
        jtext_printf(b, "%s。\n", json_string_value(json_object_get(s, "note")));
}

/* month (YYYY-MM) has ended (in China, where the communities are) */
static bool month_ended(const char *month)
{
    time_t now = time(NULL) + 8 * 3600;
    struct tm t;
    gmtime_r(&now, &t);
    return atoi(month) * 12 + atoi(month + 5) < (t.tm_year + 1900) * 12 + t.tm_mon + 1;
}

/* name cut to at most max characters (UTF-8), into buf */
static const char *chars(const char *name, size_t max, char *buf, size_t len)
{
    size_t n = 0, i = 0;
    for (; name[i] != '\0' && i + 4 < len; i++) {
        if (((unsigned char)name[i] & 0xC0) != 0x80 && n++ == max)
            break;
        buf[i] = name[i];
    }
    buf[i] = '\0';
    return buf;
}

enum pd_err service_report_draft(struct db_conn *db, const char *const scope[4], const struct announcement_actor *a,
                                 const char *community, const char *month, char id_out[37], struct pd_error *e)
{
    char first[16], ids[40];
    snprintf(first, sizeof first, "%s-01", month);
    snprintf(ids, sizeof ids, "{%s}", community);
    /* the community must be the caller's: announcement_create checks it again, but the
     * figures are not computed for a community out of reach */
    const char *p[] = { scope[0], community, first };
    json_t *j = NULL;
    struct announcement_in in = { .category = "service_report", .audience = "communities", .community_ids = ids,
                                  .pinned = -1, .requires_ack = -1 };
    enum pd_err err = announcement_reachable(db, scope, &in, e);
    if (err == PD_ERR_NOT_FOUND)
        e->field = "community_id";
    if (err == PD_OK && !month_ended(month)) {
        *e = (struct pd_error){ PD_ERR_INVALID, "month", "must be a month that has ended" };
        return PD_ERR_INVALID;
    }
    if (err == PD_OK)
        err = rows_exec_one(db, &service_report_figures, 3, p, &j);
    if (err != PD_OK)
        return err;
    char title[400], short_name[260];
    const char *name = json_string_value(json_object_get(j, "community_name"));
    /* the title holds at most 100 characters: the name gets 80 */
    snprintf(title, sizeof title, "%s%.4s年%d月服务简报", chars(name ? name : "", 80, short_name, sizeof short_name),
             month, atoi(month + 5));
    struct jtext b = { 0 };
    jtext_printf(&b, "尊敬的业主：\n以下是%s%.4s年%d月的服务情况，感谢您的支持与监督。\n\n", name ? name : "", month,
                 atoi(month + 5));
    tickets_part(&b, json_object_get(j, "tickets"));
    complaints_part(&b, json_object_get(j, "complaints"));
    callbacks_part(&b, json_object_get(j, "callbacks"));
    survey_part(&b, json_object_get(j, "survey"));
    char *body = jtext_take(&b), *report = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    in.title = title;
    in.body = body;
    in.report = report;
    err = body && report ? announcement_create(db, scope, &in, a, id_out, e) : PD_ERR_NOMEM;
    free(body);
    free(report);
    return err;
}
