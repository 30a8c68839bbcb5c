/* The Chinese catalogue of problem texts. An entry is a pattern: "{}" stands for a part of
 * the English (a number, a field name, a list of codes) carried over as it is into the "{}"
 * of the Chinese, in order. Of several entries that match, the one with the most fixed text
 * wins (an exact text over a pattern). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "zh.h"

static const char *const zh_catalogue[][2] = {
    /* titles */
    { "Bad Request", "请求无效" },
    { "Unauthorized", "未认证" },
    { "Forbidden", "无权操作" },
    { "Not Found", "不存在" },
    { "Method Not Allowed", "不支持该方法" },
    { "Conflict", "状态冲突" },
    { "Precondition Failed", "数据已变更" },
    { "Content Too Large", "内容过大" },
    { "Payload Too Large", "内容过大" },
    { "URI Too Long", "地址过长" },
    { "Unsupported Media Type", "不支持的内容类型" },
    { "Unprocessable Content", "无法处理" },
    { "Too Many Requests", "请求过多" },
    { "Internal Server Error", "服务器内部错误" },
    { "Service Unavailable", "服务暂不可用" },

    /* details */
    { "The request is invalid.", "请求无效。" },
    { "One or more fields are invalid.", "有字段不符合要求。" },
    { "Authentication is required.", "需要登录。" },
    { "A bearer access token is required.", "需要提供访问令牌（Bearer）。" },
    { "The access token is invalid or expired.", "访问令牌无效或已过期。" },
    { "The session has ended; sign in again.", "会话已结束，请重新登录。" },
    { "The refresh token is invalid, expired or revoked.", "刷新令牌无效、已过期或已撤销。" },
    { "The login or password is wrong.", "账号或密码错误。" },
    { "This account has no role yet; ask an administrator.", "该账号尚未分配角色，请联系管理员。" },
    { "Too many failed attempts; retry later.", "失败次数过多，请稍后再试。" },
    { "Too many attempts; retry later.", "尝试次数过多，请稍后再试。" },
    { "The stream ticket is unknown, used or expired.", "事件流票据无效、已使用或已过期。" },
    { "The metrics token is required.", "需要提供监控令牌。" },
    { "Your role may not do this.", "您的角色无权执行此操作。" },
    { "This client lacks the scope for this operation.", "该客户端缺少执行此操作所需的权限范围。" },
    { "Only an org-wide admin may create communities.", "只有全公司范围的管理员可以创建小区。" },
    { "Only an org-wide admin may change the policy.", "只有全公司范围的管理员可以修改时限策略。" },
    { "Only an org-wide admin may change the calendar.", "只有全公司范围的管理员可以修改工作日历。" },
    { "Only an org-wide admin may grant roles.", "只有全公司范围的管理员可以授予角色。" },
    { "Only an org-wide admin may remove roles.", "只有全公司范围的管理员可以撤销角色。" },
    { "Only an org-wide admin may manage integration clients.", "只有全公司范围的管理员可以管理集成客户端。" },
    { "Only an org-wide admin may manage webhooks.", "只有全公司范围的管理员可以管理 Webhook。" },
    { "Integration clients receive events by webhook.", "集成客户端通过 Webhook 接收事件。" },
    { "No such object.", "对象不存在。" },
    { "No such resource.", "资源不存在。" },
    { "No such documentation asset.", "文档资源不存在。" },
    { "No such unit within your reach.", "您的范围内没有该房屋。" },
    { "No such community within your reach.", "您的范围内没有该小区。" },
    { "No such complaint within your reach.", "您的范围内没有该投诉。" },
    { "No such callback within your reach.", "您的范围内没有该回访。" },
    { "No such unit (or resident) in your reach.", "您的范围内没有该房屋（或住户）。" },
    { "No resident with a verified home within your reach.", "您的范围内没有已认证房屋的该住户。" },
    { "No such staff user or community.", "没有该员工或小区。" },
    { "This resource does not support that method.", "该资源不支持此方法。" },
    { "The request conflicts with the current state.", "请求与当前状态冲突。" },
    { "The object has changed; fetch it again.", "对象已被修改，请重新获取。" },
    { "This Idempotency-Key was used with another request.", "该幂等键已用于另一个请求。" },
    { "A building with this name already exists in the community.", "该小区已有同名楼栋。" },
    { "A community with this code already exists.", "已有相同代码的小区。" },
    { "A unit with this number already exists in the building.", "该楼栋已有相同房号。" },
    { "The username, phone or email is already in use.", "用户名、手机号或邮箱已被使用。" },
    { "The change is not valid for this user (residents have no department).",
      "此修改不适用于该用户（住户不属于部门）。" },
    { "A paper questionnaire with this serial has been entered already.", "该编号的纸质问卷已录入。" },
    { "This unit (or resident) has answered this survey already.", "该房屋（或住户）已答过此问卷。" },
    { "This answer is not in the audit sample, or has its verdict already.", "该答卷不在抽查样本中，或已有审核结论。" },
    { "An anonymous survey shows no building with fewer than five answers.", "匿名问卷不显示答卷少于五份的楼栋。" },
    { "No on-duty technician of that department is free.", "该部门没有空闲的在岗技工。" },
    { "Someone else changed this work order first.", "工单已被他人先行处理。" },
    { "due_at must be later than now and than the resolution's current due time.",
      "due_at 须晚于现在，且晚于当前的处理时限。" },
    { "The body is empty.", "请求体为空。" },
    { "A JSON object body is required.", "请求体须为 JSON 对象。" },
    { "The body is not valid UTF-8.", "请求体不是有效的 UTF-8。" },
    { "The body must be a JSON object.", "请求体须为 JSON 对象。" },
    { "Send the body as application/json.", "请以 application/json 发送请求体。" },
    { "The path is longer than 2048 bytes.", "路径超过 2048 字节。" },
    { "At most 64 query parameters are accepted.", "查询参数最多 64 个。" },
    { "At most 64 query parameters and 8192 bytes of query are accepted.", "查询参数最多 64 个，查询串最多 8192 字节。" },
    { "Too many bodies are being received; retry shortly.", "正在接收的请求过多，请稍后重试。" },
    { "Too many open streams; close one or retry later.", "打开的事件流过多，请关闭一个或稍后再试。" },
    { "This user's or client's request quota for the minute is used up.", "本分钟的请求配额已用完。" },
    { "The database is unreachable.", "无法连接数据库。" },
    { "The database is unavailable; retry shortly.", "数据库暂不可用，请稍后重试。" },
    { "The database could not be asked for its migrations.", "无法查询数据库的迁移状态。" },
    { "Database migrations are not current.", "数据库迁移不是最新的。" },
    { "An unexpected error occurred.", "发生意外错误。" },

    /* field messages: the shapes of values */
    { "is required", "必填" },
    { "unknown field", "未知字段" },
    { "unknown field {}", "未知字段 {}" },
    { "may not be null", "不能为 null" },
    { "is invalid", "无效" },
    { "is not valid UTF-8", "不是有效的 UTF-8" },
    { "is not a known value", "不是已知的取值" },
    { "must be a string", "须为字符串" },
    { "must be an array", "须为数组" },
    { "must be an object", "须为对象" },
    { "must be an object {}", "须为对象 {}" },
    { "must be true or false", "须为 true 或 false" },
    { "must be a UUID", "须为 UUID" },
    { "must list UUIDs", "须列出 UUID" },
    { "must be {} to {} characters", "须为 {} 至 {} 个字符" },
    { "must be {} to {} characters of UTF-8", "须为 {} 至 {} 个 UTF-8 字符" },
    { "must be exactly {} characters", "须恰为 {} 个字符" },
    { "must be text of {} to {} characters", "须为 {} 至 {} 个字符的文本" },
    { "must not contain NUL characters", "不能包含 NUL 字符" },
    { "must not contain white space", "不能包含空白字符" },
    { "must be an integer from {} to {}", "须为 {} 至 {} 之间的整数" },
    { "must be a number from {} to {}", "须为 {} 至 {} 之间的数" },
    { "must be a number above 0 and at most 100", "须为大于 0 且不超过 100 的数" },
    { "must have {} to {} items", "须有 {} 至 {} 项" },
    { "must be one of: {}", "须为以下之一：{}" },
    { "must be one of {}", "须为以下之一：{}" },
    { "must be an RFC 3339 date-time", "须为 RFC 3339 日期时间" },
    { "must be an RFC 3339 date-time such as {}", "须为 RFC 3339 日期时间，如 {}" },
    { "is required: an RFC 3339 date-time", "必填：RFC 3339 日期时间" },
    { "from and to must be RFC 3339 date-times", "from 和 to 须为 RFC 3339 日期时间" },
    { "must be a date YYYY-MM-DD", "须为日期 YYYY-MM-DD" },
    { "must be a time HH:MM", "须为时间 HH:MM" },
    { "must be a month such as {}", "须为月份，如 {}" },
    { "must be a year from {} to {}", "须为 {} 至 {} 之间的年份" },
    { "must be an IANA time zone such as {}", "须为 IANA 时区，如 {}" },
    { "must be an email address", "须为邮箱地址" },
    { "must be {} to {} digits, optionally after '+'", "须为 {} 至 {} 位数字，可带前导 '+'" },
    { "must be {} to {} of a-z, 0-9, '.', '_' and '-'", "须为 {} 至 {} 个 a-z、0-9、'.'、'_' 或 '-' 字符" },
    { "must be {} to {} lowercase letters, digits or _, starting with a letter",
      "须为 {} 至 {} 个小写字母、数字或 _，以字母开头" },
    { "may hold only letters, digits, '-' and '_'", "只能包含字母、数字、'-' 和 '_'" },
    { "must be an ETag such as {}", "须为 ETag，如 {}" },
    { "must be a version number", "须为版本号" },
    { "must be the id of an event (a non-negative integer)", "须为事件 id（非负整数）" },
    { "is not a cursor this server issued", "不是本服务签发的游标" },
    { "must be {from, to} or null", "须为 {from, to} 或 null" },
    { "must be {name, quantity, unit_cost}", "须为 {name, quantity, unit_cost}" },
    { "must be {name, quantity > 0, unit_cost >= 0}", "须为 {name, quantity > 0, unit_cost >= 0}" },
    { "must be {{}}", "须为 {{}}" },
    { "must list {} to {} distinct ISO weekdays (1 = Monday)", "须列出 {} 至 {} 个不重复的 ISO 星期（1 = 星期一）" },
    { "must list distinct known scopes (see /v1/meta/enums)", "须列出不重复的已知权限范围（见 /v1/meta/enums）" },
    { "must list distinct event types: {}", "须列出不重复的事件类型：{}" },
    { "must be a department code (GET /v1/meta/enums)", "须为部门代码（见 GET /v1/meta/enums）" },
    { "must list department codes", "须列出部门代码" },
    { "lists a department twice", "重复列出了部门" },
    { "needs {}, {} to {} characters", "需要 {}，{} 至 {} 个字符" },

    /* field messages: order in time */
    { "must be in the future", "须为将来的时间" },
    { "is in the future", "不能是将来的时间" },
    { "must be after {}", "须晚于 {}" },
    { "must be after the window's start (and in the future)", "须晚于时间窗开始（且在将来）" },
    { "must be after window_start_hours", "须大于 window_start_hours" },
    { "must end after it starts", "结束须晚于开始" },
    { "needs from and to", "需要 from 和 to" },
    { "takes only from and to", "只接受 from 和 to" },
    { "the period is at most a year", "时段最长一年" },
    { "must be a month that has ended", "须为已结束的月份" },
    { "must be before the notice expires", "须早于通知失效时间" },
    { "must be in the future (publish to send it now)", "须为将来的时间（立即发送请用发布）" },
    { "has passed: edit the expiry first", "已过期：请先修改失效时间" },
    { "has passed: open it now, or set a later opens_at", "已过：请立即开放，或设定更晚的 opens_at" },
    { "has passed: set a later closes_at first", "已过：请先设定更晚的 closes_at" },
    { "an emergency notice must have an expiry", "紧急通知必须有失效时间" },
    { "an outage notice gives the affected window", "停水停电通知须给出影响时段" },

    /* field messages: who and where */
    { "is taken from your account", "取自您的账户，无需填写" },
    { "is already a login of another user", "已是其他用户的登录名" },
    { "a username, phone or email is required to sign in", "登录至少需要用户名、手机号或邮箱之一" },
    { "only staff belong to a department", "只有员工可属于部门" },
    { "must be a staff member's UUID", "须为员工的 UUID" },
    { "must be a staff member of this company", "须为本公司员工" },
    { "must be a staff member serving this community", "须为服务该小区的员工" },
    { "must be an active staff member serving the unit's community", "须为服务该房屋所在小区的在职员工" },
    { "must be an active technician of the department serving the community", "须为服务该小区的该部门在职技工" },
    { "names a department, a staff member or both", "须给出部门、员工或两者" },
    { "takes only department and user_id", "只接受 department 和 user_id" },
    { "names a place out of your reach", "包含您范围之外的地点" },
    { "names a community out of your reach", "包含您范围之外的小区" },
    { "names no template of yours", "不是本公司的模板" },
    { "only org-wide staff address the whole organisation", "只有全公司范围的员工可面向全公司发布" },
    { "give either unit_id, or community_id with unit_number", "请给出 unit_id，或 community_id 加 unit_number" },
    { "is required with the other", "须与另一项同时给出" },
    { "residents request bindings for themselves only", "住户只能为自己申请绑定" },
    { "is required when staff request a binding for a resident", "员工代住户申请绑定时必填" },
    { "is not one of your homes", "不是您的房屋" },
    { "is required: say which of your homes answers", "必填：请说明以哪套房屋作答" },
    { "is not an attachment you uploaded (nor one already attached here)", "不是您上传的附件（也不是此处已附的附件）" },
    { "must be an attachment UUID", "须为附件 UUID" },
    { "must list attachment UUIDs", "须列出附件 UUID" },
    { "is {} for this caller", "当前调用者只能为 {}" },
    { "internal notes are for staff", "内部备注仅限员工" },
    { "name at least one field to change", "请至少给出一个要修改的字段" },
    { "technicians see mine or queue", "技工只能查看 mine 或 queue" },
    { "mine and queue take only status and limit", "mine 和 queue 只接受 status 和 limit" },

    /* field messages: tickets and work orders */
    { "give unit_id for a home, or community_id with location for a common area",
      "住户报事请给出 unit_id，公共区域请给出 community_id 和 location" },
    { "is required for a common area", "公共区域必填" },
    { "desk intake is by phone, walk_in or wechat", "前台受理渠道须为 phone、walk_in 或 wechat" },
    { "is required when reporting for an owner", "代业主报事时必填" },
    { "is required to assign", "指派时必填" },
    { "is only for mode assign", "仅用于 mode 为 assign" },

    /* field messages: complaints */
    { "give the community complained in (or a unit_id)", "请给出投诉所在小区（或 unit_id）" },
    { "desk intake is by phone, visit, letter, wechat or superior", "前台受理渠道须为 phone、visit、letter、wechat 或 superior" },
    { "is required unless the complaint is anonymous", "非匿名投诉必填" },
    { "is required unless the complaint is anonymous or came by letter", "非匿名且非信件投诉必填" },
    { "is for complaints forwarded by a superior body (channel superior)", "仅用于上级部门转来的投诉（channel 为 superior）" },
    { "an invalid complaint is rejected (POST …/reject), not classified", "无效投诉应驳回（POST …/reject），而非定性" },
    { "is required for a communicative complaint", "沟通类投诉必填" },
    { "goes with nature communicative", "仅用于 nature 为 communicative 的投诉" },
    { "give nature, content or severity to change", "请给出要修改的 nature、content 或 severity" },

    /* field messages: callbacks and the SLA policy */
    { "give the unit or the resident to call back (one of them)", "请给出要回访的房屋或住户（二选一）" },
    { "is for a visit", "仅用于上门回访" },
    { "describes the issue to open", "请描述要开立的问题" },
    { "is required to open a ticket", "开立报事时必填" },
    { "goes with open_as ticket", "仅与 open_as ticket 一起使用" },
    { "names a callback twice", "重复列出了回访" },
    { "must list callback UUIDs", "须列出回访 UUID" },
    { "is not yours to complete now, or not one a letter answers", "当前不由您完成，或不是信件可答复的回访" },
    { "a visit needs the owner's signature: an image you uploaded for this visit",
      "上门回访需要业主签名：您为此次回访上传的图片" },
    { "give arrival_minutes, or arrival_next_day: true", "请给出 arrival_minutes，或 arrival_next_day: true" },
    { "is required: the share of sources called back, from 0 to 1", "必填：回访覆盖率，0 至 1" },
    { "a complaint's callback opens a follow-up complaint (or none)", "投诉的回访只能生成后续投诉（或不生成）" },

    /* field messages: announcements */
    { "is required for audience {}", "audience 为 {} 时必填" },
    { "is for audience {}", "仅用于 audience 为 {}" },
    { "a service report stays one, and only the report makes one", "服务报告不能改为其他类别，也只能由报告接口生成" },
    { "service reports are written by POST /v1/announcements/service-report", "服务报告由 POST /v1/announcements/service-report 生成" },

    /* field messages: surveys */
    { "is required with sample_percent", "与 sample_percent 一起必填" },
    { "is required to void an answer", "作废答卷时必填" },
    { "must be an object of answers by question code", "须为以题目代码为键的答案对象" },
    { "is not in this survey's audience (in your communities)", "不在本问卷的调查范围内（您的小区中）" },
    { "must list {} to {} sections", "须列出 {} 至 {} 个分节" },
    { "must list {} to {} questions", "须列出 {} 至 {} 道题" },
    { "must list {} to {} options {code, label}", "须列出 {} 至 {} 个选项 {code, label}" },
    { "must be a section {code, label, weight, questions}", "须为分节 {code, label, weight, questions}" },
    { "must be a question {code, label, type, weight, required, options}", "须为题目 {code, label, type, weight, required, options}" },
    { "must be an option {code, label}", "须为选项 {code, label}" },
    { "is not a field of a section", "不是分节的字段" },
    { "is not a field of a question", "不是题目的字段" },
    { "is not a question of this survey", "不是本问卷的题目" },
    { "only rating5 questions are weighed", "只有 rating5 题有权重" },
    { "only single and multiple choice questions have options", "只有单选和多选题有选项" },
    { "must hold at least one rating5 question (the index is made of them)", "至少要有一道 rating5 题（指数由其计算）" },
    { "must be the code of one of its options", "须为其选项之一的代码" },
    { "must list distinct codes of its options", "须列出不重复的选项代码" },
    { "repeats another {}'s code", "与另一个 {} 的代码重复" },

    /* field messages: webhook URLs */
    { "the URL is empty", "URL 为空" },
    { "the URL contains spaces or control characters", "URL 含有空格或控制字符" },
    { "the URL must not contain a fragment", "URL 不能包含片段（#）" },
    { "only http and https URLs are accepted", "只接受 http 和 https URL" },
    { "the URL has no host", "URL 缺少主机" },
    { "credentials in the URL are not accepted", "URL 中不能包含凭据" },
    { "the host is not a valid host name or address", "主机不是有效的主机名或地址" },
    { "the host name is too long", "主机名过长" },
    { "the port must be a number from 1 to 65535", "端口须为 1 至 65535 之间的数" },
    { "the port does not fit", "端口无效" },
    { "the host cannot be resolved", "无法解析该主机" },
    { "the host resolves to a private address", "该主机解析为内网地址" },
    { "out of memory", "内存不足" },
};

