-- Device tokens for push (DESIGN §11), and the inbox on the spine: every notification is
-- also an event, notification.created, so that the live stream tells its recipient at once
-- and a push gateway subscribed by webhook can deliver it without reading our database (its
-- message carries the notification and the recipient's device tokens, pd_webhook_data_
-- notification).

CREATE TABLE devices (
    org_id        uuid NOT NULL,
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL,
    platform      text NOT NULL,                 -- device_platform (0035)
    token         text NOT NULL CHECK (char_length(token) BETWEEN 1 AND 4096 AND token !~ '\s'),
    app_id        text NOT NULL CHECK (char_length(app_id) BETWEEN 1 AND 200),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
-- a token belongs to one user at a time: registering it again moves it (across orgs too)
CREATE UNIQUE INDEX devices_token ON devices (platform, app_id, token);
CREATE INDEX devices_of_user ON devices (org_id, user_id);

CREATE FUNCTION pd_device_json(d devices) RETURNS jsonb LANGUAGE sql STABLE AS $$
SELECT jsonb_build_object('id', d.id, 'platform', d.platform, 'token', d.token, 'app_id', d.app_id,
    'created_at', pd_ts(d.created_at), 'updated_at', pd_ts(d.updated_at))
$$;

-- notification.created, one per inbox row, in one statement per insert into the inbox.
CREATE FUNCTION pd_notifications_emit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO events (org_id, subject_type, subject_id, type, actor_role, details)
    SELECT a.org_id, 'notification', a.id, 'notification.created', 'system',
           jsonb_build_object('type', a.type, 'user_id', a.user_id, 'event_seq', a.event_seq)
    FROM added a ORDER BY a.created_at, a.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER notifications_emit AFTER INSERT ON notifications
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION pd_notifications_emit();

-- The spine learns notifications: no community, the title as label, the recipient as audience.
CREATE FUNCTION pd_subject_notification(p_org uuid, p_id uuid,
    OUT ticket_id uuid, OUT work_order_id uuid, OUT community_id uuid, OUT label text)
LANGUAGE sql STABLE AS $$
SELECT n.ticket_id, n.work_order_id, NULL::uuid, n.title FROM notifications n WHERE n.org_id = p_org AND n.id = p_id
$$;
CREATE FUNCTION pd_audience_notification(p_org uuid, p_audience text, p_id uuid) RETURNS SETOF uuid
LANGUAGE plpgsql STABLE AS $$
BEGIN
    CASE p_audience
    WHEN 'recipient' THEN
        RETURN QUERY SELECT n.user_id FROM notifications n WHERE n.org_id = p_org AND n.id = p_id;
    ELSE
        RAISE EXCEPTION 'pd_audience_notification: unknown audience %', p_audience;
    END CASE;
END
$$;

-- What a push gateway needs in the message of notification.created (merged into its data).
CREATE FUNCTION pd_webhook_data_notification(e events) RETURNS jsonb LANGUAGE sql STABLE AS $$
SELECT jsonb_build_object(
    'notification', jsonb_build_object('id', n.id, 'user_id', n.user_id, 'type', n.type, 'title', n.title,
        'body', n.body, 'subject_type', n.subject_type, 'subject_id', n.subject_id, 'created_at', pd_ts(n.created_at)),
    'devices', coalesce((SELECT jsonb_agg(jsonb_build_object('platform', d.platform, 'token', d.token,
        'app_id', d.app_id) ORDER BY d.created_at, d.id)
        FROM devices d WHERE d.org_id = n.org_id AND d.user_id = n.user_id), '[]'))
FROM notifications n WHERE n.org_id = e.org_id AND n.id = e.subject_id
$$;
