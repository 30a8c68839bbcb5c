-- The satisfaction index arithmetic (pd_survey_summary, migration 0029), on figures given here:
-- weights within and across sections, questions and sections nobody answered, all-same
-- answers, and the scores of a sheet. Run by tests/run.sh on the migrated test database; an
-- ASSERT that fails stops it (psql -v ON_ERROR_STOP=1).
DO $$
DECLARE
    r jsonb;
    -- (section, section weight, question weight, sum of scores, answers, satisfied)
    s pd_survey_stat[];
BEGIN
    -- one section, equal weights: the mean of the question means
    r := pd_survey_summary(ARRAY[ROW('a', 1, 1, 200, 2, 2), ROW('a', 1, 1, 50, 1, 0)]::pd_survey_stat[]);
    ASSERT (r->>'index')::numeric = 75.00, format('equal weights: %s', r);
    ASSERT (r->>'satisfaction_rate')::numeric = 0.6667, format('rate over answers: %s', r);
    ASSERT (r->>'answers')::int = 3, format('answers: %s', r);

    -- weights within a section: (87.5 * 1 + 50 * 3) / 4 = 59.375
    r := pd_survey_summary(ARRAY[ROW('a', 1, 1, 175, 2, 2), ROW('a', 1, 3, 50, 1, 0)]::pd_survey_stat[]);
    ASSERT (r->>'index')::numeric = 59.38, format('question weights: %s', r);

    -- weights across sections: a at 100 weighs 3, b at 0 weighs 1 → 75
    r := pd_survey_summary(ARRAY[ROW('a', 3, 1, 100, 1, 1), ROW('b', 1, 1, 0, 1, 0)]::pd_survey_stat[]);
    ASSERT (r->>'index')::numeric = 75.00, format('section weights: %s', r);
    ASSERT (r->'sections'->0->>'code') = 'a' AND (r->'sections'->0->>'index')::numeric = 100, format('a section: %s', r);

    -- a question nobody answered counts for nothing; neither does a section
    s := ARRAY[ROW('a', 1, 1, 150, 2, 2), ROW('a', 1, 5, 0, 0, 0), ROW('b', 9, 1, 0, 0, 0)]::pd_survey_stat[];
    r := pd_survey_summary(s);
    ASSERT (r->>'index')::numeric = 75.00, format('missing answers: %s', r);
    ASSERT jsonb_array_length(r->'sections') = 1, format('the unanswered section is left out: %s', r);

    -- all the same answers: the index is that level's score, at every level
    FOR lvl IN 0..4 LOOP
        r := pd_survey_summary(ARRAY[ROW('a', 2, 1, 10 * lvl * 25, 10, CASE WHEN lvl >= 3 THEN 10 ELSE 0 END),
                                     ROW('b', 1, 4, 7 * lvl * 25, 7, CASE WHEN lvl >= 3 THEN 7 ELSE 0 END)]::pd_survey_stat[]);
        ASSERT (r->>'index')::numeric = lvl * 25, format('all at %s: %s', lvl * 25, r);
        ASSERT (r->>'satisfaction_rate')::numeric = CASE WHEN lvl >= 3 THEN 1 ELSE 0 END, format('rate at %s: %s', lvl * 25, r);
    END LOOP;

    -- nothing answered at all: no index, no rate
    r := pd_survey_summary('{}');
    ASSERT r->'index' = 'null' AND r->'satisfaction_rate' = 'null' AND (r->>'answers')::int = 0, format('empty: %s', r);

    -- a sheet's scores: the levels 100/75/50/25/0 by the rating questions' order, NULL unanswered
    ASSERT pd_survey_scores(pd_survey_default_sections(), '{"cs_attitude": "very_satisfied", "cs_timeliness": "satisfied",
        "cs_effectiveness": "neutral", "eng_maintenance": "dissatisfied", "eng_repair_timeliness": "very_dissatisfied"}')
        = ARRAY[100, 75, 50, 25, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL]::smallint[],
        'scores of a sheet';
    -- the default questionnaire passes its own checks
    ASSERT NOT EXISTS (SELECT 1 FROM pd_survey_template_problems(pd_survey_default_sections())), 'the default template is valid';
    RAISE NOTICE 'survey index arithmetic: all assertions hold';
END
$$;
