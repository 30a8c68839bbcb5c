/* The one source of every enum the API speaks: the label table (code, zh-CN, en and, for enums
 * bound to C constants, the constant) and the enum table (derived enums, database columns).
 * Adding a code here is how a new status or category reaches apps, validation and the database
 * (`propdesk enums-sql` writes the migration; the drift test fails until it is applied and
 * openapi.yaml lists the code). Not here: what the codes mean (src/ticket_rules.c, …). */
#include <pthread.h>
#include <string.h>
#include "enums.h"
#include "log.h"
#include "pd.h"
#include "residencies.h"
#include "announcement_rules.h"
#include "callback_rules.h"
#include "complaint_rules.h"
#include "survey_rules.h"
#include "ticket_rules.h"

struct label {
    const char *enum_name, *code, *zh, *en;
    int value;  /* the C constant bound to the code (enums marked bound) */
};

static const struct label labels[] = {
    { "role", "owner", "业主", "Owner", ROLE_OWNER },
    { "role", "agent", "客服接待员", "Agent", ROLE_AGENT },
    { "role", "technician", "维修员", "Technician", ROLE_TECHNICIAN },
    { "role", "supervisor", "主管", "Supervisor", ROLE_SUPERVISOR },
    { "role", "manager", "经理", "Manager", ROLE_MANAGER },
    { "role", "quality", "品质专员", "Quality", ROLE_QUALITY },
    { "role", "admin", "管理员", "Administrator", ROLE_ADMIN },
    { "role", "integration", "集成客户端", "Integration", ROLE_INTEGRATION },
    { "actor_role", "system", "系统", "System", 0 },
    { "department", "customer_service", "客服部", "Customer service", 0 },
    { "department", "engineering", "工程部", "Engineering", 0 },
    { "department", "security", "秩序部", "Security", 0 },
    { "department", "cleaning", "保洁部", "Cleaning", 0 },
    { "department", "greening", "绿化部", "Greening", 0 },
    { "department", "quality", "品质部", "Quality", 0 },
    { "department", "management", "管理处", "Management", 0 },
    { "user_kind", "staff", "员工", "Staff", 0 },
    { "user_kind", "resident", "住户", "Resident", 0 },
    { "user_status", "active", "启用", "Active", 0 },
    { "user_status", "disabled", "停用", "Disabled", 0 },
    { "residency_relation", "owner", "业主", "Owner", 0 },
    { "residency_relation", "tenant", "租户", "Tenant", 0 },
    { "residency_relation", "family", "家属", "Family member", 0 },
    { "residency_status", "pending", "待审核", "Pending", 0 },
    { "residency_status", "verified", "已认证", "Verified", 0 },
    { "residency_status", "rejected", "已驳回", "Rejected", 0 },
    { "residency_status", "revoked", "已解除", "Revoked", 0 },
    { "residency_action", "verify", "认证", "Verify", RES_VERIFY },
    { "residency_action", "reject", "驳回", "Reject", RES_REJECT },
    { "residency_action", "revoke", "解除", "Revoke", RES_REVOKE },
    { "scope", "tickets:read", "读取报事", "Read tickets", SCOPE_TICKETS_READ },
    { "scope", "tickets:write", "创建报事", "Write tickets", SCOPE_TICKETS_WRITE },
    { "scope", "complaints:read", "读取投诉", "Read complaints", SCOPE_COMPLAINTS_READ },
    { "scope", "complaints:write", "创建投诉", "Write complaints", SCOPE_COMPLAINTS_WRITE },
    { "scope", "announcements:read", "读取公告", "Read announcements", SCOPE_ANNOUNCEMENTS_READ },
    { "scope", "surveys:read", "读取调查", "Read surveys", SCOPE_SURVEYS_READ },
    { "scope", "units:read", "读取房屋", "Read units", SCOPE_UNITS_READ },
    { "scope", "users:read", "读取用户", "Read users", SCOPE_USERS_READ },
    { "scope", "pii:read", "读取个人信息（不打码）", "Read personal data unmasked", SCOPE_PII_READ },
    { "scope", "callbacks:read", "读取回访", "Read callbacks", SCOPE_CALLBACKS_READ },
    { "record_action", "update", "修改", "Edit", 0 },
    { "record_action", "delete", "删除", "Delete", 0 },
    { "ticket_kind", "repair", "报修", "Repair", 0 },
    { "ticket_kind", "help", "求助", "Help", 0 },
    { "ticket_kind", "inquiry", "咨询", "Inquiry", 0 },
    { "ticket_category", "plumbing", "给排水", "Plumbing", 0 },
    { "ticket_category", "electrical", "电气", "Electrical", 0 },
    { "ticket_category", "elevator", "电梯", "Elevator", 0 },
    { "ticket_category", "access", "门禁门窗", "Access and doors", 0 },
    { "ticket_category", "hvac", "暖通空调", "HVAC", 0 },
    { "ticket_category", "leak", "渗漏与结构", "Leak and structure", 0 },
    { "ticket_category", "cleaning", "保洁", "Cleaning", 0 },
    { "ticket_category", "security", "安防秩序", "Security", 0 },
    { "ticket_category", "greening", "绿化", "Greening", 0 },
    { "ticket_category", "other", "其他", "Other", 0 },
    { "ticket_priority", "P1", "紧急", "Emergency", 0 },
    { "ticket_priority", "P2", "加急", "Urgent", 0 },
    { "ticket_priority", "P3", "普通", "Normal", 0 },
    { "ticket_priority", "P4", "低", "Low", 0 },
    { "ticket_status", "submitted", "已提交", "Submitted", 0 },
    { "ticket_status", "dispatched", "已派工", "Dispatched", 0 },
    { "ticket_status", "in_progress", "处理中", "In progress", 0 },
    { "ticket_status", "on_hold", "已挂起", "On hold", 0 },
    { "ticket_status", "resolved", "已处理待确认", "Resolved", 0 },
    { "ticket_status", "closed", "已关闭", "Closed", 0 },
    { "ticket_status", "cancelled", "已取消", "Cancelled", 0 },
    { "ticket_status", "reopened", "已重开", "Reopened", 0 },
    { "ticket_channel", "app", "业主App", "App", 0 },
    { "ticket_channel", "phone", "电话", "Phone", 0 },
    { "ticket_channel", "walk_in", "来访", "Walk-in", 0 },
    { "ticket_channel", "wechat", "微信", "WeChat", 0 },
    { "ticket_channel", "integration", "系统对接", "Integration", 0 },
    { "ticket_channel", "complaint", "投诉转派", "From a complaint", 0 },
    { "ticket_action", "update", "修改", "Edit", TA_UPDATE },
    { "ticket_action", "dispatch", "派工", "Dispatch", TA_DISPATCH },
    { "ticket_action", "reply", "答复", "Reply", TA_REPLY },
    { "ticket_action", "cancel", "取消", "Cancel", TA_CANCEL },
    { "ticket_action", "confirm", "确认完成", "Confirm", TA_CONFIRM },
    { "ticket_action", "reopen", "驳回重开", "Reopen", TA_REOPEN },
    { "ticket_action", "close", "关闭", "Close", TA_CLOSE },
    { "ticket_action", "comment", "评论", "Comment", TA_COMMENT },
    { "ticket_event_type", "created", "提交报事", "Reported", 0 },
    { "ticket_event_type", "updated", "修改报事", "Updated", 0 },
    { "ticket_event_type", "reclassified", "重新分类", "Reclassified", 0 },
    { "ticket_event_type", "dispatched", "派工", "Dispatched", 0 },
    { "ticket_event_type", "work_order.accept", "接单", "Order accepted", 0 },
    { "ticket_event_type", "work_order.decline", "拒单", "Order declined", 0 },
    { "ticket_event_type", "work_order.start", "开始处理", "Work started", 0 },
    { "ticket_event_type", "work_order.hold", "挂起", "Put on hold", 0 },
    { "ticket_event_type", "work_order.resume", "恢复处理", "Work resumed", 0 },
    { "ticket_event_type", "work_order.complete", "完工", "Work completed", 0 },
    { "ticket_event_type", "work_order.reassign", "改派", "Order reassigned", 0 },
    { "ticket_event_type", "work_order.cancel", "取消工单", "Order cancelled", 0 },
    { "ticket_event_type", "status_changed", "状态变更", "Status changed", 0 },
    { "ticket_event_type", "replied", "答复", "Replied", 0 },
    { "ticket_event_type", "commented", "评论", "Commented", 0 },
    { "ticket_event_type", "cancelled", "取消报事", "Cancelled", 0 },
    { "ticket_event_type", "confirmed", "业主确认", "Confirmed by the owner", 0 },
    { "ticket_event_type", "reopened", "业主驳回", "Reopened by the owner", 0 },
    { "ticket_event_type", "closed", "关闭", "Closed", 0 },
    { "ticket_event_type", "auto_closed", "自动关闭", "Closed automatically", 0 },
    { "ticket_event_type", "sla_warning", "SLA 即将超时", "SLA due soon", 0 },
    { "ticket_event_type", "followed_up", "回访不满意转投诉", "Followed up by a complaint", 0 },
    { "ticket_event_type", "sla_breached", "SLA 已超时", "SLA breached", 0 },
    { "sla_clock_state", "met", "按时达成", "Met", 0 },
    { "sla_clock_state", "met_late", "超时达成", "Met late", 0 },
    { "sla_clock_state", "breached", "已超时", "Breached", 0 },
    { "sla_clock_state", "paused", "已暂停", "Paused", 0 },
    { "sla_clock_state", "running", "计时中", "Running", 0 },
    { "work_order_status", "dispatched", "已派单", "Dispatched", 0 },
    { "work_order_status", "accepted", "已接单", "Accepted", 0 },
    { "work_order_status", "in_progress", "处理中", "In progress", 0 },
    { "work_order_status", "on_hold", "已挂起", "On hold", 0 },
    { "work_order_status", "completed", "已完工", "Completed", 0 },
    { "work_order_status", "declined", "已拒单", "Declined", 0 },
    { "work_order_status", "cancelled", "已取消", "Cancelled", 0 },
    { "dispatch_mode", "assign", "指派", "Assign", 0 },
    { "dispatch_mode", "queue", "抢单", "Queue", 0 },
    { "dispatch_mode", "auto", "自动派单", "Automatic", 0 },
    { "work_order_action", "accept", "接单", "Accept", WA_ACCEPT },
    { "work_order_action", "decline", "拒单", "Decline", WA_DECLINE },
    { "work_order_action", "start", "开始处理", "Start", WA_START },
    { "work_order_action", "hold", "挂起", "Hold", WA_HOLD },
    { "work_order_action", "resume", "恢复处理", "Resume", WA_RESUME },
    { "work_order_action", "complete", "完工", "Complete", WA_COMPLETE },
    { "work_order_action", "reassign", "改派", "Reassign", WA_REASSIGN },
    { "work_order_action", "cancel", "取消", "Cancel", WA_CANCEL },
    { "work_order_view", "mine", "我的工单", "Mine", 0 },
    { "work_order_view", "queue", "待抢工单", "Queue", 0 },
    { "work_order_view", "all", "全部工单", "All", 0 },
    { "complaint_channel", "app", "业主App", "App", 0 },
    { "complaint_channel", "phone", "电话", "Phone", 0 },
    { "complaint_channel", "visit", "来访", "Visit", 0 },
    { "complaint_channel", "letter", "信函", "Letter", 0 },
    { "complaint_channel", "wechat", "微信", "WeChat", 0 },
    { "complaint_channel", "superior", "上级转办", "Forwarded by a superior body", 0 },
    { "complaint_channel", "integration", "系统对接", "Integration", 0 },
    { "complaint_channel", "callback", "回访发现", "From a callback", 0 },
    { "complaint_status", "received", "已接收", "Received", 0 },
    { "complaint_status", "accepted", "已受理", "Accepted", 0 },
    { "complaint_status", "forwarded", "已转交", "Forwarded", 0 },
    { "complaint_status", "acknowledged", "部门已签收", "Acknowledged", 0 },
    { "complaint_status", "resolved", "已处理", "Resolved", 0 },
    { "complaint_status", "replied", "已回复", "Replied", 0 },
    { "complaint_status", "closed", "已关闭", "Closed", 0 },
    { "complaint_status", "rejected", "不予受理", "Rejected", 0 },
    { "complaint_status", "merged", "已合并", "Merged", 0 },
    { "complaint_status", "withdrawn", "已撤回", "Withdrawn", 0 },
    { "complaint_nature", "valid", "有效投诉", "Valid", 0 },
    { "complaint_nature", "communicative", "沟通性投诉", "Communicative", 0 },
    { "complaint_nature", "invalid", "无效投诉", "Invalid", 0 },
    { "complaint_communicative_kind", "help_seeking", "求助", "Help-seeking", 0 },
    { "complaint_communicative_kind", "inquiry", "咨询", "Inquiry", 0 },
    { "complaint_communicative_kind", "venting", "发泄", "Venting", 0 },
    { "complaint_content", "facilities", "设施设备", "Facilities and equipment", 0 },
    { "complaint_content", "staff_attitude", "服务态度", "Staff attitude", 0 },
    { "complaint_content", "service_quality", "服务质量", "Service quality", 0 },
    { "complaint_content", "sudden_event", "突发事件", "Sudden event", 0 },
    { "complaint_content", "fees", "收费", "Fees", 0 },
    { "complaint_content", "neighbour_dispute", "邻里纠纷", "Neighbour dispute", 0 },
    { "complaint_content", "other", "其他", "Other", 0 },
    { "complaint_severity", "major", "重大投诉", "Major", 0 },
    { "complaint_severity", "important", "重要投诉", "Important", 0 },
    { "complaint_severity", "general", "一般投诉", "General", 0 },
    { "complaint_action", "accept", "受理", "Accept", CA_ACCEPT },
    { "complaint_action", "reclassify", "重新定性", "Reclassify", CA_RECLASSIFY },
    { "complaint_action", "reject", "不予受理", "Reject", CA_REJECT },
    { "complaint_action", "forward", "转交部门", "Forward", CA_FORWARD },
    { "complaint_action", "acknowledge", "签收", "Sign for it", CA_ACKNOWLEDGE },
    { "complaint_action", "resolve", "处理完毕", "Resolve", CA_RESOLVE },
    { "complaint_action", "reply", "回复投诉人", "Reply", CA_REPLY },
    { "complaint_action", "close", "关闭", "Close", CA_CLOSE },
    { "complaint_action", "confirm", "认可回复", "Accept the reply", CA_CONFIRM },
    { "complaint_action", "dispute", "不认可回复", "Reject the reply", CA_DISPUTE },
    { "complaint_action", "withdraw", "撤回", "Withdraw", CA_WITHDRAW },
    { "complaint_action", "merge", "合并重复投诉", "Merge into another", CA_MERGE },
    { "complaint_action", "extend", "申请延期", "Ask for an extension", CA_EXTEND },
    { "complaint_action", "approve_extension", "批准延期", "Approve the extension", CA_APPROVE_EXTENSION },
    { "complaint_action", "reject_extension", "驳回延期", "Reject the extension", CA_REJECT_EXTENSION },
    { "complaint_action", "comment", "补充说明", "Comment", CA_COMMENT },
    { "complaint_action", "dispatch", "派工维修", "Dispatch work", CA_DISPATCH },
    { "reply_method", "phone", "电话", "Phone", 0 },
    { "reply_method", "visit", "上门", "Visit", 0 },
    { "reply_method", "letter", "书面", "Letter", 0 },
    { "reply_method", "in_app", "App 内", "In the app", 0 },
    { "extension_status", "pending", "待审批", "Pending", 0 },
    { "extension_status", "approved", "已批准", "Approved", 0 },
    { "extension_status", "rejected", "已驳回", "Rejected", 0 },
    { "callback_kind", "repair", "维修回访", "Repair", 0 },
    { "callback_kind", "help", "求助回访", "Help", 0 },
    { "callback_kind", "complaint", "投诉回访", "Complaint", 0 },
    { "callback_kind", "opinion", "业主意见征询", "Opinion", 0 },
    { "callback_kind", "suggestion", "意见建议", "Suggestion", 0 },
    { "callback_kind", "special_service", "特约服务", "Special service", 0 },
    { "callback_kind", "move_in", "入住回访", "Move-in", 0 },
    { "callback_kind", "other", "其他", "Other", 0 },
    { "callback_kind", "quality_sample", "月度质量抽查", "Monthly quality sample", 0 },
    { "callback_source_kind", "repair", "报修", "Repair tickets", 0 },
    { "callback_source_kind", "help", "求助", "Help tickets", 0 },
    { "callback_source_kind", "complaint", "投诉", "Complaints", 0 },
    { "callback_follow_up", "reopen", "重开报事", "Reopen the ticket", 0 },
    { "callback_follow_up", "complaint", "转为投诉", "Open a follow-up complaint", 0 },
    { "callback_follow_up", "none", "不处理", "Nothing", 0 },
    { "callback_source_type", "ticket", "报事", "Ticket", 0 },
    { "callback_source_type", "complaint", "投诉", "Complaint", 0 },
    { "callback_status", "scheduled", "待回访", "Scheduled", 0 },
    { "callback_status", "open", "回访中", "Open", 0 },
    { "callback_status", "completed", "已回访", "Completed", 0 },
    { "callback_status", "reviewed", "已审核", "Reviewed", 0 },
    { "callback_status", "failed", "回访失败", "Failed", 0 },
    { "callback_status", "cancelled", "已取消", "Cancelled", 0 },
    { "callback_method", "visit", "上门回访", "Visit", 0 },
    { "callback_method", "phone", "电话回访", "Phone", 0 },
    { "callback_method", "letter", "信函回访", "Letter", 0 },
    { "callback_method", "in_app", "App 回访", "In the app", 0 },
    { "callback_outcome", "reached", "已联系", "Reached", 0 },
    { "callback_outcome", "unreachable", "未联系上", "Unreachable", 0 },
    { "callback_outcome", "refused", "拒绝回访", "Refused", 0 },
    { "satisfaction", "very_satisfied", "非常满意", "Very satisfied", 0 },
    { "satisfaction", "satisfied", "满意", "Satisfied", 0 },
    { "satisfaction", "neutral", "一般", "Neutral", 0 },
    { "satisfaction", "dissatisfied", "不满意", "Dissatisfied", 0 },
    { "satisfaction", "very_dissatisfied", "很不满意", "Very dissatisfied", 0 },
    { "callback_action", "take", "领取", "Take", KA_TAKE },
    { "callback_action", "reassign", "改派", "Reassign", KA_REASSIGN },
    { "callback_action", "attempt", "记录回访", "Record an attempt", KA_ATTEMPT },
    { "callback_action", "request", "请业主在App评价", "Ask in the app", KA_REQUEST },
    { "callback_action", "complete", "完成回访", "Complete", KA_COMPLETE },
    { "callback_action", "respond", "业主答复", "Answer", KA_RESPOND },
    { "callback_action", "approve", "审核通过", "Approve", KA_APPROVE },
    { "callback_action", "return", "退回重做", "Return", KA_RETURN },
    { "callback_action", "cancel", "取消", "Cancel", KA_CANCEL },
    { "announcement_category", "notice", "通知", "Notice", 0 },
    { "announcement_category", "outage", "停水停电", "Outage", 0 },
    { "announcement_category", "fee_disclosure", "费用公示", "Fee disclosure", 0 },
    { "announcement_category", "service_report", "月度服务简报", "Monthly service report", 0 },
    { "announcement_category", "event", "社区活动", "Community event", 0 },
    { "announcement_category", "emergency", "紧急通知", "Emergency", 0 },
    { "announcement_category", "survey", "满意度调查", "Satisfaction survey", 0 },
    { "announcement_audience", "org", "全部小区", "The whole organisation", 0 },
    { "announcement_audience", "communities", "指定小区", "Some communities", 0 },
    { "announcement_audience", "buildings", "指定楼栋", "Some buildings", 0 },
    { "announcement_status", "draft", "草稿", "Draft", 0 },
    { "announcement_status", "scheduled", "待发布", "Scheduled", 0 },
    { "announcement_status", "published", "已发布", "Published", 0 },
    { "announcement_status", "withdrawn", "已撤回", "Withdrawn", 0 },
    { "announcement_status", "expired", "已过期", "Expired", 0 },
    { "announcement_status", "archived", "已归档", "Archived", 0 },
    { "announcement_action", "update", "编辑", "Edit", AA_UPDATE },
    { "announcement_action", "schedule", "定时发布", "Schedule", AA_SCHEDULE },
    { "announcement_action", "publish", "发布", "Publish", AA_PUBLISH },
    { "announcement_action", "withdraw", "撤回", "Withdraw", AA_WITHDRAW },
    { "announcement_action", "archive", "归档", "Archive", AA_ARCHIVE },
    { "announcement_action", "amend", "更正", "Amend", AA_AMEND },
    { "announcement_action", "ack", "确认已阅", "Acknowledge", AA_ACK },
    { "survey_question_type", "rating5", "五级评价", "Five-level rating", 0 },
    { "survey_question_type", "single", "单选", "Single choice", 0 },
    { "survey_question_type", "multiple", "多选", "Multiple choice", 0 },
    { "survey_question_type", "text", "文字意见", "Free text", 0 },
    { "survey_status", "draft", "草稿", "Draft", 0 },
    { "survey_status", "scheduled", "待开始", "Scheduled", 0 },
    { "survey_status", "open", "进行中", "Open", 0 },
    { "survey_status", "closed", "已结束", "Closed", 0 },
    { "survey_audience", "all", "全部房屋", "Every unit", 0 },
    { "survey_audience", "sample", "随机抽样", "A random sample", 0 },
    { "survey_answer_per", "unit", "每户一份", "One answer per unit", 0 },
    { "survey_answer_per", "resident", "每人一份", "One answer per resident", 0 },
    { "survey_channel", "app", "业主在线填写", "Answered in the app", 0 },
    { "survey_channel", "paper", "纸质问卷录入", "Paper questionnaire", 0 },
    { "survey_audit_verdict", "verified", "属实", "Verified", 0 },
    { "survey_audit_verdict", "void", "作弊作废", "Void", 0 },
    { "survey_template_action", "update", "修订（生成新版本）", "Revise (a new version)", 0 },
    { "survey_action", "update", "编辑", "Edit", SA_UPDATE },
    { "survey_action", "schedule", "定时开始", "Schedule", SA_SCHEDULE },
    { "survey_action", "open", "开始调查", "Open", SA_OPEN },
    { "survey_action", "close", "结束调查", "Close", SA_CLOSE },
    { "survey_action", "respond", "填写问卷", "Answer", SA_RESPOND },
    { "survey_action", "enter", "录入纸质问卷", "Enter a paper answer", SA_ENTER },
    { "survey_action", "draw_audit", "抽取复核样本", "Draw the audit sample", SA_DRAW_AUDIT },
    { "survey_action", "audit", "复核问卷", "Audit an answer", SA_AUDIT },
    { "notification_type", "webhook.disabled", "Webhook 已停用", "Webhook disabled", 0 },
    { "notification_type", "ticket.dispatched", "报事已派工", "Ticket dispatched", 0 },
    { "notification_type", "ticket.started", "维修已开始", "Work started", 0 },
    { "notification_type", "ticket.resolved", "报事已处理", "Ticket resolved", 0 },
    { "notification_type", "ticket.replied", "咨询已答复", "Inquiry answered", 0 },
    { "notification_type", "ticket.cancelled", "报事已取消", "Ticket cancelled", 0 },
    { "notification_type", "ticket.reopened", "业主驳回处理结果", "Resolution rejected", 0 },
    { "notification_type", "ticket.commented", "物业回复", "New reply", 0 },
    { "notification_type", "work_order.assigned", "新派工单", "Work order assigned", 0 },
    { "notification_type", "work_order.queued", "待抢工单", "Work order to grab", 0 },
    { "notification_type", "work_order.declined", "工单被拒", "Work order declined", 0 },
    { "notification_type", "sla.warning", "SLA 即将超时", "SLA due soon", 0 },
    { "notification_type", "sla.breached", "SLA 已超时", "SLA breached", 0 },
    { "notification_type", "complaint.received", "新投诉待受理", "New complaint", 0 },
    { "notification_type", "complaint.accepted", "重大/重要投诉", "Major or important complaint", 0 },
    { "notification_type", "complaint.forwarded", "投诉转交本部门", "Complaint forwarded to your department", 0 },
    { "notification_type", "complaint.resolved", "投诉已处理待回复", "Complaint resolved, reply due", 0 },
    { "notification_type", "complaint.replied", "投诉处理结果", "Complaint answered", 0 },
    { "notification_type", "complaint.rejected", "投诉不予受理", "Complaint not accepted", 0 },
    { "notification_type", "complaint.disputed", "投诉人不认可回复", "Reply not accepted", 0 },
    { "notification_type", "complaint.commented", "投诉有新的补充说明", "New information on a complaint", 0 },
    { "notification_type", "complaint.escalated", "投诉已升级", "Complaint escalated", 0 },
    { "notification_type", "complaint.upgraded", "投诉升级为重大", "Complaint became major", 0 },
    { "notification_type", "complaint.extension_requested", "投诉延期申请", "Extension requested", 0 },
    { "notification_type", "complaint.extension_decided", "投诉延期审批结果", "Extension decided", 0 },
    { "notification_type", "callback.assigned", "新的回访任务", "Callback assigned", 0 },
    { "notification_type", "callback.opened", "回访窗口已开始", "Callback window open", 0 },
    { "notification_type", "callback.retry_due", "该再次回访了", "Callback retry due", 0 },
    { "notification_type", "callback.failed", "回访失败", "Callback failed", 0 },
    { "notification_type", "callback.returned", "回访被退回", "Callback returned", 0 },
    { "notification_type", "callback.requested", "物业邀请您评价服务", "Your opinion is asked", 0 },
    { "notification_type", "announcement.published", "新公告", "New announcement", 0 },
    { "notification_type", "survey.opened", "邀请您参加满意度调查", "A satisfaction survey is open", 0 },
    { "event_visibility", "public", "公开", "Public", 0 },
    { "event_visibility", "internal", "内部", "Internal", 0 },
    { "holiday_kind", "holiday", "休息日", "Day off", 0 },
    { "holiday_kind", "workday", "调休上班", "Working day", 0 },
    { "attachment_type", "image/jpeg", "JPEG 图片", "JPEG image", 0 },
    { "attachment_type", "image/png", "PNG 图片", "PNG image", 0 },
    { "attachment_type", "image/webp", "WebP 图片", "WebP image", 0 },
    { "attachment_type", "application/pdf", "PDF 文档", "PDF document", 0 },
    { "stats_group_by", "category", "按类别", "By category", 0 },
    { "stats_group_by", "department", "按部门", "By department", 0 },
    { "stats_group_by", "priority", "按优先级", "By priority", 0 },
    { "stats_group_by", "day", "按日", "By day", 0 },
    { "complaint_stats_group_by", "nature", "按性质", "By nature", 0 },
    { "complaint_stats_group_by", "content", "按内容", "By content", 0 },
    { "complaint_stats_group_by", "severity", "按级别", "By severity", 0 },
    { "complaint_stats_group_by", "department", "按被投诉部门", "By department complained about", 0 },
    { "complaint_stats_group_by", "building", "按楼栋", "By building", 0 },
    { "complaint_stats_group_by", "hour", "按时段", "By hour of day", 0 },
    { "complaint_stats_group_by", "day", "按日", "By day", 0 },
    { "job_kind", "housekeeping", "例行清理", "Housekeeping", 0 },
    { "job_kind", "probe", "队列探测", "Queue probe", 0 },
    { "job_kind", "callback_retry", "回访重试提醒", "Callback retry reminder", 0 },
    { "job_kind", "callback_sample", "月度回访抽样", "Monthly callback sample", 0 },
    { "job_kind", "webhook_delivery", "Webhook 投递", "Webhook delivery", 0 },
    { "clock_name", "contact", "联系业主", "Contact", 0 },
    { "clock_name", "arrival", "到场", "On site", 0 },
    { "clock_name", "resolution", "解决", "Resolution", 0 },
    { "clock_name", "forward", "转交部门", "Forward", 0 },
    { "clock_name", "acknowledge", "部门签收", "Sign-off", 0 },
    { "clock_name", "reply", "回复投诉人", "Reply", 0 },
    { "clock_name", "window", "回访时限", "Callback window", 0 },
    { "clock_calendar", "business_hours", "工作时间", "Business hours", 0 },
    { "clock_calendar", "always", "全天候", "Around the clock", 0 },
    { "problem_code", "validation", "字段不符合要求", "Invalid input", 0 },
    { "problem_code", "unauthorized", "未认证", "Not authenticated", 0 },
    { "problem_code", "forbidden", "无权操作", "Not allowed for this role", 0 },
    { "problem_code", "not_found", "不存在或不可见", "Absent or out of reach", 0 },
    { "problem_code", "method_not_allowed", "不支持该方法", "Method not allowed", 0 },
    { "problem_code", "conflict", "与现有数据冲突", "Conflicts with existing data", 0 },
    { "problem_code", "state_conflict", "当前状态不允许此操作", "Not allowed in the current state", 0 },
    { "problem_code", "nobody_free", "没有空闲的技工", "No technician is free", 0 },
    { "problem_code", "lost_race", "已被他人先行处理", "Someone else acted first", 0 },
    { "problem_code", "stale", "数据已变更", "Changed since it was read", 0 },
    { "problem_code", "too_large", "内容过大", "Too large", 0 },
    { "problem_code", "uri_too_long", "地址过长", "URI too long", 0 },
    { "problem_code", "unsupported_media_type", "不支持的内容类型", "Unsupported media type", 0 },
    { "problem_code", "idempotency_mismatch", "幂等键已用于其他请求", "Idempotency key reused", 0 },
    { "problem_code", "throttled", "请求过多", "Too many requests", 0 },
    { "problem_code", "internal", "服务器内部错误", "Internal error", 0 },
    { "problem_code", "unavailable", "服务暂不可用", "Temporarily unavailable", 0 },
    { "oauth_error", "invalid_request", "请求无效", "Invalid request", 0 },
    { "oauth_error", "invalid_client", "客户端认证失败", "Client authentication failed", 0 },
    { "oauth_error", "invalid_grant", "授权无效", "Invalid grant", 0 },
    { "oauth_error", "unauthorized_client", "客户端无此授权", "Unauthorized client", 0 },
    { "oauth_error", "unsupported_grant_type", "不支持的授权类型", "Unsupported grant type", 0 },
    { "oauth_error", "invalid_scope", "权限范围无效", "Invalid scope", 0 },
    { "oauth_error", "temporarily_unavailable", "暂时不可用", "Temporarily unavailable", 0 },
    { "device_platform", "ios", "iOS", "iOS", 0 },
    { "device_platform", "android", "Android", "Android", 0 },
    { "device_platform", "web", "网页", "Web", 0 },
    { "webhook_action", "update", "修改", "Update", 0 },
    { "webhook_action", "delete", "删除", "Delete", 0 },
    { "webhook_action", "rotate_secret", "轮换密钥", "Rotate the secret", 0 },
    { "webhook_action", "test", "发送测试事件", "Send a test event", 0 },
    { "webhook_delivery_action", "replay", "重新投递", "Send again", 0 },
    { "webhook_delivery_status", "pending", "待投递", "Pending", 0 },
    { "webhook_delivery_status", "delivered", "已送达", "Delivered", 0 },
    { "webhook_delivery_status", "failed", "投递失败", "Failed", 0 },
    { "job_status", "pending", "待执行", "Pending", 0 },
    { "job_status", "running", "执行中", "Running", 0 },
    { "job_status", "done", "已完成", "Done", 0 },
    { "job_status", "dead", "已放弃", "Dead", 0 },
};
#define N_LABELS (sizeof labels / sizeof labels[0])

