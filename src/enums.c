/* The label table. Adding a code here is how a new status or category reaches apps. */
#include <string.h>
#include "enums.h"

struct label {
    const char *enum_name, *code, *zh, *en;
};

static const struct label labels[] = {
    { "role", "owner", "业主", "Owner" },
    { "role", "agent", "客服接待员", "Agent" },
    { "role", "technician", "维修员", "Technician" },
    { "role", "supervisor", "主管", "Supervisor" },
    { "role", "manager", "经理", "Manager" },
    { "role", "quality", "品质专员", "Quality" },
    { "role", "admin", "管理员", "Administrator" },
    { "role", "integration", "集成客户端", "Integration" },
    { "department", "customer_service", "客服部", "Customer service" },
    { "department", "engineering", "工程部", "Engineering" },
    { "department", "security", "秩序部", "Security" },
    { "department", "cleaning", "保洁部", "Cleaning" },
    { "department", "greening", "绿化部", "Greening" },
    { "department", "quality", "品质部", "Quality" },
    { "department", "management", "管理处", "Management" },
    { "user_kind", "staff", "员工", "Staff" },
    { "user_kind", "resident", "住户", "Resident" },
    { "user_status", "active", "启用", "Active" },
    { "user_status", "disabled", "停用", "Disabled" },
    { "residency_relation", "owner", "业主", "Owner" },
    { "residency_relation", "tenant", "租户", "Tenant" },
    { "residency_relation", "family", "家属", "Family member" },
    { "residency_status", "pending", "待审核", "Pending" },
    { "residency_status", "verified", "已认证", "Verified" },
    { "residency_status", "rejected", "已驳回", "Rejected" },
    { "residency_status", "revoked", "已解除", "Revoked" },
    { "scope", "tickets:read", "读取报事", "Read tickets" },
    { "scope", "tickets:write", "创建报事", "Write tickets" },
    { "scope", "complaints:read", "读取投诉", "Read complaints" },
    { "scope", "complaints:write", "创建投诉", "Write complaints" },
    { "scope", "announcements:read", "读取公告", "Read announcements" },
    { "scope", "surveys:read", "读取调查", "Read surveys" },
    { "scope", "units:read", "读取房屋", "Read units" },
    { "scope", "users:read", "读取用户", "Read users" },
    { "scope", "pii:read", "读取个人信息（不打码）", "Read personal data unmasked" },
};
#define N_LABELS (sizeof labels / sizeof labels[0])

static json_t *label_json(const char *zh, const char *en)
{
    return json_pack("{s:s, s:s}", "zh-CN", zh, "en", en);
}

json_t *enums_all(void)
{
    json_t *j = json_object();
    for (size_t i = 0; i < N_LABELS; i++) {
        json_t *j_list = json_object_get(j, labels[i].enum_name);
        if (j_list == NULL) {
            j_list = json_array();
            json_object_set_new(j, labels[i].enum_name, j_list);
        }
        json_array_append_new(j_list, json_pack("{s:s, s:o}", "code", labels[i].code, "label",
                                                label_json(labels[i].zh, labels[i].en)));
    }
    return j;
}

json_t *enum_label(const char *enum_name, const char *code)
{
    for (size_t i = 0; i < N_LABELS; i++)
        if (strcmp(labels[i].enum_name, enum_name) == 0 && strcmp(labels[i].code, code) == 0)
            return label_json(labels[i].zh, labels[i].en);
    return label_json(code, code);
}
