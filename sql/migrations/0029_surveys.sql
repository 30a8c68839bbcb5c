-- Satisfaction surveys (满意度调查, DESIGN §10). Templates are versioned: a campaign freezes
-- the version it uses. A campaign targets units of some communities (all of them, or a
-- sample drawn reproducibly from its recorded seed), opens and closes on its window, and
-- takes one answer per unit (or per resident): from an owner in the app or from a paper
-- questionnaire an agent enters. The quality department audits a recorded 5% sample of the
-- paper answers per community and voids the fraudulent ones. Results are computed here.

-- A rating's score: 非常满意 100, 满意 75, 一般 50, 不满意 25, 很不满意 0 (the levels are the
-- enum `satisfaction`).
CREATE FUNCTION pd_survey_level_score(level text) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE level WHEN 'very_satisfied' THEN 100 WHEN 'satisfied' THEN 75 WHEN 'neutral' THEN 50
                  WHEN 'dissatisfied' THEN 25 WHEN 'very_dissatisfied' THEN 0 END::smallint
$$;

CREATE TABLE survey_templates (
    org_id       uuid NOT NULL REFERENCES orgs (id),
    id           uuid NOT NULL,
    version      integer NOT NULL CHECK (version > 0),
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    description  text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    -- [{code, label: {zh-CN, en?}, weight, questions: [{code, label, type, weight, required,
    --   options: [{code, label}]}]}], as pd_survey_template_problems admits it
    sections     jsonb NOT NULL,
    is_default   boolean NOT NULL DEFAULT false,
    latest       boolean NOT NULL DEFAULT true,   -- the template's newest version
    created_by   uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id, version)
);
CREATE UNIQUE INDEX survey_templates_latest ON survey_templates (org_id, id) WHERE latest;
CREATE INDEX survey_templates_list ON survey_templates (org_id, created_at DESC, id DESC) WHERE latest;

-- The questions of a template's sections in their order; rating_ord numbers the rating5
-- questions (the index into survey_responses.scores). A question is required unless it says
-- otherwise, a text one optional.
CREATE FUNCTION pd_survey_questions(p_sections jsonb)
RETURNS TABLE (ord integer, section text, section_label text, section_weight numeric, code text, label text,
               type text, weight numeric, required boolean, options jsonb, rating_ord integer)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT (row_number() OVER w)::int, s.s->>'code', s.s->'label'->>'zh-CN', (s.s->>'weight')::numeric, q.q->>'code',
       q.q->'label'->>'zh-CN', q.q->>'type', (q.q->>'weight')::numeric,
       coalesce((q.q->>'required')::boolean, q.q->>'type' <> 'text'), coalesce(q.q->'options', '[]'),
       CASE WHEN q.q->>'type' = 'rating5' THEN (count(*) FILTER (WHERE q.q->>'type' = 'rating5') OVER w)::int END
FROM jsonb_array_elements(p_sections) WITH ORDINALITY AS s (s, so)
CROSS JOIN LATERAL jsonb_array_elements(s.s->'questions') WITH ORDINALITY AS q (q, qo)
WINDOW w AS (ORDER BY s.so, q.qo)
$$;

-- ---- what a template and an answer sheet may say ----------------------------------------