/* Every enum, in the order /v1/meta/enums lists them. A derived enum takes the codes (and
 * labels) of the enums in `from`, in order, without those in `except`, then its own rows.
 * columns: the database columns holding its codes ("table.column", "table.column[]" for
 * text[]); each gets a generated CHECK constraint. bound: its rows carry C constants.
 * internal: codes the API never speaks (the job table's): their columns get the CHECK, but
 * /v1/meta/enums and openapi.yaml leave them out. */
#define ENUM_MAX_FROM 6    /* enums a derived enum is built from */
#define ENUM_MAX_EXCEPT 6  /* codes it leaves out */
struct enum_def {
    const char *name;
    const char *from[ENUM_MAX_FROM];
    const char *except[ENUM_MAX_EXCEPT];
    const char *columns;
    bool bound, internal;
};

static const struct enum_def defs[] = {
    { .name = "role", .bound = true },
    { .name = "grant_role", .from = { "role" }, .except = { "owner", "integration" },
      .columns = "role_grants.role" },
    { .name = "comment_author_role", .from = { "role" }, .except = { "integration" },
      .columns = "ticket_comments.author_role" },
    { .name = "actor_role", .from = { "role" }, .columns = "events.actor_role" },
    { .name = "department", .columns = "departments.code" },
    { .name = "user_kind", .columns = "users.kind" },
    { .name = "user_status", .columns = "users.status" },
    { .name = "residency_relation", .columns = "residencies.relation" },
    { .name = "residency_status", .columns = "residencies.status" },
    { .name = "residency_action", .bound = true },
    { .name = "scope", .columns = "api_clients.scopes[]", .bound = true },
    { .name = "record_action" },
    { .name = "ticket_kind", .columns = "tickets.kind" },
    { .name = "ticket_category", .columns = "tickets.category sla_targets.category" },
    { .name = "ticket_priority",
      .columns = "tickets.priority tickets.requested_priority work_orders.priority sla_targets.priority" },
    { .name = "ticket_status", .columns = "tickets.status" },
    { .name = "ticket_channel", .columns = "tickets.channel" },
    { .name = "ticket_action", .bound = true },
    { .name = "ticket_event_type" },  /* the timeline's wire names (pd_ticket_timeline_type) */
    { .name = "sla_clock_state" },
    { .name = "work_order_status", .columns = "work_orders.status" },
    { .name = "complaint_channel", .columns = "complaints.channel" },
    { .name = "complaint_status", .columns = "complaints.status" },
    { .name = "complaint_nature", .columns = "complaints.nature" },
    { .name = "complaint_communicative_kind", .columns = "complaints.communicative_kind" },
    { .name = "complaint_content", .columns = "complaints.content" },
    { .name = "complaint_severity", .columns = "complaints.severity complaint_policies.severity" },
    { .name = "complaint_action", .bound = true },
    { .name = "reply_method", .columns = "complaints.reply_method" },
    { .name = "extension_status" },
    { .name = "callback_kind", .columns = "callbacks.kind" },
    /* what staff may ask for: the others are the system's */
    { .name = "callback_staff_kind", .from = { "callback_kind" },
      .except = { "repair", "help", "complaint", "quality_sample" } },
    /* what GET /v1/stats/callbacks measures a callback rate of */
    { .name = "callback_rate_kind", .from = { "callback_kind" },
      .except = { "opinion", "suggestion", "move_in", "other", "quality_sample" } },
    { .name = "callback_source_kind", .columns = "callback_policies.source_kind" },
    { .name = "callback_follow_up", .columns = "callback_policies.on_unsatisfied" },
    { .name = "callback_source_type", .columns = "callbacks.source_type" },
    { .name = "callback_status", .columns = "callbacks.status" },
    { .name = "callback_method", .columns = "callbacks.method" },
    { .name = "callback_outcome" },
    { .name = "satisfaction", .columns = "callbacks.satisfaction" },
    { .name = "callback_action", .bound = true },
    { .name = "announcement_category", .columns = "announcements.category" },
    { .name = "announcement_audience", .columns = "announcements.audience" },
    { .name = "announcement_status", .columns = "announcements.status" },
    { .name = "announcement_action", .bound = true },
    { .name = "survey_question_type" },
    { .name = "survey_status", .columns = "surveys.status" },
    { .name = "survey_audience" },
    { .name = "survey_answer_per", .columns = "surveys.answer_per" },
    { .name = "survey_channel", .columns = "survey_responses.channel" },
    { .name = "survey_audit_verdict", .columns = "survey_responses.audit_status" },
    { .name = "survey_action", .bound = true },
    { .name = "survey_template_action" },
    { .name = "ticket_event_status",
      .from = { "ticket_status", "work_order_status", "complaint_status", "callback_status", "announcement_status",
                "survey_status" },
      .columns = "events.from_status events.to_status" },
    { .name = "dispatch_mode", .columns = "work_orders.mode" },
    /* the modes that name no technician (the contract's TicketDispatchPool) */
    { .name = "dispatch_pool_mode", .from = { "dispatch_mode" }, .except = { "assign" } },
    { .name = "work_order_action", .bound = true },
    { .name = "work_order_view" },
    { .name = "notification_type", .columns = "notifications.type" },
    { .name = "event_visibility", .columns = "events.visibility" },
    { .name = "holiday_kind", .columns = "holidays.kind" },
    { .name = "attachment_type", .columns = "attachments.content_type" },
    { .name = "stats_group_by" },
    { .name = "complaint_stats_group_by" },
    { .name = "webhook_delivery_status", .columns = "webhook_outbox.status" },
    { .name = "webhook_action" },
    { .name = "device_platform", .columns = "devices.platform" },
    { .name = "oauth_error" },
    { .name = "problem_code" },
    { .name = "webhook_delivery_action" },
    { .name = "job_kind", .columns = "jobs.kind", .internal = true },
    { .name = "job_status", .columns = "jobs.status", .internal = true },
    { .name = "clock_name", .columns = "clocks.name", .internal = true },
    { .name = "clock_calendar", .columns = "clocks.calendar", .internal = true },
};
#define N_DEFS (sizeof defs / sizeof defs[0])

