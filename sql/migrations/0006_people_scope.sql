-- Personal data shown to whom (DESIGN §3), decided here once per kind of value:
--  * a resident's phone and e-mail are masked for every caller but admins (pd_user_json);
--  * a desk-intake ticket's reporter phone is masked unless the caller's query reveals it
--    (pd_ticket_json; src/tickets.c decides, from the caller and the ticket's work orders);
--  * a search may match a masked phone only on what the caller sees of it (pd_phone_matches).
-- The one-argument renderers of 0001/0002 now delegate, so each object has one wire shape.

-- "138****0001": the first 3 and last 4 characters; "****" when too short to hide anything.
CREATE FUNCTION pd_mask_phone(phone text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE WHEN phone IS NULL THEN NULL
            WHEN length(phone) BETWEEN 8 AND 20 THEN left(phone, 3) || '****' || right(phone, 4)
            ELSE '****' END
$$;

-- "z***@example.com": the first character and the domain.
CREATE FUNCTION pd_mask_email(email text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE WHEN email IS NULL THEN NULL
            WHEN email ~ '^[^@]+@[^@]+$' THEN left(email, 1) || '***' || substr(email, strpos(email, '@'))
            ELSE '***' END
$$;

-- Whether q finds this phone. Unmasked: any substring. Masked: only the four digits the
-- caller sees at the end of the masked form, exactly — never the full number nor a
-- substring that crosses hidden digits, so a search cannot confirm what the mask hides.
CREATE FUNCTION pd_phone_matches(phone text, q text, masked boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE WHEN phone IS NULL OR q IS NULL THEN false
            WHEN masked THEN q ~ '^[0-9]{4}$' AND right(pd_mask_phone(phone), 4) = q
            ELSE strpos(phone, q) > 0 END
$$;

-- Whether a user's phone and e-mail are masked for a caller; reveal is true for admins and
-- for the user themselves. Staff contact details are not masked (colleagues call them).
CREATE FUNCTION pd_user_pii_masked(u users, reveal boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT NOT reveal AND u.kind = 'resident'
$$;

CREATE FUNCTION pd_user_json(u users, reveal boolean) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object('id', u.id, 'kind', u.kind, 'name', u.name, 'username', u.username,
    'phone', CASE WHEN pd_user_pii_masked(u, reveal) THEN pd_mask_phone(u.phone) ELSE u.phone END,
    'email', CASE WHEN pd_user_pii_masked(u, reveal) THEN pd_mask_email(u.email) ELSE u.email END,
    'department', u.department, 'status', u.status,
    'version', u.version, 'created_at', pd_ts(u.created_at), 'updated_at', pd_ts(u.updated_at))
$$;

CREATE OR REPLACE FUNCTION pd_user_json(u users) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT pd_user_json(u, true)
$$;

-- reveal_pii: the caller may see the reporter's phone in full (computed by the query: it
-- depends on the ticket's work orders, and a sub-select here would stop inlining).
CREATE FUNCTION pd_ticket_json(t tickets, unit_number text, reveal_pii boolean) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object('id', t.id, 'number', t.number, 'community_id', t.community_id,
    'unit_id', t.unit_id, 'unit_number', unit_number,
    'location', t.location, 'kind', t.kind, 'category', t.category, 'department', t.department,
    'priority', t.priority, 'requested_priority', t.requested_priority, 'status', t.status,
    'description', t.description, 'occurred_at', pd_ts(t.occurred_at),
    'visit_window', CASE WHEN t.visit_from IS NULL THEN NULL
                    ELSE json_build_object('from', pd_ts(t.visit_from), 'to', pd_ts(t.visit_to)) END,
    'entry_permission', t.entry_permission, 'paid_service', t.paid_service, 'channel', t.channel,
    'reporter', json_build_object('id', t.reporter_id, 'name', t.reporter_name,
        'phone', CASE WHEN reveal_pii THEN t.reporter_phone ELSE pd_mask_phone(t.reporter_phone) END),
    'attachment_ids', t.attachment_ids, 'reply', t.reply, 'reopen_count', t.reopen_count,
    'rating', t.rating, 'rating_comment', t.rating_comment, 'cancel_reason', t.cancel_reason,
    'sla', json_build_object(
        'contact', pd_clock_json(t.contact_due, t.contact_met_at, t.contact_breached, t.status = 'on_hold'),
        'arrival', pd_clock_json(t.arrival_due, t.arrival_met_at, t.arrival_breached, t.status = 'on_hold'),
        'resolution', pd_clock_json(t.resolve_due, t.resolve_met_at, t.resolve_breached, t.status = 'on_hold'),
        'business_hours', t.sla_business_hours),
    'overdue', t.contact_breached OR t.arrival_breached OR t.resolve_breached,
    'resolved_at', pd_ts(t.resolved_at), 'closed_at', pd_ts(t.closed_at),
    'version', t.version, 'created_at', pd_ts(t.created_at), 'updated_at', pd_ts(t.updated_at))
$$;

CREATE OR REPLACE FUNCTION pd_ticket_json(t tickets, unit_number text) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT pd_ticket_json(t, unit_number, true)
$$;
