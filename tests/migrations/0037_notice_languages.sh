#!/usr/bin/env bash
# 0037_notice_languages on a database that has an inbox: migrates an empty database up to 0036,
# writes notifications as the code before 0037 did (fixed texts in Chinese, texts that said
# both languages, English-only ones, people's own words), applies the rest, and checks that each
# row has one language per text and its English beside it, that its two documents are the
# fresh renderings, and that a read keeps them.
#   tests/migrations/0037_notice_languages.sh BIN DATABASE_URL      (the database must be empty)
# shellcheck source=tests/migrations/lib.sh
source "$(dirname "$0")/lib.sh"
migrate_before 37

sql <<'SQL'
\set org '''10000000-0000-4000-8000-000000000001'''
\set owner '''10000000-0000-4000-8000-0000000000b1'''
INSERT INTO events (org_id, subject_type, subject_id, type, actor_role, visibility)
VALUES (:org, 'ticket', gen_random_uuid(), 'ticket.replied', 'agent', 'public');
INSERT INTO notifications (org_id, user_id, type, title, body, subject_type, subject_id, event_seq)
SELECT :org, :owner, v.*, (SELECT max(seq) FROM events) FROM (VALUES
    ('ticket.resolved', '报事已处理完成', '请确认处理结果并评价 / Please confirm the fix and rate it.', 'ticket', gen_random_uuid()),
    ('ticket.started', '维修人员已开始处理', 'The technician has started work.', 'ticket', gen_random_uuid()),
    ('ticket.dispatched', '您的报事已派工', 'A technician has been dispatched.', 'ticket', gen_random_uuid()),
    ('sla.breached', 'SLA 已超时 / SLA breached', 'BX20261130-0001 contact', 'ticket', gen_random_uuid()),
    ('ticket.commented', '物业回复了您的报事', '师傅明早九点上门', 'ticket', gen_random_uuid()),
    ('survey.opened', '满意度调查：2026年度物业服务', '请在 2026-12-31 18:00 前填写问卷', 'survey', gen_random_uuid())) AS v;
SQL

migrate_rest

row() { echo "SELECT n.title || '|' || n.body || '|' || n.title_en || '|' || n.body_en = '$2' FROM notifications n WHERE n.type = '$1'"; }
check "both languages split" "$(row ticket.resolved '报事已处理完成|请确认处理结果并评价|Your report has been resolved|Please confirm the fix and rate it.')"
check "an English body in Chinese" "$(row ticket.started '维修人员已开始处理|维修人员正在处理您的报事|The technician has started work|The technician is working on your report.')"
check "the other English body" "$(row ticket.dispatched '您的报事已派工|已安排维修人员处理|Your report has been dispatched|A technician has been dispatched.')"
check "a title that said both" "$(row sla.breached 'SLA 已超时|BX20261130-0001 contact|SLA breached|BX20261130-0001 contact')"
check "people's words as written" "$(row ticket.commented '物业回复了您的报事|师傅明早九点上门|The property office replied to your report|师傅明早九点上门')"
check "patterns keep their varying part" "$(row survey.opened '满意度调查：2026年度物业服务|请在 2026-12-31 18:00 前填写问卷|Satisfaction survey: 2026年度物业服务|Please answer by 2026-12-31 18:00 (Beijing time).')"
check "the documents are in their languages" \
    "SELECT bool_and(n.doc::jsonb->>'title' = n.title AND n.doc_en::jsonb->>'title' = n.title_en AND n.doc_en::jsonb->>'body' = n.body_en) FROM notifications n"
check "nothing stale" "SELECT count(*) = 0 FROM pd_stale_in_notifications()"
sql -c "UPDATE notifications SET read_at = now() WHERE type = 'ticket.started'"
check "a read keeps the texts and renders read_at" \
    "SELECT n.title_en = 'The technician has started work' AND n.doc_en::jsonb->>'read_at' IS NOT NULL FROM notifications n WHERE n.type = 'ticket.started'"
check "nothing stale after it" "SELECT count(*) = 0 FROM pd_stale_in_notifications()"
exit $fail