/* Whether text matches pattern. Its parts at the "{}" go to from[i], len[i] (at most
 * max); *fixed is the length of the pattern's fixed text. */
static bool match(const char *pattern, const char *text, const char *from[], size_t len[], int max, int *n,
                  size_t *fixed)
{
    const char *hole = strstr(pattern, "{}");
    size_t head = hole ? (size_t)(hole - pattern) : strlen(pattern);
    if (strncmp(text, pattern, head) != 0)
        return false;
    *fixed = head;
    *n = 0;
    const char *t = text + head;
    while (hole != NULL) {
        const char *seg = hole + 2;
        const char *next = strstr(seg, "{}");
        size_t seg_len = next ? (size_t)(next - seg) : strlen(seg);
        const char *at;
        if (next == NULL) {  /* the last fixed part ends the text */
            size_t rest = strlen(t);
            if (rest < seg_len || strcmp(t + rest - seg_len, seg) != 0)
                return false;
            at = t + rest - seg_len;
        } else {
            char want[128];
            if (seg_len == 0 || seg_len >= sizeof want)
                return false;
            memcpy(want, seg, seg_len);
            want[seg_len] = '\0';
            if ((at = strstr(t, want)) == NULL)
                return false;
        }
        if (*n == max)
            return false;
        from[*n] = t;
        len[(*n)++] = (size_t)(at - t);
        *fixed += seg_len;
        t = at + seg_len;
        hole = next;
    }
    return *t == '\0';
}

