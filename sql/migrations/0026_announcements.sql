-- Announcements (公告, DESIGN §9): notices to the residents of the org, of some communities
-- or of some buildings; drafted by the desk, published (now or at publish_at) by managers
-- and admins, expiring at expires_at, withdrawn or archived; a published one is corrected by
-- a new version (amends_id) that replaces it. announcements.doc is the wire form but what
-- depends on the caller (an owner's read and acknowledged times, allowed_actions), rendered
-- by a trigger (0021's pattern). Receipts: one row per resident who opened it.

CREATE TABLE announcements (
    org_id           uuid NOT NULL REFERENCES orgs (id),
    id               uuid NOT NULL,
    title            text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 100),
    body             text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 20000),
    category         text NOT NULL,          -- announcement_category
    audience         text NOT NULL,          -- announcement_audience: org | communities | buildings
    -- the communities targeted, or those of the buildings targeted (empty for the org):
    -- who among the staff reads and runs it
    community_ids    uuid[] NOT NULL DEFAULT '{}',
    building_ids     uuid[] NOT NULL DEFAULT '{}',
    attachment_ids   uuid[] NOT NULL DEFAULT '{}',
    pinned           boolean NOT NULL DEFAULT false,
    requires_ack     boolean NOT NULL DEFAULT false,
    outage_from      timestamptz,            -- an outage's affected window
    outage_to        timestamptz,
    publish_at       timestamptz,            -- when a scheduled one goes out
    expires_at       timestamptz,
    status           text NOT NULL DEFAULT 'draft',
    amends_id        uuid,                   -- the published notice this one corrects
    amended_by_id    uuid,                   -- the correction that replaced this one
    withdraw_reason  text CHECK (char_length(withdraw_reason) <= 500),
    report           jsonb,                  -- a service report's figures
    created_by       uuid,
    published_by     uuid,
    published_at     timestamptz,
    withdrawn_by     uuid,
    withdrawn_at     timestamptz,
    archived_at      timestamptz,
    -- the feed's order: pinned ones first (a century ahead), then the newest
    feed_at          timestamptz,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    doc              text NOT NULL,
    staff_doc        text NOT NULL,          -- the staff's part: who wrote and published it, a report's figures
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, amends_id) REFERENCES announcements (org_id, id),
    CHECK ((audience = 'org') = (cardinality(community_ids) = 0)),
    CHECK ((audience = 'buildings') = (cardinality(building_ids) > 0)),
    CHECK ((outage_from IS NULL) = (outage_to IS NULL) AND outage_to > outage_from),
    CHECK (expires_at > publish_at),
    CHECK (category <> 'emergency' OR (pinned AND expires_at IS NOT NULL))
);
ALTER TABLE announcements ALTER COLUMN doc SET COMPRESSION lz4;
CREATE INDEX announcements_by_org ON announcements (org_id, created_at DESC, id DESC);
CREATE INDEX announcements_by_community ON announcements USING gin (community_ids);
-- the owner's feed: what is out, in its order
CREATE INDEX announcements_feed ON announcements (org_id, feed_at DESC, id DESC) WHERE status = 'published';
-- the sweep: what is due to go out or to expire
CREATE INDEX announcements_scheduled ON announcements (publish_at) WHERE status = 'scheduled';
CREATE INDEX announcements_expiring ON announcements (expires_at) WHERE status = 'published';