/* ---- the index, built once: each enum's rows and its NULL-terminated code list ----------- */

struct built {
    const struct label **rows;
    const char **codes;
    size_t n;
};

/* a derived enum holds at most the rows of the enums it is built from */
#define ROW_CAP (ENUM_MAX_FROM * N_LABELS)
static const struct label *row_store[ROW_CAP];
static const char *code_store[ROW_CAP + N_DEFS];
static struct built built[N_DEFS];
static char build_problem[200];
static pthread_once_t build_once = PTHREAD_ONCE_INIT;
static const char *const no_codes[] = { NULL };

static int def_index(const char *name)
{
    for (size_t i = 0; i < N_DEFS; i++)
        if (strcmp(defs[i].name, name) == 0)
            return (int)i;
    return -1;
}

static bool has_code(const struct built *b, const char *code)
{
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->rows[i]->code, code) == 0)
            return true;
    return false;
}

static void problem(const char *what, const char *enum_name, const char *code)
{
    if (build_problem[0] == '\0')
        snprintf(build_problem, sizeof build_problem, "%s: %s%s%s", what, enum_name, code ? " " : "",
                 code ? code : "");
}

static void build(void)
{
    size_t used = 0, codes_used = 0;
    for (size_t k = 0; k < N_DEFS; k++) {
        const struct enum_def *d = &defs[k];
        struct built *b = &built[k];
        b->rows = &row_store[used];
        if (def_index(d->name) != (int)k)
            problem("enum declared twice", d->name, NULL);
        for (int f = 0; f < ENUM_MAX_FROM && d->from[f] != NULL; f++) {
            int src = def_index(d->from[f]);
            if (src < 0 || src >= (int)k) {
                problem("derived from an enum not declared before it", d->name, d->from[f]);
                continue;
            }
            for (size_t i = 0; i < built[src].n; i++) {
                const struct label *l = built[src].rows[i];
                bool left_out = false;
                for (int e = 0; e < ENUM_MAX_EXCEPT && d->except[e] != NULL; e++)
                    left_out = left_out || strcmp(d->except[e], l->code) == 0;
                if (!left_out && !has_code(b, l->code) && used < ROW_CAP)
                    b->rows[b->n++] = l, used++;
            }
        }
        for (int e = 0; e < ENUM_MAX_EXCEPT && d->except[e] != NULL; e++) {
            bool known = false;
            for (int f = 0; f < ENUM_MAX_FROM && d->from[f] != NULL; f++) {
                int src = def_index(d->from[f]);
                known = known || (src >= 0 && src < (int)k && has_code(&built[src], d->except[e]));
            }
            if (!known)
                problem("leaves out a code its sources lack", d->name, d->except[e]);
        }
        for (size_t i = 0; i < N_LABELS; i++) {
            if (strcmp(labels[i].enum_name, d->name) != 0)
                continue;
            if (has_code(b, labels[i].code))
                problem("code listed twice", d->name, labels[i].code);
            else if (used < ROW_CAP)
                b->rows[b->n++] = &labels[i], used++;
        }
        if (used >= ROW_CAP)
            problem("index too small for", d->name, NULL);
        if (b->n == 0)
            problem("enum without codes", d->name, NULL);
        if (d->bound)
            for (size_t i = 0; i < b->n; i++)
                for (size_t j = i + 1; j < b->n; j++)
                    if (b->rows[i]->value == b->rows[j]->value)
                        problem("two codes bound to one value", d->name, b->rows[j]->code);
        b->codes = &code_store[codes_used];
        for (size_t i = 0; i < b->n; i++)
            b->codes[i] = b->rows[i]->code;
        b->codes[b->n] = NULL;
        codes_used += b->n + 1;
    }
    for (size_t i = 0; i < N_LABELS; i++)
        if (def_index(labels[i].enum_name) < 0)
            problem("code of an undeclared enum", labels[i].enum_name, labels[i].code);
}

