// Revocation reaches a running hub at once. A vehicle revoked while connected: its push socket and its
// call socket close, and only its own. One certificate revoked from the command line (`odekake vehicle
// revoke-cert`): the sockets opened with it close, the vehicle's other certificate keeps working. A
// vehicle enrolled again (a replaced laptop): the old certificate is revoked by default.
//
// On PostgreSQL the revocation reaches every hub process through the bus, so the periodic check is set
// to an hour here and cannot be what closed the sockets; a SQLite hub is one process, and its check
// runs every few hundred milliseconds in this test (two seconds by default).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { enrollVehicle, revokeVehicle } from '../../hub/server';
import { REVOKED_CLOSE_CODE } from '../../hub/server/push';
import { tempDir } from '../support/fixtures';
import { cliPath } from '../support/host';
import { startTestHub, vehicleClient, type TestHub, type VehicleTls } from '../support/hub';
import { testStore } from '../support/hub-store';

let t: TestHub;
let scratch: ReturnType<typeof tempDir>;
beforeAll(async () => {
  scratch = tempDir();
  t = await startTestHub({
    turn: { urls: ['turn:127.0.0.1:3478?transport=udp'], secret: 'test-only-turn-secret' },
    revocationCheckMs: testStore === 'postgres' ? 3_600_000 : 200,
  });
});
afterAll(async () => {
  await t.stop();
  scratch.remove();
});

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

/** The certificate files of an enrollment folder, as a vehicle client uses them. */
async function enrolledAgain(vehicleId: string, options: { keepOldCertificates?: boolean } = {}): Promise<VehicleTls & { fingerprint: string }> {
  const out = join(scratch.dir, `${vehicleId}-${Date.now()}`);
  const m = await enrollVehicle({ dataDir: t.dataDir, vehicleId, outDir: out, ...options });
  const read = (f: string) => readFileSync(join(m.dir, f), 'utf8');
  return { vehicleId, dir: m.dir, cert: read(m.files.cert), key: read(m.files.key), ca: read(m.files.ca), printSigningPublicKey: read(m.files.printSigningKey), fingerprint: m.certificateFingerprint };
}

describe(`revocation reaches the running hub (${testStore})`, () => {
  it('closes a revoked vehicle’s push and call sockets, leaving other vehicles connected', async () => {
    const revoked = await t.enroll('car-stolen');
    const other = await t.enroll('car-kept');
    const push = await vehicleClient(t.hub.url, revoked).socket(0);
    const kept = await vehicleClient(t.hub.url, other).socket(0);
    const call = new WebSocket(`${t.hub.url.replace('https', 'wss')}/api/v1/vehicle/consultations/ws`, { cert: revoked.cert, key: revoked.key, ca: revoked.ca });
    await new Promise((resolve, reject) => call.once('open', resolve).once('error', reject));
    const pushClosed = closed(push.ws);
    const callClosed = closed(call);

    // As `odekake vehicle revoke` does it: written by another process.
    await revokeVehicle({ dataDir: t.dataDir, vehicleId: 'car-stolen', actor: 'admin' });
    expect(await pushClosed).toBe(REVOKED_CLOSE_CODE);
    expect(await callClosed).toBe(REVOKED_CLOSE_CODE);
    expect(kept.ws.readyState).toBe(WebSocket.OPEN);
    await expect.poll(() => t.hub.push.connectedVehicles()).toEqual(['car-kept']);
    await expect(vehicleClient(t.hub.url, revoked).socket(0)).rejects.toThrow(/403/);
    kept.ws.close();
  });

  it('revokes one certificate from the command line: its socket closes, the vehicle’s other certificate goes on', async () => {
    const first = await enrolledAgain('car-two-laptops');
    const second = await enrolledAgain('car-two-laptops', { keepOldCertificates: true });
    const onFirst = await vehicleClient(t.hub.url, first).socket(0);
    const onSecond = await vehicleClient(t.hub.url, second).socket(0);
    const firstClosed = closed(onFirst.ws);

    const done = spawnSync(process.execPath, [cliPath, 'vehicle', 'revoke-cert', '--hub-data', t.dataDir, '--fingerprint', first.fingerprint.toLowerCase()], {
      encoding: 'utf8', env: { ...process.env, ODEKAKE_LOG_LEVEL: 'silent' },
    });
    expect(done.status, done.stderr).toBe(0);
    expect(done.stdout).toContain('car-two-laptops の証明書');
    expect(await firstClosed).toBe(REVOKED_CLOSE_CODE);
    expect(onSecond.ws.readyState).toBe(WebSocket.OPEN);
    expect((await vehicleClient(t.hub.url, first).inbox(0)).body).toMatchObject({ code: 'REVOKED_VEHICLE' });
    expect((await vehicleClient(t.hub.url, second).inbox(0)).status).toBe(200);

    // Again: already revoked; and a fingerprint the hub never issued.
    const again = spawnSync(process.execPath, [cliPath, 'vehicle', 'revoke-cert', '--hub-data', t.dataDir, '--fingerprint', first.fingerprint], { encoding: 'utf8' });
    expect(again.status).not.toBe(0);
    expect(again.stderr).toContain('すでに失効しています');
    const unknown = spawnSync(process.execPath, [cliPath, 'vehicle', 'revoke-cert', '--hub-data', t.dataDir, '--fingerprint', Array(32).fill('AB').join(':')], { encoding: 'utf8' });
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain('このハブが発行したものではありません');
    onSecond.ws.close();
  });

  it('revokes the earlier certificate when a vehicle is enrolled again, and its open socket closes', async () => {
    const old = await enrolledAgain('car-replaced');
    const onOld = await vehicleClient(t.hub.url, old).socket(0);
    const oldClosed = closed(onOld.ws);
    const replacement = await enrolledAgain('car-replaced');
    expect(await oldClosed).toBe(REVOKED_CLOSE_CODE);
    expect((await vehicleClient(t.hub.url, old).inbox(0)).body).toMatchObject({ code: 'REVOKED_VEHICLE' });
    expect((await vehicleClient(t.hub.url, replacement).inbox(0)).status).toBe(200);
  });
});
