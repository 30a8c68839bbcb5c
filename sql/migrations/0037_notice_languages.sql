-- The inbox in the reader's language (Accept-Language: zh… → Chinese, else English). A notice
-- is stored as it was written: the fixed texts of the event spine's emitters, and people's
-- own words (a reply, a reason) as typed. Each fixed text has its two languages here; `{}`
-- stands for the part that varies (a survey's title, a time, a URL), carried over as it is.
-- Each row renders both documents on write (doc: Chinese, doc_en: English).
CREATE TABLE notice_texts (
    zh text PRIMARY KEY,
    en text NOT NULL UNIQUE,
    -- at most one varying part, on both sides or neither
    CHECK ((zh LIKE '%{}%') = (en LIKE '%{}%') AND zh NOT LIKE '%{}%{}%' AND en NOT LIKE '%{}%{}%')
);
INSERT INTO notice_texts (zh, en) VALUES
    -- tickets and work orders
    ('您的咨询已答复', 'Your inquiry has been answered'),
    ('报事已取消', 'Your report was cancelled'),
    ('业主不认可处理结果', 'The owner does not accept the fix'),
    ('物业回复了您的报事', 'The property office replied to your report'),
    ('报事已处理完成', 'Your report has been resolved'),
    ('请确认处理结果并评价', 'Please confirm the fix and rate it.'),
    ('维修人员已开始处理', 'The technician has started work'),
    ('维修人员正在处理您的报事', 'The technician is working on your report.'),
    ('新工单已派给您', 'A new work order is assigned to you'),
    ('部门有新工单待抢', 'A new work order is waiting in your department''s queue'),
    ('您的报事已派工', 'Your report has been dispatched'),
    ('已安排维修人员处理', 'A technician has been dispatched.'),
    ('工单已改派给您', 'A work order was reassigned to you'),
    ('工单被拒，需要重新派工', 'A work order was declined: dispatch it again'),
    -- deadlines (the SLA sweep)
    ('SLA 已超时', 'SLA breached'),
    ('SLA 即将超时', 'SLA due soon'),
    -- complaints
    ('新投诉待受理', 'A new complaint is waiting to be accepted'),
    ('重大投诉，请即时处理', 'Major complaint: act on it now'),
    ('重要投诉，请关注', 'Serious complaint: please follow it'),
    ('您的投诉不予受理', 'Your complaint was not accepted'),
    ('投诉已转交本部门，请签收', 'A complaint was forwarded to your department: please sign for it'),
    ('投诉已处理，请当天回复投诉人', 'A complaint is resolved: reply to the complainant today'),
    ('您的投诉有处理结果', 'Your complaint has an outcome'),
    ('投诉人不认可处理结果', 'The complainant does not accept the outcome'),
    ('投诉人补充了信息', 'The complainant added information'),
    ('物业回复了您的投诉', 'The property office replied to your complaint'),
    ('投诉处理申请延期', 'More time is asked for a complaint'),
    ('延期申请已批准', 'The extension was approved'),
    ('延期申请被驳回', 'The extension was refused'),
    ('投诉处理超时，已升级', 'A complaint is overdue and was escalated'),
    ('投诉超过30天未解决，已升级为重大投诉', 'A complaint unsolved for 30 days is now major'),
    -- callbacks
    ('新的回访任务', 'A new callback task'),
    ('新的投诉回访任务', 'A new complaint callback task'),
    ('月度维修质量抽查回访', 'A monthly repair-quality callback'),
    ('回访任务已改派给您', 'A callback task was reassigned to you'),
    ('回访失败', 'A callback failed'),
    ('请确认物业上门回访并评价', 'Please confirm our follow-up visit and rate it'),
    ('物业邀请您评价服务', 'Please rate our service'),
    ('回访被退回，请重新回访', 'A callback was returned: please call again'),
    ('回访窗口已开始', 'A callback''s window has opened'),
    ('该再次回访了', 'Time to call again'),
    -- announcements and surveys
    ('【更正】{}', '[Correction] {}'),
    ('满意度调查：{}', 'Satisfaction survey: {}'),
    ('请在 {} 前填写问卷', 'Please answer by {} (Beijing time).'),
    -- webhooks (their reasons were written in English)
    ('Webhook 已停用：{}', 'Webhook disabled: {}'),
    ('接收端返回 410 Gone', 'the endpoint answered 410 Gone'),
    ('自 {} 起每次投递都失败', 'every delivery failed since {}');

-- t in lang ('zh' or 'en'): the other side of the catalogue when t is one of its texts (with
-- its `{}` part filled), else t itself. An exact text wins over a pattern, a longer pattern
-- over a shorter one.
CREATE FUNCTION pd_notice_text(t text, lang text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT coalesce((
    SELECT CASE WHEN m.head IS NULL THEN m.target
                ELSE replace(m.target, '{}', substr(t, length(m.head) + 1, length(t) - length(m.head) - length(m.tail)))
           END
    FROM notice_texts c
    CROSS JOIN LATERAL (SELECT CASE lang WHEN 'en' THEN c.zh ELSE c.en END AS source,
                               CASE lang WHEN 'en' THEN c.en ELSE c.zh END AS target) s
    CROSS JOIN LATERAL (SELECT s.target,
                               CASE WHEN s.source LIKE '%{}%' THEN split_part(s.source, '{}', 1) END AS head,
                               CASE WHEN s.source LIKE '%{}%' THEN split_part(s.source, '{}', 2) END AS tail) m
    WHERE (m.head IS NULL AND t = s.source)
       OR (m.head IS NOT NULL AND length(t) >= length(m.head) + length(m.tail)
           AND starts_with(t, m.head) AND right(t, length(m.tail)) = m.tail)
    ORDER BY m.head IS NULL DESC, length(s.source) DESC
    LIMIT 1), t)
$$;

-- A row's texts are translated once, when written (title and body in Chinese, title_en and
-- body_en in English); its two documents are rendered from them on every write.
ALTER TABLE notifications ADD COLUMN title_en text, ADD COLUMN body_en text, ADD COLUMN doc_en text;

CREATE FUNCTION pd_notification_json(n notifications, lang text) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object('id', n.id, 'type', n.type, 'ticket_id', n.ticket_id,
    'work_order_id', n.work_order_id, 'subject_type', n.subject_type, 'subject_id', n.subject_id,
    'event_id', n.event_seq, 'title', CASE lang WHEN 'en' THEN n.title_en ELSE n.title END,
    'body', CASE lang WHEN 'en' THEN n.body_en ELSE n.body END,
    'read_at', pd_ts(n.read_at), 'created_at', pd_ts(n.created_at))
$$;

CREATE OR REPLACE FUNCTION pd_notification_render() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.title_en IS NULL OR NEW.body_en IS NULL
       OR NEW.title IS DISTINCT FROM OLD.title OR NEW.body IS DISTINCT FROM OLD.body THEN
        NEW.title_en := pd_notice_text(NEW.title, 'en');
        NEW.body_en := pd_notice_text(NEW.body, 'en');
        NEW.title := pd_notice_text(NEW.title, 'zh');
        NEW.body := pd_notice_text(NEW.body, 'zh');
    END IF;
    NEW.doc := pd_notification_json(NEW, 'zh')::text;
    NEW.doc_en := pd_notification_json(NEW, 'en')::text;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION pd_stale_in_notifications() RETURNS SETOF uuid
LANGUAGE sql STABLE AS $$
SELECT n.id FROM notifications n WHERE n.doc IS DISTINCT FROM pd_notification_json(n, 'zh')::text
   OR n.doc_en IS DISTINCT FROM pd_notification_json(n, 'en')::text
   OR n.title IS DISTINCT FROM pd_notice_text(n.title, 'zh') OR n.title_en IS DISTINCT FROM pd_notice_text(n.title, 'en')
   OR n.body IS DISTINCT FROM pd_notice_text(n.body, 'zh') OR n.body_en IS DISTINCT FROM pd_notice_text(n.body, 'en')
$$;

DROP FUNCTION pd_notification_json(notifications);

-- The push message (notification.created) carries both languages: the gateway picks by the
-- device's locale.
CREATE OR REPLACE FUNCTION pd_webhook_data_notification(e events) RETURNS jsonb LANGUAGE sql STABLE AS $$
SELECT jsonb_build_object(
    'notification', jsonb_build_object('id', n.id, 'user_id', n.user_id, 'type', n.type,
        'title', n.title, 'body', n.body, 'title_en', n.title_en, 'body_en', n.body_en,
        'subject_type', n.subject_type, 'subject_id', n.subject_id, 'created_at', pd_ts(n.created_at)),
    'devices', coalesce((SELECT jsonb_agg(jsonb_build_object('platform', d.platform, 'token', d.token,
        'app_id', d.app_id) ORDER BY d.created_at, d.id)
        FROM devices d WHERE d.org_id = n.org_id AND d.user_id = n.user_id), '[]'))
FROM notifications n WHERE n.org_id = e.org_id AND n.id = e.subject_id
$$;

-- The rows already there, translated and rendered in one pass; one language per text from
-- now on (these said both).
UPDATE notifications SET
    title = CASE title WHEN 'SLA 已超时 / SLA breached' THEN 'SLA 已超时'
                       WHEN 'SLA 即将超时 / SLA due soon' THEN 'SLA 即将超时' ELSE title END,
    body = CASE body WHEN '请确认处理结果并评价 / Please confirm the fix and rate it.' THEN '请确认处理结果并评价'
                     WHEN 'The technician has started work.' THEN '维修人员正在处理您的报事' ELSE body END;
ALTER TABLE notifications ALTER COLUMN title_en SET NOT NULL, ALTER COLUMN body_en SET NOT NULL,
    ALTER COLUMN doc_en SET NOT NULL;
