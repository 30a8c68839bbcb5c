// Device tokens for push: register, refresh, move to another user, list, delete; bad input is
// named; one user never sees or deletes another's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get, post, del, login, fieldsOf } from './lib.mjs';

test('a device token is registered, refreshed, moved to whoever registers it, listed and deleted', async () => {
  const [owner1, owner3, tech, otherOwner] = await Promise.all(['owner1', 'owner3', 'tech', 'otherOwner'].map((w) => login(w)));
  const token = `fcm:${Date.now().toString(36)}-${'x'.repeat(140)}`;
  const body = { platform: 'android', token, app_id: 'com.example.propdesk' };
  const a = await post('/v1/me/devices', body, { token: owner1 });
  assert.equal(a.status, 201, a.text);
  assert.equal(a.json.platform, 'android');
  assert.equal(a.headers.get('cache-control'), 'no-store');
  const again = await post('/v1/me/devices', body, { token: owner1 });
  assert.equal(again.status, 200, 'already mine: refreshed');
  assert.equal(again.json.id, a.json.id);
  // the phone changes hands (a family member logs in): the token follows, once
  const moved = await post('/v1/me/devices', body, { token: owner3 });
  assert.equal(moved.status, 201);
  assert.ok(!(await get('/v1/me/devices', { token: owner1 })).json.items.some((d) => d.token === token));
  assert.ok((await get('/v1/me/devices', { token: owner3 })).json.items.some((d) => d.token === token));
  // even to another org
  assert.equal((await post('/v1/me/devices', body, { token: otherOwner })).status, 201);
  assert.ok(!(await get('/v1/me/devices', { token: owner3 })).json.items.some((d) => d.token === token));
  const mine = (await get('/v1/me/devices', { token: otherOwner })).json.items.find((d) => d.token === token);
  assert.equal((await del(`/v1/me/devices/${mine.id}`, { token: owner3 })).status, 404, "not another's");
  assert.equal((await del(`/v1/me/devices/${mine.id}`, { token: otherOwner })).status, 204);
  assert.equal((await del(`/v1/me/devices/${mine.id}`, { token: otherOwner })).status, 404);
  // staff register theirs too (a technician's phone)
  assert.equal((await post('/v1/me/devices', { platform: 'web', token: `wp-${Date.now()}`, app_id: 'https://desk.example.com' }, { token: tech })).status, 201);
});

test('bad device input is named field by field', async () => {
  const owner1 = await login('owner1');
  const bad = await post('/v1/me/devices', { platform: 'symbian', token: 'a b', app_id: '', extra: 1 }, { token: owner1, expectInvalidRequest: true });
  assert.equal(bad.status, 400);
  assert.deepEqual(fieldsOf(bad).sort(), ['app_id', 'extra', 'platform', 'token']);
  const none = await post('/v1/me/devices', {}, { token: owner1, expectInvalidRequest: true });
  assert.deepEqual(fieldsOf(none).sort(), ['app_id', 'platform', 'token']);
  assert.equal((await get('/v1/me/devices', { expectInvalidRequest: true })).status, 401);
});