/* The built enum named name, or NULL (logged) when there is none. */
static const struct built *find(const char *name)
{
    pthread_once(&build_once, build);
    int k = def_index(name);
    if (k < 0) {
        log_msg(LOG_ERROR, NULL, "enums - unknown enum: %s", name);
        return NULL;
    }
    return &built[k];
}

int enums_check(char *err, size_t errlen)
{
    pthread_once(&build_once, build);
    if (build_problem[0] == '\0')
        return 0;
    snprintf(err, errlen, "%s", build_problem);
    return -1;
}

const char *const *enum_codes(const char *enum_name)
{
    const struct built *b = find(enum_name);
    return b ? (const char *const *)b->codes : no_codes;
}

size_t enum_count(const char *enum_name)
{
    const struct built *b = find(enum_name);
    return b ? b->n : 0;
}

const char *enum_code(const char *enum_name, int value)
{
    const struct built *b = find(enum_name);
    for (size_t i = 0; b != NULL && i < b->n; i++)
        if (b->rows[i]->value == value)
            return b->rows[i]->code;
    return NULL;
}

bool enum_value(const char *enum_name, const char *code, int *out)
{
    const struct built *b = find(enum_name);
    for (size_t i = 0; b != NULL && code != NULL && i < b->n; i++)
        if (strcmp(b->rows[i]->code, code) == 0) {
            *out = b->rows[i]->value;
            return true;
        }
    return false;
}