CREATE TABLE announcement_receipts (
    org_id           uuid NOT NULL,
    announcement_id  uuid NOT NULL,
    user_id          uuid NOT NULL,
    read_at          timestamptz NOT NULL DEFAULT now(),
    acked_at         timestamptz,
    PRIMARY KEY (org_id, announcement_id, user_id),
    FOREIGN KEY (org_id, announcement_id) REFERENCES announcements (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE INDEX announcement_receipts_by_user ON announcement_receipts (org_id, user_id);

-- The units an announcement targets, with their building and community.
CREATE FUNCTION pd_announcement_units(a announcements)
RETURNS TABLE (unit_id uuid, building_id uuid, community_id uuid)
LANGUAGE sql STABLE AS $$
SELECT u.id, u.building_id, u.community_id FROM units u
WHERE u.org_id = a.org_id
  AND (a.audience = 'org'
       OR (a.audience = 'communities' AND u.community_id = ANY (a.community_ids))
       OR (a.audience = 'buildings' AND u.building_id = ANY (a.building_ids)))
$$;

-- Whether a is out (published, unexpired) and reaches one of units (an owner's verified
-- homes): what an owner may read of it, its attachments included.
CREATE FUNCTION pd_announcement_reaches(a announcements, units uuid[]) RETURNS boolean
LANGUAGE sql STABLE AS $$
SELECT a.status = 'published' AND (a.expires_at IS NULL OR a.expires_at > now()) AND EXISTS (
    SELECT 1 FROM units u WHERE u.org_id = a.org_id AND u.id = ANY (units)
      AND (a.audience = 'org' OR (a.audience = 'communities' AND u.community_id = ANY (a.community_ids))
           OR (a.audience = 'buildings' AND u.building_id = ANY (a.building_ids))))
$$;

CREATE FUNCTION pd_announcement_doc(a announcements) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object('id', a.id, 'title', a.title, 'body', a.body, 'category', a.category,
    'audience', a.audience, 'community_ids', a.community_ids, 'building_ids', a.building_ids,
    'attachment_ids', a.attachment_ids, 'pinned', a.pinned, 'requires_ack', a.requires_ack,
    'outage_window', CASE WHEN a.outage_from IS NULL THEN NULL
                          ELSE json_build_object('from', pd_ts(a.outage_from), 'to', pd_ts(a.outage_to)) END,
    'publish_at', pd_ts(a.publish_at), 'expires_at', pd_ts(a.expires_at), 'status', a.status,
    'amended', a.amends_id IS NOT NULL, 'amends_id', a.amends_id, 'amended_by_id', a.amended_by_id,
    'withdraw_reason', a.withdraw_reason, 'published_at', pd_ts(a.published_at), 'withdrawn_at', pd_ts(a.withdrawn_at),
    'archived_at', pd_ts(a.archived_at), 'version', a.version, 'created_at', pd_ts(a.created_at),
    'updated_at', pd_ts(a.updated_at))
$$;

-- The staff's part: what owners never see (who wrote and published it, a report's figures
-- with their complaint numbers).
CREATE FUNCTION pd_announcement_staff_doc(a announcements) RETURNS json
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT json_build_object('report', a.report, 'created_by', a.created_by, 'published_by', a.published_by)
$$;

CREATE FUNCTION pd_announcement_render() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    o announcements;
BEGIN
    NEW.feed_at := CASE WHEN NEW.pinned THEN NEW.published_at + interval '100 years' ELSE NEW.published_at END;
    IF TG_OP = 'UPDATE' AND NEW.doc IS NOT NULL THEN
        o := OLD;
        o.doc := NEW.doc; o.staff_doc := NEW.staff_doc;
        IF o IS NOT DISTINCT FROM NEW THEN
            RETURN NEW;
        END IF;
    END IF;
    NEW.doc := pd_announcement_doc(NEW);
    NEW.staff_doc := pd_announcement_staff_doc(NEW);
    RETURN NEW;
END
$$;
CREATE TRIGGER announcements_render BEFORE INSERT OR UPDATE ON announcements
    FOR EACH ROW EXECUTE FUNCTION pd_announcement_render();

-- The spine learns announcements (0022): staff by the first community targeted (none for the
-- org: org-wide staff), and the residents it reaches.
CREATE FUNCTION pd_subject_announcement(p_org uuid, p_id uuid,
    OUT ticket_id uuid, OUT work_order_id uuid, OUT community_id uuid, OUT label text)
LANGUAGE sql STABLE AS $$
SELECT NULL::uuid, NULL::uuid, a.community_ids[1], a.title FROM announcements a WHERE a.org_id = p_org AND a.id = p_id
$$;

--   residents  the verified residents of the units it targets
CREATE FUNCTION pd_audience_announcement(p_org uuid, p_audience text, p_id uuid) RETURNS SETOF uuid
LANGUAGE plpgsql STABLE AS $$
BEGIN
    CASE p_audience
    WHEN 'residents' THEN
        RETURN QUERY
        SELECT DISTINCT r.user_id FROM announcements a, pd_announcement_units(a) t
        JOIN residencies r ON r.org_id = p_org AND r.unit_id = t.unit_id AND r.status = 'verified'
        WHERE a.org_id = p_org AND a.id = p_id;
    ELSE
        RAISE EXCEPTION 'pd_audience_announcement: unknown audience %', p_audience;
    END CASE;
END
$$;

CREATE FUNCTION pd_stale_in_announcements() RETURNS SETOF uuid
LANGUAGE sql STABLE AS $$
SELECT a.id FROM announcements a WHERE a.doc IS DISTINCT FROM pd_announcement_doc(a)::text
   OR a.staff_doc IS DISTINCT FROM pd_announcement_staff_doc(a)::text
$$;

-- The event of a publication, by a person (after the guarded change, src/announcements.c) or
-- by the sweep (src/jobs.c): every targeted resident is told. Returns the event's seq.
CREATE FUNCTION pd_announcement_published(p_org uuid, p_id uuid, p_actor uuid, p_actor_role text, p_from text)
RETURNS bigint LANGUAGE sql AS $$
SELECT pd_emit(a.org_id, 'announcement', a.id, 'announcement.published', p_actor, p_actor_role, p_from, 'published',
               jsonb_build_object('category', a.category, 'pinned', a.pinned, 'requires_ack', a.requires_ack,
                                  'amends_id', a.amends_id),
               'public', jsonb_build_array(jsonb_build_object('to', 'residents', 'type', 'announcement.published',
                   'title', CASE WHEN a.amends_id IS NOT NULL THEN '【更正】' ELSE '' END || a.title,
                   'body', left(a.body, 200))))
FROM announcements a WHERE a.org_id = p_org AND a.id = p_id
$$;