char *zh_of(const char *en)
{
    enum { MAX_PARTS = 4 };
    const char *from[MAX_PARTS], *best_from[MAX_PARTS];
    size_t len[MAX_PARTS], best_len[MAX_PARTS], fixed, best_fixed = 0;
    int n, best_n = 0;
    const char *best = NULL;
    for (size_t i = 0; en != NULL && i < sizeof zh_catalogue / sizeof zh_catalogue[0]; i++)
        if (match(zh_catalogue[i][0], en, from, len, MAX_PARTS, &n, &fixed) && (best == NULL || fixed > best_fixed)) {
            best = zh_catalogue[i][1];
            best_fixed = fixed;
            best_n = n;
            memcpy(best_from, from, sizeof from);
            memcpy(best_len, len, sizeof len);
        }
    if (best == NULL)
        return NULL;
    size_t size = strlen(best) + 1;
    for (int i = 0; i < best_n; i++)
        size += best_len[i];
    char *out = malloc(size), *o = out;
    if (out == NULL)
        return NULL;
    int part = 0;
    for (const char *z = best; *z != '\0';) {
        if (z[0] == '{' && z[1] == '}' && part < best_n) {
            memcpy(o, best_from[part], best_len[part]);
            o += best_len[part++];
            z += 2;
        } else {
            *o++ = *z++;
        }
    }
    *o = '\0';
    return out;
}
