-- Attachments (photos, documents): the look-ups behind GET /v1/attachments/{id}, which
-- streams an attachment only to someone who may see a ticket or work order that names it.

CREATE INDEX tickets_by_attachment ON tickets USING gin (attachment_ids);
CREATE INDEX work_orders_by_photo ON work_orders USING gin ((before_photo_ids || after_photo_ids));