/* ---- JSON: the wire (/v1/meta/enums) and the source for tools ---------------------------- */

static json_t *label_json(const char *zh, const char *en)
{
    return json_pack("{s:s, s:s}", "zh-CN", zh, "en", en);
}

json_t *enums_all(void)
{
    pthread_once(&build_once, build);
    json_t *j = json_object();
    for (size_t k = 0; k < N_DEFS; k++) {
        if (defs[k].internal)
            continue;
        json_t *j_list = json_array();
        for (size_t i = 0; i < built[k].n; i++) {
            const struct label *l = built[k].rows[i];
            json_array_append_new(j_list, json_pack("{s:s, s:o}", "code", l->code, "label",
                                                    label_json(l->zh, l->en)));
        }
        json_object_set_new(j, defs[k].name, j_list);
    }
    return j;
}

json_t *enum_label(const char *enum_name, const char *code)
{
    const struct built *b = find(enum_name);
    for (size_t i = 0; b != NULL && i < b->n; i++)
        if (strcmp(b->rows[i]->code, code) == 0)
            return label_json(b->rows[i]->zh, b->rows[i]->en);
    return label_json(code, code);
}

/* A column holding an enum: its table, its name (without "[]") and whether it is text[]. */
struct column {
    char table[64], name[64];
    bool array;
};

