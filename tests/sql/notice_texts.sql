-- The inbox's two languages (pd_notice_text, migration 0037): fixed texts both ways, patterns
-- with their varying part carried over, people's words left alone. Run by tests/run.sh on the
-- migrated test database; an ASSERT that fails stops it (psql -v ON_ERROR_STOP=1).
DO $$
BEGIN
    ASSERT pd_notice_text('新工单已派给您', 'en') = 'A new work order is assigned to you', 'a fixed title in English';
    ASSERT pd_notice_text('新工单已派给您', 'zh') = '新工单已派给您', 'a fixed title in Chinese stays';
    ASSERT pd_notice_text('the endpoint answered 410 Gone', 'zh') = '接收端返回 410 Gone', 'an English reason in Chinese';
    ASSERT pd_notice_text('the endpoint answered 410 Gone', 'en') = 'the endpoint answered 410 Gone', 'and in English';

    ASSERT pd_notice_text('满意度调查：2026年度物业服务', 'en') = 'Satisfaction survey: 2026年度物业服务',
        'a pattern keeps its varying part';
    ASSERT pd_notice_text('【更正】【更正】停水通知', 'en') = '[Correction] 【更正】停水通知', 'once, from the start';
    ASSERT pd_notice_text('请在 2026-12-01 18:00 前填写问卷', 'en') = 'Please answer by 2026-12-01 18:00 (Beijing time).',
        'a middle part';
    ASSERT pd_notice_text('every delivery failed since 2026-11-25T08:00:00Z', 'zh') = '自 2026-11-25T08:00:00Z 起每次投递都失败',
        'a pattern the other way';
    ASSERT pd_notice_text('满意度调查：', 'en') = 'Satisfaction survey: ', 'an empty varying part';
    ASSERT pd_notice_text('请在  前填写问卷', 'en') = 'Please answer by  (Beijing time).', 'head and tail meet';
    ASSERT pd_notice_text('请在 前填写问卷', 'en') = '请在 前填写问卷', 'head and tail may not overlap';

    ASSERT pd_notice_text('厨房还在漏水 100%_', 'en') = '厨房还在漏水 100%_', 'people''s words stay as written';
    ASSERT pd_notice_text('', 'en') = '', 'an empty body';
    ASSERT pd_notice_text('新工单已派给您。', 'en') = '新工单已派给您。', 'only the exact text';
    ASSERT (SELECT count(*) FROM notice_texts WHERE en ~ '[\u4e00-\u9fff]') = 0, 'no Chinese in the English';
END
$$;
