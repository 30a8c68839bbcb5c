-- Demo data (DESIGN §13), idempotent: every id is fixed or derived, every insert skips rows
-- that exist. The password hash comes from the session setting propdesk.demo_hash, which
-- `propdesk seed-demo` sets to argon2id('demo-pass-1'); the departments from
-- propdesk.departments, [{code, name}] from the label table (src/enums.c).

INSERT INTO orgs (id, name) VALUES
    ('10000000-0000-4000-8000-000000000001', '示例物业'),
    ('20000000-0000-4000-8000-000000000002', '对照物业')
ON CONFLICT DO NOTHING;

INSERT INTO departments (org_id, code, name)
SELECT o.id, d.code, d.name
FROM orgs o CROSS JOIN json_to_recordset(current_setting('propdesk.departments')::json) AS d (code text, name text)
WHERE o.id IN ('10000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000002')
ON CONFLICT DO NOTHING;

INSERT INTO communities (org_id, id, name, code, address) VALUES
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000c1', '新苑小区', 'XY', '上海市浦东新区新苑路 88 号'),
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000c2', '光华小区', 'GH', '上海市徐汇区光华路 12 号'),
    ('20000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-0000000000c3', '对照花园', 'DZ', '北京市朝阳区对照街 1 号')
ON CONFLICT DO NOTHING;

-- buildings: 1–3 in 新苑小区, 1 in 光华小区 and in 对照花园
INSERT INTO buildings (org_id, id, community_id, name, code)
SELECT c.org_id, md5('building:' || c.id || ':' || b)::uuid, c.id, b || '号楼', b::text
FROM communities c CROSS JOIN generate_series(1, 3) AS b
WHERE (c.id = '10000000-0000-4000-8000-0000000000c1')
   OR (c.id IN ('10000000-0000-4000-8000-0000000000c2', '20000000-0000-4000-8000-0000000000c3') AND b = 1)
ON CONFLICT DO NOTHING;

-- units "<building>-<entrance>-<floor><room>", e.g. 3-2-102: 2 entrances × 6 floors × 4 rooms
INSERT INTO units (org_id, id, community_id, building_id, number, floor, area_m2)
SELECT b.org_id, md5('unit:' || b.id || ':' || e || '-' || f || r)::uuid, b.community_id, b.id,
       b.code || '-' || e || '-' || f || lpad(r::text, 2, '0'), f, 89.50
FROM buildings b CROSS JOIN generate_series(1, 2) e CROSS JOIN generate_series(1, 6) f
CROSS JOIN generate_series(1, 4) r
WHERE b.community_id IN ('10000000-0000-4000-8000-0000000000c1', '10000000-0000-4000-8000-0000000000c2',
                         '20000000-0000-4000-8000-0000000000c3')
ON CONFLICT DO NOTHING;

INSERT INTO users (org_id, id, kind, name, username, phone, department, password_hash)
SELECT u.org_id::uuid, u.id::uuid, u.kind, u.name, u.username, u.phone, u.department,
       current_setting('propdesk.demo_hash')
FROM (VALUES
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000a1', 'staff', '系统管理员', 'admin', NULL, 'management'),
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000a2', 'staff', '李客服', 'agent', NULL, 'customer_service'),
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000a3', 'staff', '王师傅', 'tech', NULL, 'engineering'),
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000a4', 'staff', '赵师傅', 'tech2', NULL, 'engineering'),
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000a5', 'staff', '陈主管', 'super', NULL, 'customer_service'),
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000a6', 'staff', '刘经理', 'manager', NULL, 'management'),
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000a7', 'staff', '周品质', 'quality', NULL, 'quality'),
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000a8', 'staff', '郑工程主管', 'eng-super', NULL, 'engineering'),
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000b1', 'resident', '张业主', NULL, '13800000001', NULL),
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000b3', 'resident', '孙业主', NULL, '13800000003', NULL),
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000b2', 'resident', '吴业主', NULL, '13800000002', NULL),
    ('20000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-0000000000a1', 'staff', '对照管理员', 'other-admin', NULL, 'management'),
    ('20000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-0000000000b1', 'resident', '郑业主', NULL, '13900000001', NULL)
) AS u (org_id, id, kind, name, username, phone, department)
ON CONFLICT DO NOTHING;

INSERT INTO role_grants (org_id, id, user_id, role, community_id)
SELECT g.org_id::uuid, md5('grant:' || g.user_id || g.role)::uuid, g.user_id::uuid, g.role, g.community_id::uuid
FROM (VALUES
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000a1', 'admin', NULL),
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000a2', 'agent', '10000000-0000-4000-8000-0000000000c1'),
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000a3', 'technician', '10000000-0000-4000-8000-0000000000c1'),
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000a4', 'technician', '10000000-0000-4000-8000-0000000000c1'),
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000a5', 'supervisor', '10000000-0000-4000-8000-0000000000c1'),
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000a6', 'manager', NULL),
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000a7', 'quality', NULL),
    ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000a8', 'supervisor', '10000000-0000-4000-8000-0000000000c1'),
    ('20000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-0000000000a1', 'admin', NULL)
) AS g (org_id, user_id, role, community_id)
ON CONFLICT DO NOTHING;

-- verified residencies: 13800000001 → 新苑 3-2-102, 13800000003 → 新苑 3-2-103,
-- 13800000002 → 光华 1-1-101, 13900000001 → 对照花园 1-1-101
INSERT INTO residencies (org_id, id, user_id, unit_id, community_id, relation, status, verified_by, verified_at)
SELECT un.org_id, md5('residency:' || x.user_id || un.id)::uuid, x.user_id::uuid, un.id, un.community_id,
       'owner', 'verified', x.verifier::uuid, now()
FROM (VALUES
    ('10000000-0000-4000-8000-0000000000b1', '10000000-0000-4000-8000-0000000000c1', '3-2-102', '10000000-0000-4000-8000-0000000000a2'),
    ('10000000-0000-4000-8000-0000000000b3', '10000000-0000-4000-8000-0000000000c1', '3-2-103', '10000000-0000-4000-8000-0000000000a2'),
    ('10000000-0000-4000-8000-0000000000b2', '10000000-0000-4000-8000-0000000000c2', '1-1-101', '10000000-0000-4000-8000-0000000000a1'),
    ('20000000-0000-4000-8000-0000000000b1', '20000000-0000-4000-8000-0000000000c3', '1-1-101', '20000000-0000-4000-8000-0000000000a1')
) AS x (user_id, community_id, number, verifier)
JOIN units un ON un.community_id = x.community_id::uuid AND un.number = x.number
ON CONFLICT DO NOTHING;