/* The columns of defs[k] (at most cap); returns how many. */
static int columns_of(size_t k, struct column *out, int cap)
{
    const char *s = defs[k].columns;
    int n = 0;
    while (s != NULL && *s != '\0' && n < cap) {
        size_t len = strcspn(s, " ");
        char spec[130];
        snprintf(spec, sizeof spec, "%.*s", (int)len, s);
        char *dot = strchr(spec, '.');
        if (dot != NULL) {
            *dot = '\0';
            size_t cl = strlen(dot + 1);
            out[n].array = cl > 2 && strcmp(dot + 1 + cl - 2, "[]") == 0;
            if (out[n].array)
                dot[1 + cl - 2] = '\0';
            snprintf(out[n].table, sizeof out[n].table, "%.63s", spec);
            snprintf(out[n].name, sizeof out[n].name, "%.63s", dot + 1);
            n++;
        }
        s += len;
        s += strspn(s, " ");
    }
    return n;
}

json_t *enums_source(void)
{
    pthread_once(&build_once, build);
    json_t *j = json_object();
    for (size_t k = 0; k < N_DEFS; k++) {
        json_t *j_codes = json_array(), *j_columns = json_array();
        for (size_t i = 0; i < built[k].n; i++)
            json_array_append_new(j_codes, json_string(built[k].rows[i]->code));
        struct column cols[8];
        int n = columns_of(k, cols, 8);
        for (int c = 0; c < n; c++)
            json_array_append_new(j_columns, json_sprintf("%s.%s%s", cols[c].table, cols[c].name,
                                                          cols[c].array ? "[]" : ""));
        json_object_set_new(j, defs[k].name, json_pack("{s:o, s:o, s:b}", "codes", j_codes, "columns",
                                                       j_columns, "internal", defs[k].internal));
    }
    return j;
}

