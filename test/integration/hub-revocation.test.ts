// A vehicle revoked while connected: its push socket and its call socket close, and only its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { revokeVehicle } from '../../hub/server';
import { REVOKED_CLOSE_CODE } from '../../hub/server/push';
import { startTestHub, vehicleClient, type TestHub } from '../support/hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ turn: { urls: ['turn:127.0.0.1:3478?transport=udp'], secret: 'test-only-turn-secret' } });
});
afterAll(async () => {
  await t.stop();
});

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

describe('revocation of a connected vehicle', () => {
  it('closes the revoked vehicle’s push and call sockets at the next check, leaving other vehicles connected', async () => {
    const revoked = await t.enroll('car-stolen');
    const other = await t.enroll('car-kept');
    const push = await vehicleClient(t.hub.url, revoked).socket(0);
    const kept = await vehicleClient(t.hub.url, other).socket(0);
    const call = new WebSocket(`${t.hub.url.replace('https', 'wss')}/api/v1/vehicle/consultations/ws`, { cert: revoked.cert, key: revoked.key, ca: revoked.ca });
    await new Promise((resolve, reject) => call.once('open', resolve).once('error', reject));
    const pushClosed = closed(push.ws);
    const callClosed = closed(call);

    expect(await t.hub.push.closeRevoked()).toBe(0);
    // As `odekake vehicle revoke` does it: written to the store by another process, nothing published.
    await revokeVehicle({ dataDir: t.dataDir, vehicleId: 'car-stolen', actor: 'admin' });
    expect(await t.hub.push.closeRevoked()).toBe(1);
    expect(await pushClosed).toBe(REVOKED_CLOSE_CODE);
    expect(await callClosed).toBe(REVOKED_CLOSE_CODE);
    expect(kept.ws.readyState).toBe(WebSocket.OPEN);
    expect(t.hub.push.connectedVehicles()).toEqual(['car-kept']);
    await expect(vehicleClient(t.hub.url, revoked).socket(0)).rejects.toThrow(/403/);
    kept.ws.close();
  });
});
