/* Unit tests for api/zh.c: exact texts, patterns with their varying parts carried over, the
 * most specific entry winning, and texts the catalogue does not have. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "../../api/zh.h"
#include "suites.h"

/* zh_of(en) equals want (NULL: no entry). */
static void says(const char *en, const char *want)
{
    char *got = zh_of(en);
    if (want == NULL)
        ck_assert_msg(got == NULL, "%s → %s, expected none", en ? en : "(null)", got ? got : "");
    else
        ck_assert_msg(got != NULL && strcmp(got, want) == 0, "%s → %s, expected %s", en ? en : "(null)",
                      got ? got : "(none)", want);
    free(got);
}

START_TEST(test_exact)
{
    says("Bad Request", "请求无效");
    says("is required", "必填");
    says("must be an object", "须为对象");
    says("must be {name, quantity, unit_cost}", "须为 {name, quantity, unit_cost}");
}
END_TEST

START_TEST(test_patterns)
{
    says("must be 1 to 200 characters", "须为 1 至 200 个字符");
    says("must be 1 to 50 characters of UTF-8", "须为 1 至 50 个 UTF-8 字符");
    says("must be one of: repair, inquiry, help", "须为以下之一：repair, inquiry, help");
    says("must be one of rating5, single, multiple, text", "须为以下之一：rating5, single, multiple, text");
    says("must be an object {days, start, end}", "须为对象 {days, start, end}");
    says("must be {\"zh-CN\": …, \"en\": …}", "须为 {\"zh-CN\": …, \"en\": …}");
    says("is required for audience sample", "audience 为 sample 时必填");
    says("unknown field colour", "未知字段 colour");
    says("must be after opens_at", "须晚于 opens_at");
    says("must be after window_start_hours", "须大于 window_start_hours");   /* the exact entry wins */
    says("repeats another question's code", "与另一个 question 的代码重复");
    says("must be an RFC 3339 date-time such as 2026-11-22T08:00:00Z", "须为 RFC 3339 日期时间，如 2026-11-22T08:00:00Z");
}
END_TEST

START_TEST(test_unknown)
{
    says(NULL, NULL);
    says("", NULL);
    says("is required!", NULL);
    says("must be 1 to 200 characters or so", NULL);
    says("厨房漏水", NULL);
    says("must be one of", NULL);
}
END_TEST

Suite *zh_suite(void)
{
    Suite *s = suite_create("zh");
    TCase *tc = tcase_create("catalogue");
    tcase_add_test(tc, test_exact);
    tcase_add_test(tc, test_patterns);
    tcase_add_test(tc, test_unknown);
    suite_add_tcase(s, tc);
    return s;
}