/* ---- SQL: one ALTER TABLE per table, a constraint per column ----------------------------- */

/* One column's subcommands: drop the inline constraint of the first migrations and the
 * generated one, add the generated one (codes wrapped at about 100 columns). */
static void sql_constraint(FILE *out, size_t k, const struct column *c, bool last)
{
    fprintf(out, "    DROP CONSTRAINT IF EXISTS %s_%s_check,\n", c->table, c->name);
    fprintf(out, "    DROP CONSTRAINT IF EXISTS %s_%s_enum,\n", c->table, c->name);
    int width = fprintf(out, "    ADD CONSTRAINT %s_%s_enum CHECK (%s %s", c->table, c->name, c->name,
                        c->array ? "<@ ARRAY[" : "IN (");
    for (size_t i = 0; i < built[k].n; i++) {
        const char *code = built[k].rows[i]->code;
        if (i > 0)
            fputc(',', out), width++;
        if (width + (int)strlen(code) + 6 > 100)
            width = fprintf(out, "\n        ") - 1;
        else if (i > 0)
            fputc(' ', out), width++;
        fputc('\'', out);
        for (const char *p = code; *p; p++) {
            if (*p == '\'')
                fputc('\'', out), width++;  /* SQL doubles a quote */
            fputc(*p, out);
        }
        fputc('\'', out);
        width += (int)strlen(code) + 2;
    }
    fprintf(out, "%s)%s\n", c->array ? "]::text[]" : ")", last ? ";" : ",");
}

