-- A campaign of the default questionnaire over a community of :count units (50 buildings),
-- every unit answered: 70% in the app, 30% on paper collected by the demo agent, each rating
-- at a random level (skewed towards satisfied), the optional ones answered half the time,
-- a text answer one time in ten. Run by tests/bench/surveys.sh on a demo-seeded database.
\set org '10000000-0000-4000-8000-000000000001'
\set community '10000000-0000-4000-8000-0000000000e9'
\set survey '10000000-0000-4000-8000-0000000000f9'
SELECT setseed(0.12);
INSERT INTO communities (org_id, id, name, code) VALUES (:'org', :'community', '调查基准小区', 'BENCH');
INSERT INTO buildings (org_id, id, community_id, name)
SELECT :'org', md5('bench-building' || b)::uuid, :'community', b || '号楼' FROM generate_series(1, 50) b;
INSERT INTO units (org_id, community_id, building_id, number)
SELECT :'org', :'community', md5('bench-building' || (u % 50 + 1))::uuid, (u % 50 + 1) || '-' || (u / 50 + 1)
FROM generate_series(0, :count - 1) u;
INSERT INTO surveys (org_id, id, title, template_id, template_version, community_ids, opens_at, closes_at, sample_seed,
                     status, opened_at)
SELECT :'org', :'survey', '基准调查', t.id, t.version, ARRAY[:'community']::uuid[], now() - interval '1 day',
       now() + interval '30 days', 1, 'open', now()
FROM survey_templates t WHERE t.org_id = :'org' AND t.is_default;
SELECT pd_survey_opened(:'org', :'survey', NULL, 'system', 'draft');
WITH t AS (SELECT sections FROM survey_templates WHERE org_id = :'org' AND is_default),
q AS (SELECT q.* FROM t, pd_survey_questions(t.sections) q),
a AS (
    SELECT g.unit_id, g.community_id, g.building_id, row_number() OVER (ORDER BY g.unit_id) AS k,
           (SELECT jsonb_object_agg(q.code, CASE WHEN q.type = 'text' THEN to_jsonb('希望改进停车管理'::text)
                       ELSE to_jsonb((ARRAY['very_satisfied', 'satisfied', 'satisfied', 'neutral', 'dissatisfied',
                                            'very_dissatisfied'])[1 + floor(random() * 6)::int]) END)
            FROM q WHERE q.required OR (q.type = 'rating5' AND random() < 0.5) OR (q.type = 'text' AND random() < 0.1)
              AND g.unit_id IS NOT NULL) AS answers
    FROM survey_targets g WHERE g.org_id = :'org' AND g.survey_id = :'survey')
INSERT INTO survey_responses (org_id, id, survey_id, unit_id, community_id, building_id, answer_key, channel, collector_id,
                              collected_at, serial, answers, scores)
SELECT :'org', gen_random_uuid(), :'survey', a.unit_id, a.community_id, a.building_id, a.unit_id::text,
       CASE WHEN a.k % 10 < 3 THEN 'paper' ELSE 'app' END,
       CASE WHEN a.k % 10 < 3 THEN '10000000-0000-4000-8000-0000000000a2'::uuid END,
       CASE WHEN a.k % 10 < 3 THEN now() - interval '1 hour' END,
       CASE WHEN a.k % 10 < 3 THEN 'B-' || a.k END, a.answers, pd_survey_scores(t.sections, a.answers)
FROM a, t;