-- What is wrong with a code (NULL: nothing): its shape, or that it repeats one of taken (the
-- codes of its kind so far: what, e.g. 'section').
CREATE FUNCTION pd_survey_bad_code(v jsonb, taken text[], what text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE WHEN jsonb_typeof(v) IS DISTINCT FROM 'string' OR (v #>> '{}') !~ '^[a-z][a-z0-9_]{0,39}$'
            THEN 'must be 1 to 40 lowercase letters, digits or _, starting with a letter'
            WHEN (v #>> '{}') = ANY (taken) THEN format('repeats another %s''s code', what) END
$$;

CREATE FUNCTION pd_survey_bad_label(v jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE WHEN jsonb_typeof(v) IS DISTINCT FROM 'object' THEN 'must be {"zh-CN": …, "en": …}'
            WHEN jsonb_typeof(v->'zh-CN') IS DISTINCT FROM 'string' OR char_length(v->>'zh-CN') NOT BETWEEN 1 AND 200
                THEN 'needs zh-CN, 1 to 200 characters'
            WHEN v ? 'en' AND (jsonb_typeof(v->'en') <> 'string' OR char_length(v->>'en') NOT BETWEEN 1 AND 200)
                THEN 'en must be 1 to 200 characters'
            WHEN EXISTS (SELECT 1 FROM jsonb_object_keys(v) k WHERE k NOT IN ('zh-CN', 'en'))
                THEN 'has only zh-CN and en' END
$$;

CREATE FUNCTION pd_survey_bad_weight(v jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE WHEN jsonb_typeof(v) = 'number' AND (v #>> '{}')::numeric > 0 AND (v #>> '{}')::numeric <= 100 THEN NULL
            ELSE 'must be a number above 0 and at most 100' END
$$;

CREATE FUNCTION pd_survey_unknown(v jsonb, known text[]) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT k FROM jsonb_object_keys(v) k WHERE k <> ALL (known) ORDER BY k
$$;

-- Every problem of a template's sections, each with the field it is about
-- (sections[0].questions[2].weight); none for a good one.
CREATE FUNCTION pd_survey_template_problems(p jsonb) RETURNS TABLE (field text, message text)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    s jsonb; q jsonb; o jsonb; f text; fq text; k text; bad text;
    si int := 0; qi int; oi int; ratings int := 0;
    section_codes text[] := '{}'; question_codes text[] := '{}'; option_codes text[];
BEGIN
    IF jsonb_typeof(p) IS DISTINCT FROM 'array' OR jsonb_array_length(p) NOT BETWEEN 1 AND 20 THEN
        RETURN QUERY SELECT 'sections', 'must list 1 to 20 sections';
        RETURN;
    END IF;
    FOR s IN SELECT x FROM jsonb_array_elements(p) x LOOP
        f := format('sections[%s]', si);
        si := si + 1;
        IF jsonb_typeof(s) <> 'object' THEN
            RETURN QUERY SELECT f, 'must be a section {code, label, weight, questions}';
            CONTINUE;
        END IF;
        FOR k IN SELECT pd_survey_unknown(s, '{code,label,weight,questions}') LOOP
            RETURN QUERY SELECT f || '.' || k, 'is not a field of a section';
        END LOOP;
        bad := pd_survey_bad_code(s->'code', section_codes, 'section');
        IF bad IS NOT NULL THEN RETURN QUERY SELECT f || '.code', bad; END IF;
        section_codes := section_codes || (s->>'code');
        bad := pd_survey_bad_label(s->'label');
        IF bad IS NOT NULL THEN RETURN QUERY SELECT f || '.label', bad; END IF;
        bad := pd_survey_bad_weight(s->'weight');
        IF bad IS NOT NULL THEN RETURN QUERY SELECT f || '.weight', bad; END IF;
        IF jsonb_typeof(s->'questions') IS DISTINCT FROM 'array' OR jsonb_array_length(s->'questions') NOT BETWEEN 1 AND 50 THEN
            RETURN QUERY SELECT f || '.questions', 'must list 1 to 50 questions';
            CONTINUE;
        END IF;
        qi := 0;
        FOR q IN SELECT x FROM jsonb_array_elements(s->'questions') x LOOP
            fq := format('%s.questions[%s]', f, qi);
            qi := qi + 1;
            IF jsonb_typeof(q) <> 'object' THEN
                RETURN QUERY SELECT fq, 'must be a question {code, label, type, weight, required, options}';
                CONTINUE;
            END IF;
            FOR k IN SELECT pd_survey_unknown(q, '{code,label,type,weight,required,options}') LOOP
                RETURN QUERY SELECT fq || '.' || k, 'is not a field of a question';
            END LOOP;
            bad := pd_survey_bad_code(q->'code', question_codes, 'question');
            IF bad IS NOT NULL THEN RETURN QUERY SELECT fq || '.code', bad; END IF;
            question_codes := question_codes || (q->>'code');
            bad := pd_survey_bad_label(q->'label');
            IF bad IS NOT NULL THEN RETURN QUERY SELECT fq || '.label', bad; END IF;
            IF q ? 'required' AND jsonb_typeof(q->'required') <> 'boolean' THEN
                RETURN QUERY SELECT fq || '.required', 'must be true or false';
            END IF;
            IF jsonb_typeof(q->'type') IS DISTINCT FROM 'string' OR q->>'type' NOT IN ('rating5', 'single', 'multiple', 'text') THEN
                RETURN QUERY SELECT fq || '.type', 'must be one of rating5, single, multiple, text';
                CONTINUE;
            END IF;
            IF q->>'type' = 'rating5' THEN
                ratings := ratings + 1;
                bad := pd_survey_bad_weight(q->'weight');
                IF bad IS NOT NULL THEN
                    RETURN QUERY SELECT fq || '.weight', bad;
                END IF;
            ELSIF q ? 'weight' THEN
                RETURN QUERY SELECT fq || '.weight', 'only rating5 questions are weighed';
            END IF;
            IF q->>'type' IN ('single', 'multiple') THEN
                IF jsonb_typeof(q->'options') IS DISTINCT FROM 'array' OR jsonb_array_length(q->'options') NOT BETWEEN 2 AND 20 THEN
                    RETURN QUERY SELECT fq || '.options', 'must list 2 to 20 options {code, label}';
                    CONTINUE;
                END IF;
                oi := 0;
                option_codes := '{}';
                FOR o IN SELECT x FROM jsonb_array_elements(q->'options') x LOOP
                    IF jsonb_typeof(o) <> 'object' OR EXISTS (SELECT pd_survey_unknown(o, '{code,label}')) THEN
                        RETURN QUERY SELECT format('%s.options[%s]', fq, oi), 'must be an option {code, label}';
                    ELSE
                        bad := pd_survey_bad_code(o->'code', option_codes, 'option');
                        IF bad IS NOT NULL THEN RETURN QUERY SELECT format('%s.options[%s].code', fq, oi), bad; END IF;
                        option_codes := option_codes || (o->>'code');
                        bad := pd_survey_bad_label(o->'label');
                        IF bad IS NOT NULL THEN
                            RETURN QUERY SELECT format('%s.options[%s].label', fq, oi), bad;
                        END IF;
                    END IF;
                    oi := oi + 1;
                END LOOP;
            ELSIF q ? 'options' AND q->'options' <> '[]' THEN
                RETURN QUERY SELECT fq || '.options', 'only single and multiple choice questions have options';
            END IF;
        END LOOP;
    END LOOP;
    IF ratings = 0 THEN
        RETURN QUERY SELECT 'sections', 'must hold at least one rating5 question (the index is made of them)';
    END IF;
END
$$;

-- A template's sections as stored: required made explicit, options present (empty for
-- rating5 and text), unweighed questions without a weight.
CREATE FUNCTION pd_survey_sections_normalized(p jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT jsonb_agg(jsonb_build_object('code', s->>'code', 'label', s->'label', 'weight', s->'weight',
    'questions', (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object('code', q->>'code', 'label', q->'label',
                      'type', q->>'type', 'weight', q->'weight',
                      'required', coalesce((q->>'required')::boolean, q->>'type' <> 'text'))) ||
                      jsonb_build_object('options', coalesce(q->'options', '[]')) ORDER BY qo)
                  FROM jsonb_array_elements(s->'questions') WITH ORDINALITY AS x (q, qo))) ORDER BY so)
FROM jsonb_array_elements(p) WITH ORDINALITY AS y (s, so)
$$;

-- Every problem of an answer sheet against a template's sections: answers.<code> for what
-- is missing, unknown or not an answer to its question.
CREATE FUNCTION pd_survey_answer_problems(p_sections jsonb, p_answers jsonb) RETURNS TABLE (field text, message text)
LANGUAGE sql IMMUTABLE AS $$
SELECT * FROM (
SELECT 'answers.' || k AS field, 'is not a question of this survey' AS message
FROM jsonb_object_keys(p_answers) k
WHERE NOT EXISTS (SELECT 1 FROM pd_survey_questions(p_sections) q WHERE q.code = k)
UNION ALL
SELECT 'answers.' || q.code,
       CASE WHEN v IS NULL OR v = 'null' THEN CASE WHEN q.required THEN 'is required' END
            WHEN q.type = 'rating5' THEN
                CASE WHEN jsonb_typeof(v) <> 'string' OR pd_survey_level_score(v #>> '{}') IS NULL
                     THEN 'must be one of very_satisfied, satisfied, neutral, dissatisfied, very_dissatisfied' END
            WHEN q.type = 'single' THEN
                CASE WHEN jsonb_typeof(v) <> 'string' OR NOT q.options @> jsonb_build_array(jsonb_build_object('code', v))
                     THEN 'must be the code of one of its options' END
            WHEN q.type = 'multiple' THEN
                CASE WHEN jsonb_typeof(v) <> 'array' OR jsonb_array_length(v) = 0
                          OR EXISTS (SELECT 1 FROM jsonb_array_elements(v) e
                                     WHERE NOT q.options @> jsonb_build_array(jsonb_build_object('code', e)))
                          OR (SELECT count(DISTINCT e) FROM jsonb_array_elements(v) e) <> jsonb_array_length(v)
                     THEN 'must list distinct codes of its options' END
            ELSE CASE WHEN jsonb_typeof(v) <> 'string' OR char_length(v #>> '{}') NOT BETWEEN 1 AND 2000
                      THEN 'must be text of 1 to 2000 characters' END END
FROM pd_survey_questions(p_sections) q, LATERAL (SELECT p_answers->q.code) a (v)) p
WHERE p.message IS NOT NULL ORDER BY 1
$$;

-- The rating answers of a sheet as scores, by rating_ord (NULL: not answered).
CREATE FUNCTION pd_survey_scores(p_sections jsonb, p_answers jsonb) RETURNS smallint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT ARRAY(SELECT pd_survey_level_score(p_answers->>q.code) FROM pd_survey_questions(p_sections) q
             WHERE q.type = 'rating5' ORDER BY q.rating_ord)
$$;

-- ---- the index arithmetic -----------------------------------------------------------------

-- What a slice of answers holds for one rating question: its section and their weights, the
-- sum of its scores, how many answered it and how many of them were satisfied (the top two
-- levels).
CREATE TYPE pd_survey_stat AS (section text, section_weight numeric, weight numeric, total numeric, n bigint, sat bigint);

-- The figures of a slice: per section its score (the question means weighed within it), its
-- satisfaction rate and answers; the index (the section scores weighed), 0–100, and the
-- satisfaction rate (the satisfied share of all rating answers). A question nobody answered
-- counts for nothing, nor does a section with none: the weights of the others carry it.
CREATE FUNCTION pd_survey_summary(p pd_survey_stat[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
WITH q AS (SELECT * FROM unnest(p) WHERE n > 0),
s AS (SELECT section, max(section_weight) AS weight, sum(weight * total / n) / sum(weight) AS score,
             sum(sat)::numeric / sum(n) AS rate, sum(n) AS n
      FROM q GROUP BY section)
SELECT jsonb_build_object(
    'index', (SELECT round(sum(weight * score) / sum(weight), 2) FROM s),
    'satisfaction_rate', (SELECT round(sum(sat)::numeric / sum(n), 4) FROM q),
    'answers', (SELECT coalesce(sum(n), 0) FROM q),
    'sections', coalesce((SELECT jsonb_agg(jsonb_build_object('code', section, 'index', round(score, 2),
                     'satisfaction_rate', round(rate, 4), 'answers', n) ORDER BY section) FROM s), '[]'))
$$;

-- ---- campaigns ------------------------------------------------------------------------------

CREATE TABLE surveys (
    org_id            uuid NOT NULL REFERENCES orgs (id),
    id                uuid NOT NULL,
    title             text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 100),
    description       text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    template_id       uuid NOT NULL,
    template_version  integer NOT NULL,
    community_ids     uuid[] NOT NULL CHECK (cardinality(community_ids) BETWEEN 1 AND 50),
    opens_at          timestamptz NOT NULL,
    closes_at         timestamptz NOT NULL,
    -- the audience: every unit (NULL), or this share of each community's units, drawn by the seed
    sample_percent    numeric(5, 2) CHECK (sample_percent > 0 AND sample_percent <= 100),
    sample_seed       bigint NOT NULL,
    answer_per        text NOT NULL DEFAULT 'unit',   -- survey_answer_per
    anonymous         boolean NOT NULL DEFAULT false,
    target_rate       numeric(4, 3) NOT NULL DEFAULT 0.85 CHECK (target_rate > 0 AND target_rate <= 1),
    announce          boolean NOT NULL DEFAULT false, -- opening publishes a `survey` announcement
    announcement_id   uuid,
    status            text NOT NULL DEFAULT 'draft',  -- survey_status
    -- the quality audit: the share of each community's paper answers drawn, by the seed
    audit_percent     numeric(5, 2) NOT NULL DEFAULT 5 CHECK (audit_percent > 0 AND audit_percent <= 100),
    audit_seed        bigint,
    audit_drawn_at    timestamptz,
    audit_drawn_by    uuid,
    created_by        uuid,
    opened_at         timestamptz,
    closed_at         timestamptz,
    version           integer NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, template_id, template_version) REFERENCES survey_templates (org_id, id, version),
    FOREIGN KEY (org_id, announcement_id) REFERENCES announcements (org_id, id),
    CHECK (closes_at > opens_at)
);
CREATE INDEX surveys_by_org ON surveys (org_id, created_at DESC, id DESC);
CREATE INDEX surveys_by_community ON surveys USING gin (community_ids);
CREATE INDEX surveys_previous ON surveys (org_id, template_id, opens_at DESC) WHERE status = 'closed';
-- the sweep: what is due to open or to close
CREATE INDEX surveys_scheduled ON surveys (opens_at) WHERE status = 'scheduled';
CREATE INDEX surveys_open ON surveys (closes_at) WHERE status = 'open';

-- The audience, fixed when the campaign opens.
CREATE TABLE survey_targets (
    org_id        uuid NOT NULL,
    survey_id     uuid NOT NULL,
    unit_id       uuid NOT NULL,
    community_id  uuid NOT NULL,
    building_id   uuid NOT NULL,
    PRIMARY KEY (org_id, survey_id, unit_id),
    FOREIGN KEY (org_id, survey_id) REFERENCES surveys (org_id, id),
    FOREIGN KEY (org_id, unit_id) REFERENCES units (org_id, id)
);
CREATE INDEX survey_targets_by_unit ON survey_targets (org_id, unit_id);

CREATE TABLE survey_responses (
    org_id         uuid NOT NULL,
    id             uuid NOT NULL,
    survey_id      uuid NOT NULL,
    unit_id        uuid NOT NULL,
    community_id   uuid NOT NULL,
    building_id    uuid NOT NULL,
    -- one answer per unit, or per resident (a paper one per serial): the campaign's answer_per
    answer_key     text NOT NULL,
    channel        text NOT NULL,                 -- survey_channel: app | paper
    respondent_id  uuid,                          -- the resident who answered in the app
    entered_by     uuid,                          -- the agent who entered a paper one
    collector_id   uuid,                          -- … the staff member who collected it
    collected_at   timestamptz,
    serial         text CHECK (char_length(serial) BETWEEN 1 AND 40),
    answers        jsonb NOT NULL,
    scores         smallint[] NOT NULL,           -- pd_survey_scores of answers
    audit_sampled  boolean NOT NULL DEFAULT false,
    audit_status   text,                          -- survey_audit_verdict, once audited
    void_reason    text CHECK (char_length(void_reason) BETWEEN 1 AND 500),
    audited_by     uuid,
    audited_at     timestamptz,
    submitted_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, survey_id, answer_key),
    FOREIGN KEY (org_id, survey_id, unit_id) REFERENCES survey_targets (org_id, survey_id, unit_id),
    FOREIGN KEY (org_id, respondent_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, collector_id) REFERENCES users (org_id, id),
    CHECK ((channel = 'paper') = (collector_id IS NOT NULL AND collected_at IS NOT NULL AND serial IS NOT NULL)),
    CHECK ((audit_status = 'void') = (void_reason IS NOT NULL)),
    CHECK (audit_status IS NULL OR audit_sampled)
);
CREATE UNIQUE INDEX survey_responses_serial ON survey_responses (org_id, survey_id, serial) WHERE serial IS NOT NULL;
CREATE INDEX survey_responses_by_survey ON survey_responses (org_id, survey_id, submitted_at DESC, id DESC);
CREATE INDEX survey_responses_by_unit ON survey_responses (org_id, unit_id);

-- The units of communities drawn for a campaign: every one, or per community the ceiling of
-- percent% of its units, those first in the order of md5(seed, unit): the same draw for the
-- same seed and units, whoever repeats it.
CREATE FUNCTION pd_survey_draw(p_org uuid, p_communities uuid[], p_percent numeric, p_seed bigint)
RETURNS TABLE (unit_id uuid, community_id uuid, building_id uuid)
LANGUAGE sql STABLE AS $$
SELECT d.id, d.community_id, d.building_id FROM (
    SELECT u.id, u.community_id, u.building_id,
           row_number() OVER (PARTITION BY u.community_id ORDER BY md5(p_seed::text || u.id::text)) AS k,
           count(*) OVER (PARTITION BY u.community_id) AS n
    FROM units u WHERE u.org_id = p_org AND u.community_id = ANY (p_communities)) d
WHERE p_percent IS NULL OR d.k <= ceil(d.n * p_percent / 100)
$$;

CREATE FUNCTION pd_survey_doc(s surveys) RETURNS jsonb
LANGUAGE sql STABLE AS $$
SELECT jsonb_build_object('id', s.id, 'title', s.title, 'description', s.description,
    'template_id', s.template_id, 'template_version', s.template_version, 'community_ids', to_jsonb(s.community_ids),
    'opens_at', pd_ts(s.opens_at), 'closes_at', pd_ts(s.closes_at),
    'audience', CASE WHEN s.sample_percent IS NULL THEN 'all' ELSE 'sample' END,
    'sample_percent', s.sample_percent, 'sample_seed', s.sample_seed::text, 'answer_per', s.answer_per,
    'anonymous', s.anonymous, 'target_rate', s.target_rate, 'announce', s.announce,
    'announcement_id', s.announcement_id, 'status', s.status,
    'targets', (SELECT count(*) FROM survey_targets t WHERE t.org_id = s.org_id AND t.survey_id = s.id),
    'answer_count', (SELECT count(*) FROM survey_responses r WHERE r.org_id = s.org_id AND r.survey_id = s.id),
    'created_by', s.created_by, 'opened_at', pd_ts(s.opened_at), 'closed_at', pd_ts(s.closed_at),
    'version', s.version, 'created_at', pd_ts(s.created_at), 'updated_at', pd_ts(s.updated_at))
$$;

-- The spine learns surveys (0022): staff by the first community, the label its title.
CREATE FUNCTION pd_subject_survey(p_org uuid, p_id uuid,
    OUT ticket_id uuid, OUT work_order_id uuid, OUT community_id uuid, OUT label text)
LANGUAGE sql STABLE AS $$
SELECT NULL::uuid, NULL::uuid, s.community_ids[1], s.title FROM surveys s WHERE s.org_id = p_org AND s.id = p_id
$$;

--   residents  the verified residents of the units it targets
CREATE FUNCTION pd_audience_survey(p_org uuid, p_audience text, p_id uuid) RETURNS SETOF uuid
LANGUAGE plpgsql STABLE AS $$
BEGIN
    CASE p_audience
    WHEN 'residents' THEN
        RETURN QUERY
        SELECT DISTINCT r.user_id FROM survey_targets t
        JOIN residencies r ON r.org_id = p_org AND r.unit_id = t.unit_id AND r.status = 'verified'
        WHERE t.org_id = p_org AND t.survey_id = p_id;
    ELSE
        RAISE EXCEPTION 'pd_audience_survey: unknown audience %', p_audience;
    END CASE;
END
$$;

-- An announcement may point at the campaign it announces.
ALTER TABLE announcements ADD COLUMN survey_id uuid;
ALTER TABLE announcements ADD FOREIGN KEY (org_id, survey_id) REFERENCES surveys (org_id, id);

CREATE OR REPLACE FUNCTION pd_announcement_doc(a announcements) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object('id', a.id, 'title', a.title, 'body', a.body, 'category', a.category,
    'audience', a.audience, 'community_ids', a.community_ids, 'building_ids', a.building_ids,
    'attachment_ids', a.attachment_ids, 'pinned', a.pinned, 'requires_ack', a.requires_ack,
    'outage_window', CASE WHEN a.outage_from IS NULL THEN NULL
                          ELSE json_build_object('from', pd_ts(a.outage_from), 'to', pd_ts(a.outage_to)) END,
    'publish_at', pd_ts(a.publish_at), 'expires_at', pd_ts(a.expires_at), 'status', a.status,
    'amended', a.amends_id IS NOT NULL, 'amends_id', a.amends_id, 'amended_by_id', a.amended_by_id,
    'survey_id', a.survey_id,
    'withdraw_reason', a.withdraw_reason, 'published_at', pd_ts(a.published_at), 'withdrawn_at', pd_ts(a.withdrawn_at),
    'archived_at', pd_ts(a.archived_at), 'version', a.version, 'created_at', pd_ts(a.created_at),
    'updated_at', pd_ts(a.updated_at))
$$;
UPDATE announcements a SET doc = pd_announcement_doc(a)::text;

-- The publication event may leave the residents untold (p_tell false): a survey's notice,
-- whose targeted residents the campaign's own event tells.
DROP FUNCTION pd_announcement_published(uuid, uuid, uuid, text, text);
CREATE FUNCTION pd_announcement_published(p_org uuid, p_id uuid, p_actor uuid, p_actor_role text, p_from text,
                                          p_tell boolean DEFAULT true)
RETURNS bigint LANGUAGE sql AS $$
SELECT pd_emit(a.org_id, 'announcement', a.id, 'announcement.published', p_actor, p_actor_role, p_from, 'published',
               jsonb_build_object('category', a.category, 'pinned', a.pinned, 'requires_ack', a.requires_ack,
                                  'amends_id', a.amends_id),
               'public', CASE WHEN p_tell THEN jsonb_build_array(jsonb_build_object('to', 'residents',
                   'type', 'announcement.published',
                   'title', CASE WHEN a.amends_id IS NOT NULL THEN '【更正】' ELSE '' END || a.title,
                   'body', left(a.body, 200))) ELSE '[]' END)
FROM announcements a WHERE a.org_id = p_org AND a.id = p_id
$$;

-- A campaign opens (by a person after the guarded change, src/surveys.c, or by the sweep,
-- src/jobs.c): its audience is drawn and fixed, the targeted residents are told, and when it
-- asks for one its `survey` notice goes out to its communities until it closes. Returns the
-- event's seq.
CREATE FUNCTION pd_survey_opened(p_org uuid, p_id uuid, p_actor uuid, p_actor_role text, p_from text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    s surveys;
    v_notice uuid;
BEGIN
    SELECT * INTO s FROM surveys WHERE org_id = p_org AND id = p_id;
    INSERT INTO survey_targets (org_id, survey_id, unit_id, community_id, building_id)
    SELECT p_org, p_id, d.unit_id, d.community_id, d.building_id
    FROM pd_survey_draw(p_org, s.community_ids, s.sample_percent, s.sample_seed) d
    ON CONFLICT DO NOTHING;
    IF s.announce AND s.announcement_id IS NULL THEN
        v_notice := gen_random_uuid();
        INSERT INTO announcements (org_id, id, title, body, category, audience, community_ids, status, survey_id,
                                   created_by, published_by, published_at, expires_at)
        VALUES (p_org, v_notice, s.title,
                coalesce(nullif(s.description, ''), s.title) || E'\n调查时间：' ||
                    to_char(s.opens_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') || ' 至 ' ||
                    to_char(s.closes_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'),
                'survey', 'communities', ARRAY(SELECT DISTINCT x FROM unnest(s.community_ids) x ORDER BY 1), 'published',
                p_id, coalesce(p_actor, s.created_by), p_actor, now(), s.closes_at);
        UPDATE surveys SET announcement_id = v_notice WHERE org_id = p_org AND id = p_id;
        PERFORM pd_announcement_published(p_org, v_notice, p_actor, coalesce(p_actor_role, 'system'), NULL, false);
    END IF;
    RETURN pd_emit(p_org, 'survey', p_id, 'survey.opened', p_actor, coalesce(p_actor_role, 'system'), p_from, 'open',
                   jsonb_build_object('closes_at', pd_ts(s.closes_at)), 'public',
                   jsonb_build_array(jsonb_build_object('to', 'residents', 'type', 'survey.opened',
                       'title', '满意度调查：' || s.title, 'body', '请在 ' ||
                       to_char(s.closes_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') || ' 前填写问卷')));
END
$$;

-- ---- results --------------------------------------------------------------------------------

-- The figures of a campaign over a slice of its audience (the communities p_scope allows,
-- NULL: all; one community; one building): response rate against its target, the summary
-- (pd_survey_summary) overall, per community and per building, and per question its
-- distribution, mean score and satisfaction rate. Void answers count for nothing. In an
-- anonymous campaign a building with fewer than five answers is left out of the breakdown.
CREATE FUNCTION pd_survey_figures(p_org uuid, p_id uuid, p_scope uuid[], p_community uuid, p_building uuid)
RETURNS jsonb LANGUAGE sql STABLE AS $$
WITH sv AS (
    SELECT s.*, t.sections FROM surveys s
    JOIN survey_templates t ON t.org_id = s.org_id AND t.id = s.template_id AND t.version = s.template_version
    WHERE s.org_id = p_org AND s.id = p_id),
q AS (SELECT q.* FROM sv, pd_survey_questions(sv.sections) q),
r AS (
    SELECT r.unit_id, r.community_id, r.building_id, r.scores, r.answers, r.audit_status FROM survey_responses r
    WHERE r.org_id = p_org AND r.survey_id = p_id AND (p_scope IS NULL OR r.community_id = ANY (p_scope))
      AND (p_community IS NULL OR r.community_id = p_community) AND (p_building IS NULL OR r.building_id = p_building)),
counted AS (SELECT * FROM r WHERE r.audit_status IS DISTINCT FROM 'void'),
-- rating answers, once aggregated per building, question and level: all else is made of this
base AS (
    SELECT c.community_id, c.building_id, x.rq::int AS rq, x.score, count(*) AS n
    FROM counted c CROSS JOIN LATERAL unnest(c.scores) WITH ORDINALITY AS x (score, rq)
    WHERE x.score IS NOT NULL GROUP BY 1, 2, 3, 4),
bq AS (
    SELECT b.community_id, b.building_id, b.rq, sum(b.score * b.n) AS total, sum(b.n)::bigint AS n,
           coalesce(sum(b.n) FILTER (WHERE b.score >= 75), 0)::bigint AS sat
    FROM base b GROUP BY 1, 2, 3),
cq AS (SELECT community_id, rq, sum(total) AS total, sum(n)::bigint AS n, sum(sat)::bigint AS sat FROM bq GROUP BY 1, 2),
oq AS (SELECT rq, sum(total) AS total, sum(n)::bigint AS n, sum(sat)::bigint AS sat FROM cq GROUP BY 1),
-- the audience and its answers per building
tg AS (
    SELECT t.community_id, t.building_id, count(*) AS targets FROM survey_targets t
    WHERE t.org_id = p_org AND t.survey_id = p_id AND (p_scope IS NULL OR t.community_id = ANY (p_scope))
      AND (p_community IS NULL OR t.community_id = p_community) AND (p_building IS NULL OR t.building_id = p_building)
    GROUP BY 1, 2),
rs AS (
    SELECT r.community_id, r.building_id, count(DISTINCT r.unit_id) FILTER (WHERE r.audit_status IS DISTINCT FROM 'void') AS units,
           count(*) FILTER (WHERE r.audit_status IS DISTINCT FROM 'void') AS answers,
           count(*) FILTER (WHERE r.audit_status = 'void') AS void
    FROM r GROUP BY 1, 2),
per_building AS (
    SELECT tg.community_id, tg.building_id, tg.targets, coalesce(rs.units, 0) AS units, coalesce(rs.answers, 0) AS answers,
           coalesce(rs.void, 0) AS void
    FROM tg LEFT JOIN rs USING (community_id, building_id)),
stats AS (  -- the stat arrays: per building (level 2), community (1), overall (0)
    SELECT 2 AS level, bq.building_id AS id,
           array_agg(ROW(q.section, q.section_weight, q.weight, bq.total, bq.n, bq.sat)::pd_survey_stat) AS a
    FROM bq JOIN q ON q.rating_ord = bq.rq GROUP BY bq.building_id
    UNION ALL
    SELECT 1, cq.community_id, array_agg(ROW(q.section, q.section_weight, q.weight, cq.total, cq.n, cq.sat)::pd_survey_stat)
    FROM cq JOIN q ON q.rating_ord = cq.rq GROUP BY cq.community_id
    UNION ALL
    SELECT 0, NULL, array_agg(ROW(q.section, q.section_weight, q.weight, oq.total, oq.n, oq.sat)::pd_survey_stat)
    FROM oq JOIN q ON q.rating_ord = oq.rq),
response AS (
    SELECT sum(targets) AS targets, sum(units) AS units, sum(answers) AS answers, sum(void) AS void FROM per_building)
SELECT jsonb_build_object(
    'participation', (SELECT jsonb_build_object('targets', coalesce(targets, 0), 'answered_units', coalesce(units, 0),
                      'answers', coalesce(answers, 0), 'void', coalesce(void, 0),
                      'response_rate', CASE WHEN targets > 0 THEN round(units / targets, 4) END,
                      'target_rate', sv.target_rate,
                      'target_met', coalesce(targets > 0 AND units / targets >= sv.target_rate, false))
                  FROM response),
    'summary', coalesce((SELECT pd_survey_summary(a) FROM stats WHERE level = 0), pd_survey_summary('{}')),
    'sections', (SELECT jsonb_agg(jsonb_build_object('code', x.section, 'label', x.section_label, 'weight', x.section_weight)
                                  ORDER BY x.o)
                 FROM (SELECT section, section_label, section_weight, min(ord) AS o FROM q GROUP BY 1, 2, 3) x),
    'questions', (SELECT jsonb_agg(jsonb_build_object('code', q.code, 'section', q.section, 'label', q.label,
                      'type', q.type, 'weight', q.weight) || CASE
                  WHEN q.type = 'rating5' THEN jsonb_build_object(
                      'answers', coalesce(oq.n, 0),
                      'mean_score', round(oq.total / nullif(oq.n, 0), 2),
                      'satisfaction_rate', round(oq.sat::numeric / nullif(oq.n, 0), 4),
                      'distribution', (SELECT jsonb_object_agg(l.level, coalesce(
                                               (SELECT sum(b.n) FROM base b WHERE b.rq = q.rating_ord
                                                  AND b.score = pd_survey_level_score(l.level)), 0))
                                       FROM unnest(ARRAY['very_satisfied', 'satisfied', 'neutral', 'dissatisfied',
                                                         'very_dissatisfied']) l (level)))
                  WHEN q.type IN ('single', 'multiple') THEN jsonb_build_object(
                      'answers', (SELECT count(*) FROM counted c WHERE jsonb_typeof(c.answers->q.code) <> 'null'),
                      'distribution', (SELECT jsonb_agg(jsonb_build_object('code', o->>'code', 'count', (SELECT count(*)
                                               FROM counted c WHERE c.answers->q.code = o->'code'
                                               OR c.answers->q.code @> jsonb_build_array(o->'code'))) ORDER BY oo)
                                       FROM jsonb_array_elements(q.options) WITH ORDINALITY AS x (o, oo)))
                  ELSE jsonb_build_object('answers', (SELECT count(*) FROM counted c
                                                      WHERE jsonb_typeof(c.answers->q.code) <> 'null')) END
                  ORDER BY q.ord)
                  FROM q LEFT JOIN oq ON oq.rq = q.rating_ord),
    'communities', coalesce((SELECT jsonb_agg(jsonb_build_object('community_id', pc.community_id, 'name', cm.name,
                      'targets', pc.targets, 'answered_units', pc.units, 'void', pc.void,
                      'response_rate', round(pc.units / pc.targets, 4)) || coalesce(st.summary, pd_survey_summary('{}'))
                      ORDER BY cm.name)
                  FROM (SELECT community_id, sum(targets) AS targets, sum(units) AS units, sum(void) AS void
                        FROM per_building GROUP BY 1) pc
                  JOIN communities cm ON cm.org_id = p_org AND cm.id = pc.community_id
                  LEFT JOIN LATERAL (SELECT pd_survey_summary(a) AS summary FROM stats
                                     WHERE level = 1 AND id = pc.community_id) st ON true), '[]'),
    'buildings', coalesce((SELECT jsonb_agg(jsonb_build_object('building_id', pb.building_id, 'name', bl.name,
                      'community_id', pb.community_id, 'targets', pb.targets, 'answered_units', pb.units,
                      'void', pb.void, 'response_rate', round(pb.units::numeric / pb.targets, 4))
                      || coalesce(st.summary, pd_survey_summary('{}')) ORDER BY bl.name, pb.building_id)
                  FROM per_building pb
                  JOIN buildings bl ON bl.org_id = p_org AND bl.id = pb.building_id
                  LEFT JOIN LATERAL (SELECT pd_survey_summary(a) AS summary FROM stats
                                     WHERE level = 2 AND id = pb.building_id) st ON true
                  WHERE NOT sv.anonymous OR pb.answers >= 5), '[]'),
    'buildings_withheld', CASE WHEN sv.anonymous THEN (SELECT count(*) FROM per_building WHERE answers < 5) ELSE 0 END)
FROM sv
$$;

-- The results: pd_survey_figures of the slice, and the trend against the previous closed
-- campaign of the same template (the one that opened last before it) over the same slice:
-- its index and rate, and their deltas overall and per section. An anonymous campaign's
-- building of fewer than five answers is withheld ({"withheld": true}).
CREATE FUNCTION pd_survey_results(p_org uuid, p_id uuid, p_scope uuid[], p_community uuid, p_building uuid)
RETURNS jsonb LANGUAGE sql STABLE AS $$
WITH now_ AS (SELECT pd_survey_figures(p_org, p_id, p_scope, p_community, p_building) AS f),
prev AS (
    SELECT p.id, p.title, p.closed_at, pd_survey_figures(p_org, p.id, p_scope, p_community, p_building) AS f
    FROM surveys s JOIN surveys p ON p.org_id = s.org_id AND p.template_id = s.template_id AND p.status = 'closed'
      AND p.opens_at < s.opens_at AND p.id <> s.id AND (p_scope IS NULL OR p.community_ids && p_scope)
    WHERE s.org_id = p_org AND s.id = p_id ORDER BY p.opens_at DESC LIMIT 1)
SELECT CASE WHEN p_building IS NOT NULL AND (n.f->'participation'->>'answers')::int < 5
            AND (SELECT s.anonymous FROM surveys s WHERE s.org_id = p_org AND s.id = p_id)
       THEN jsonb_build_object('withheld', true)  -- an anonymous campaign's building of fewer than five answers
       ELSE n.f || jsonb_build_object('survey_id', p_id, 'trend', (
    SELECT jsonb_build_object('previous_survey_id', p.id, 'previous_title', p.title,
        'index', p.f->'summary'->'index', 'satisfaction_rate', p.f->'summary'->'satisfaction_rate',
        'index_delta', round((n.f->'summary'->>'index')::numeric - (p.f->'summary'->>'index')::numeric, 2),
        'satisfaction_rate_delta', round((n.f->'summary'->>'satisfaction_rate')::numeric
                                         - (p.f->'summary'->>'satisfaction_rate')::numeric, 4),
        'sections', coalesce((SELECT jsonb_agg(jsonb_build_object('code', a->>'code',
                'index_delta', round((a->>'index')::numeric - (b->>'index')::numeric, 2),
                'satisfaction_rate_delta', round((a->>'satisfaction_rate')::numeric - (b->>'satisfaction_rate')::numeric, 4))
                ORDER BY a->>'code')
            FROM jsonb_array_elements(n.f->'summary'->'sections') a
            JOIN jsonb_array_elements(p.f->'summary'->'sections') b ON b->>'code' = a->>'code'), '[]'))
    FROM prev p)) END
FROM now_ n
$$;

-- ---- the CSV export ---------------------------------------------------------------------------

-- A CSV cell: quoted, quotes doubled, and a leading = + - @ defused (spreadsheets run them).
CREATE FUNCTION pd_csv(v text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT '"' || replace(CASE WHEN v ~ '^[=+\-@\t\r]' THEN '''' || v ELSE coalesce(v, '') END, '"', '""') || '"'
$$;

-- The label of a rating level (the zh-CN labels of the enum `satisfaction`).
CREATE FUNCTION pd_survey_level_label(level text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE level WHEN 'very_satisfied' THEN '非常满意' WHEN 'satisfied' THEN '满意' WHEN 'neutral' THEN '一般'
                  WHEN 'dissatisfied' THEN '不满意' WHEN 'very_dissatisfied' THEN '很不满意' END
$$;

-- The export's first line (an anonymous campaign's has no unit).
CREATE FUNCTION pd_survey_csv_header(p_sections jsonb, p_anonymous boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
SELECT array_to_string(ARRAY['编号', '小区'] || CASE WHEN p_anonymous THEN '{}'::text[] ELSE ARRAY['楼栋', '房号'] END
    || ARRAY['渠道', '问卷编号', '调查人', '收集时间', '提交时间', '抽查结果', '作废原因']
    || ARRAY(SELECT pd_csv(q.section_label || '/' || q.label) FROM pd_survey_questions(p_sections) q ORDER BY q.ord), ',')
$$;

-- The labels of the options a choice answer picked (one code, or an array of codes), joined.
CREATE FUNCTION pd_survey_choice_labels(p_options jsonb, v jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT string_agg(o->'label'->>'zh-CN', '；' ORDER BY oo)
FROM jsonb_array_elements(p_options) WITH ORDINALITY AS x (o, oo)
WHERE o->'code' = v OR v @> jsonb_build_array(o->'code')
$$;

-- ---- the default template: the seed's questionnaire (客户意见调查表) ----------------------------

CREATE FUNCTION pd_survey_default_sections() RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
SELECT jsonb_agg(jsonb_build_object('code', s.code, 'label', jsonb_build_object('zh-CN', s.zh, 'en', s.en), 'weight', 1,
    'questions', (SELECT jsonb_agg(CASE WHEN q.t = 'text' THEN
                            jsonb_build_object('code', q.code, 'label', jsonb_build_object('zh-CN', q.zh, 'en', q.en),
                                               'type', 'text', 'required', false, 'options', '[]'::jsonb)
                        ELSE jsonb_build_object('code', q.code, 'label', jsonb_build_object('zh-CN', q.zh, 'en', q.en),
                                               'type', 'rating5', 'weight', 1, 'required', s.required,
                                               'options', '[]'::jsonb) END ORDER BY q.o)
                  FROM jsonb_to_recordset(s.questions) AS q (o int, code text, zh text, en text, t text))) ORDER BY s.o)
FROM jsonb_to_recordset($j$[
 {"o":1,"code":"customer_service","zh":"客户服务","en":"Customer service","required":true,"questions":[
   {"o":1,"code":"cs_attitude","zh":"客服工作态度","en":"Attitude of the service desk"},
   {"o":2,"code":"cs_timeliness","zh":"工作及时性","en":"Timeliness"},
   {"o":3,"code":"cs_effectiveness","zh":"处理问题效果","en":"Problems solved"}]},
 {"o":2,"code":"engineering","zh":"工程服务","en":"Engineering","required":true,"questions":[
   {"o":1,"code":"eng_maintenance","zh":"设备运行保养","en":"Equipment upkeep"},
   {"o":2,"code":"eng_repair_timeliness","zh":"设备维修及时性","en":"Timely repairs"},
   {"o":3,"code":"eng_repair_quality","zh":"维修服务质量","en":"Quality of repairs"}]},
 {"o":3,"code":"security","zh":"安全服务","en":"Security","required":true,"questions":[
   {"o":1,"code":"sec_parking","zh":"停车与交通管理","en":"Parking and traffic"},
   {"o":2,"code":"sec_public_order","zh":"治安管理","en":"Public order"},
   {"o":3,"code":"sec_fire","zh":"消防管理","en":"Fire safety"}]},
 {"o":4,"code":"environment","zh":"环境管理","en":"Environment","required":true,"questions":[
   {"o":1,"code":"env_cleaning","zh":"清洁状况","en":"Cleanliness"},
   {"o":2,"code":"env_pest_control","zh":"虫控消杀","en":"Pest control"},
   {"o":3,"code":"env_greening","zh":"绿化状况","en":"Greenery"}]},
 {"o":5,"code":"paid_services","zh":"有偿服务","en":"Paid services","required":false,"questions":[
   {"o":1,"code":"paid_repair_quality","zh":"户内维修质量","en":"In-home repairs"},
   {"o":2,"code":"paid_cleaning","zh":"户内保洁服务","en":"In-home cleaning"},
   {"o":3,"code":"paid_contract","zh":"合同履约服务","en":"Contract fulfilment"}]},
 {"o":6,"code":"complaint_handling","zh":"投诉受理","en":"Complaint handling","required":false,"questions":[
   {"o":1,"code":"cmp_attitude","zh":"处理态度","en":"Attitude"},
   {"o":2,"code":"cmp_result","zh":"处理结果","en":"Outcome"}]},
 {"o":7,"code":"overall","zh":"物业管理总体满意度","en":"Overall satisfaction","required":true,"questions":[
   {"o":1,"code":"overall","zh":"服务总体满意度","en":"Overall satisfaction with the service"}]},
 {"o":8,"code":"opinions","zh":"意见与建议","en":"Opinions and suggestions","required":false,"questions":[
   {"o":1,"code":"improve","zh":"有待改进的方面","en":"What should improve","t":"text"},
   {"o":2,"code":"more_services","zh":"还应提供哪些服务","en":"What services to add","t":"text"},
   {"o":3,"code":"other","zh":"其他意见或建议","en":"Other opinions or suggestions","t":"text"}]}
]$j$::jsonb) AS s (o int, code text, zh text, en text, required boolean, questions jsonb)
$$;

-- Every org has the default template (the trigger gives a new one its own).
CREATE FUNCTION pd_survey_add_default_template(p_org uuid) RETURNS void
LANGUAGE sql AS $$
INSERT INTO survey_templates (org_id, id, version, name, description, sections, is_default)
VALUES (p_org, gen_random_uuid(), 1, '客户意见调查表',
        '物业服务客户满意度调查的标准问卷：七个方面十八项评价，以及三项意见与建议。', pd_survey_default_sections(), true)
$$;

CREATE FUNCTION pd_survey_default_template() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pd_survey_add_default_template(NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER orgs_default_survey_template AFTER INSERT ON orgs
    FOR EACH ROW EXECUTE FUNCTION pd_survey_default_template();
SELECT pd_survey_add_default_template(o.id) FROM orgs o;

-- ---- wire forms and the audit -------------------------------------------------------------------

CREATE FUNCTION pd_survey_template_doc(t survey_templates) RETURNS jsonb
LANGUAGE sql STABLE AS $$
SELECT jsonb_build_object('id', t.id, 'version', t.version, 'name', t.name, 'description', t.description,
    'is_default', t.is_default, 'latest', t.latest, 'sections', t.sections,
    'rating_questions', (SELECT count(*) FROM pd_survey_questions(t.sections) q WHERE q.type = 'rating5'),
    'created_by', t.created_by, 'created_at', pd_ts(t.created_at))
$$;

-- An answer as staff read it: an anonymous campaign's never says which unit, building or
-- resident gave it.
CREATE FUNCTION pd_survey_response_doc(r survey_responses, p_anonymous boolean) RETURNS jsonb
LANGUAGE sql STABLE AS $$
SELECT jsonb_build_object('id', r.id, 'survey_id', r.survey_id,
    'unit_id', CASE WHEN NOT p_anonymous THEN r.unit_id END,
    'building_id', CASE WHEN NOT p_anonymous THEN r.building_id END, 'community_id', r.community_id,
    'respondent_id', CASE WHEN NOT p_anonymous THEN r.respondent_id END, 'channel', r.channel,
    'collector_id', r.collector_id, 'collected_at', pd_ts(r.collected_at), 'serial', r.serial,
    'answers', r.answers, 'submitted_at', pd_ts(r.submitted_at),
    'audit', jsonb_build_object('sampled', r.audit_sampled, 'verdict', r.audit_status, 'void_reason', r.void_reason,
                                'audited_by', r.audited_by, 'audited_at', pd_ts(r.audited_at)))
$$;

-- The quality audit's sample: per community the ceiling of percent% of its paper answers,
-- those first in the order of md5(seed, answer), recorded on the campaign and the answers.
-- Returns how many were drawn; NULL when the sample was drawn already.
CREATE FUNCTION pd_survey_draw_audit(p_org uuid, p_id uuid, p_percent numeric, p_seed bigint, p_actor uuid,
                                     p_actor_role text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_seed bigint;
    v_drawn integer;
BEGIN
    UPDATE surveys SET audit_seed = p_seed, audit_percent = p_percent, audit_drawn_at = now(),
           audit_drawn_by = p_actor, version = version + 1, updated_at = now()
    WHERE org_id = p_org AND id = p_id AND audit_drawn_at IS NULL RETURNING audit_seed INTO v_seed;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    UPDATE survey_responses r SET audit_sampled = true
    FROM (SELECT x.id, row_number() OVER (PARTITION BY x.community_id ORDER BY md5(v_seed::text || x.id::text)) AS k,
                 count(*) OVER (PARTITION BY x.community_id) AS n
          FROM survey_responses x WHERE x.org_id = p_org AND x.survey_id = p_id AND x.channel = 'paper') d
    WHERE r.org_id = p_org AND r.id = d.id AND d.k <= ceil(d.n * p_percent / 100);
    GET DIAGNOSTICS v_drawn = ROW_COUNT;
    PERFORM pd_emit(p_org, 'survey', p_id, 'survey.audit_drawn', p_actor, p_actor_role, NULL, NULL,
                    jsonb_build_object('percent', p_percent, 'seed', v_seed::text, 'drawn', v_drawn), 'internal');
    RETURN v_drawn;
END
$$;

-- The audit: its draw, and per community and per collector the paper answers, those drawn,
-- verified and void; the answers drawn (p_scope: the communities the caller serves, NULL all).
CREATE FUNCTION pd_survey_audit(p_org uuid, p_id uuid, p_scope uuid[]) RETURNS jsonb
LANGUAGE sql STABLE AS $$
WITH s AS (SELECT * FROM surveys WHERE org_id = p_org AND id = p_id),
p AS (SELECT r.* FROM survey_responses r WHERE r.org_id = p_org AND r.survey_id = p_id AND r.channel = 'paper'
        AND (p_scope IS NULL OR r.community_id = ANY (p_scope)))
SELECT jsonb_build_object('survey_id', s.id, 'drawn', s.audit_drawn_at IS NOT NULL, 'drawn_at', pd_ts(s.audit_drawn_at),
    'drawn_by', s.audit_drawn_by, 'percent', s.audit_percent, 'seed', s.audit_seed::text,
    'communities', coalesce((SELECT jsonb_agg(jsonb_build_object('community_id', g.community_id, 'name', c.name,
            'paper_answers', g.total, 'sampled', g.sampled, 'verified', g.verified, 'void', g.void,
            'pending', g.sampled - g.verified - g.void) ORDER BY c.name)
        FROM (SELECT community_id, count(*) AS total, count(*) FILTER (WHERE audit_sampled) AS sampled,
                     count(*) FILTER (WHERE audit_status = 'verified') AS verified,
                     count(*) FILTER (WHERE audit_status = 'void') AS void FROM p GROUP BY 1) g
        JOIN communities c ON c.org_id = p_org AND c.id = g.community_id), '[]'),
    'collectors', coalesce((SELECT jsonb_agg(jsonb_build_object('collector_id', g.collector_id, 'name', u.name,
            'paper_answers', g.total, 'sampled', g.sampled, 'verified', g.verified, 'void', g.void) ORDER BY g.void DESC, u.name)
        FROM (SELECT collector_id, count(*) AS total, count(*) FILTER (WHERE audit_sampled) AS sampled,
                     count(*) FILTER (WHERE audit_status = 'verified') AS verified,
                     count(*) FILTER (WHERE audit_status = 'void') AS void FROM p GROUP BY 1) g
        JOIN users u ON u.org_id = p_org AND u.id = g.collector_id), '[]'),
    'sample', coalesce((SELECT jsonb_agg(pd_survey_response_doc(p, s.anonymous) ORDER BY p.community_id, p.serial)
                        FROM p WHERE p.audit_sampled), '[]'))
FROM s
$$;

-- A page of the export: the lines (pd_survey_csv_header's columns) of the answers in the
-- communities p_scope allows (NULL: all) after p_after (NULL: from the first), at most
-- p_limit, in the order of their ids.
CREATE FUNCTION pd_survey_csv_page(p_org uuid, p_id uuid, p_scope uuid[], p_after uuid, p_limit integer)
RETURNS TABLE (line text, id uuid) LANGUAGE sql STABLE AS $$
WITH s AS (
    SELECT s.anonymous, t.sections FROM surveys s
    JOIN survey_templates t ON t.org_id = s.org_id AND t.id = s.template_id AND t.version = s.template_version
    WHERE s.org_id = p_org AND s.id = p_id),
q AS MATERIALIZED (SELECT q.ord, q.code, q.type, q.options FROM s, pd_survey_questions(s.sections) q),
r AS (SELECT r.* FROM survey_responses r WHERE r.org_id = p_org AND r.survey_id = p_id AND (p_after IS NULL OR r.id > p_after)
        AND (p_scope IS NULL OR r.community_id = ANY (p_scope))
      ORDER BY r.id LIMIT p_limit)
SELECT array_to_string(ARRAY[pd_csv(r.id::text), pd_csv(c.name)]
    || CASE WHEN s.anonymous THEN '{}'::text[] ELSE ARRAY[pd_csv(b.name), pd_csv(u.number)] END
    || ARRAY[pd_csv(CASE r.channel WHEN 'app' THEN '业主在线填写' ELSE '纸质问卷录入' END), pd_csv(r.serial), pd_csv(w.name),
             pd_csv(to_char(r.collected_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI')),
             pd_csv(to_char(r.submitted_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI')),
             pd_csv(CASE r.audit_status WHEN 'verified' THEN '属实' WHEN 'void' THEN '作弊作废'
                                        ELSE CASE WHEN r.audit_sampled THEN '待复核' END END),
             pd_csv(r.void_reason),
             -- a cell per question: a level's label, the options' labels, the text (kept simple
             -- enough for PostgreSQL to inline: one function call per cell costs seconds)
             (SELECT string_agg(pd_csv(CASE WHEN a.v IS NULL OR a.v = 'null' THEN NULL
                                          WHEN q.type = 'rating5' THEN pd_survey_level_label(a.v #>> '{}')
                                          WHEN q.type = 'text' THEN a.v #>> '{}'
                                          ELSE pd_survey_choice_labels(q.options, a.v) END), ',' ORDER BY q.ord)
              FROM q CROSS JOIN LATERAL (SELECT r.answers -> q.code) a (v))], ','),
       r.id
FROM s, r
JOIN communities c ON c.org_id = r.org_id AND c.id = r.community_id
JOIN buildings b ON b.org_id = r.org_id AND b.id = r.building_id
JOIN units u ON u.org_id = r.org_id AND u.id = r.unit_id
LEFT JOIN users w ON w.org_id = r.org_id AND w.id = r.collector_id
ORDER BY r.id
$$;

-- ---- the monthly service report's survey part ---------------------------------------------------

-- The latest campaign of a community closed by the end of a month (p_month, its first day, in
-- the community's time zone): its index, satisfaction and response rates there. Replaces the
-- placeholder of pd_service_report (0028): src/service_report.c merges the two.
CREATE FUNCTION pd_service_report_survey(p_org uuid, p_community uuid, p_month date) RETURNS jsonb
LANGUAGE sql STABLE AS $$
WITH s AS (
    SELECT s.id, s.title, s.closed_at FROM surveys s JOIN communities c ON c.org_id = s.org_id AND c.id = p_community
    WHERE s.org_id = p_org AND s.status = 'closed' AND p_community = ANY (s.community_ids)
      AND s.closed_at < ((p_month + interval '1 month')::timestamp AT TIME ZONE c.time_zone)
    ORDER BY s.closed_at DESC LIMIT 1),
f AS (SELECT s.*, pd_survey_figures(p_org, s.id, NULL, p_community, NULL) AS f FROM s)
SELECT coalesce((SELECT jsonb_build_object('available', true, 'survey_id', f.id, 'title', f.title,
                     'closed_at', pd_ts(f.closed_at), 'index', f.f->'summary'->'index',
                     'satisfaction_rate', f.f->'summary'->'satisfaction_rate',
                     'response_rate', f.f->'participation'->'response_rate', 'note', NULL) FROM f),
                jsonb_build_object('available', false, 'index', NULL, 'note', '本小区尚无已结束的满意度调查'))
$$;