int enums_sql(FILE *out, const char *const names[], int n, char *err, size_t errlen)
{
    if (enums_check(err, errlen) != 0)
        return -1;
    bool chosen[N_DEFS] = { false };
    for (int i = 0; i < n; i++) {
        int k = def_index(names[i]);
        if (k < 0) {
            snprintf(err, errlen, "unknown enum: %s", names[i]);
            return -1;
        }
        chosen[k] = true;
    }
    struct { size_t k; struct column c; } all[64];
    int total = 0;
    for (size_t k = 0; k < N_DEFS; k++) {
        if (n > 0 && !chosen[k])
            continue;
        struct column cols[8];
        int nc = columns_of(k, cols, 8);
        for (int c = 0; c < nc && total < 64; c++)
            all[total].k = k, all[total++].c = cols[c];
    }
    fputs("-- Generated by `propdesk enums-sql", out);
    for (int i = 0; i < n; i++)
        fprintf(out, " %s", names[i]);
    fputs("` from src/enums.c, the one source of every enum:\n"
          "-- each column holding an enum's codes gets the CHECK constraint <table>_<column>_enum.\n"
          "-- Do not edit: change src/enums.c and generate the next migration.\n", out);
    bool done[64] = { false };
    for (int i = 0; i < total; i++) {
        if (done[i])
            continue;
        int last = i;
        for (int j = i; j < total; j++)
            if (strcmp(all[j].c.table, all[i].c.table) == 0)
                last = j;
        fprintf(out, "\nALTER TABLE %s\n", all[i].c.table);
        for (int j = i; j < total; j++)
            if (!done[j] && strcmp(all[j].c.table, all[i].c.table) == 0) {
                sql_constraint(out, all[j].k, &all[j].c, j == last);
                done[j] = true;
            }
    }
    return 0;
}
