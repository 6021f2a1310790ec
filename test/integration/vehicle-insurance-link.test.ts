// マイナ保険証紐付け from the vehicle: the terminal core asks city hall for a challenge, the virtual card
// (real pcscd + vpcd) signs it after the resident's PIN, and the real hub verifies and records the link.
// Offline, the terminal refuses and keeps nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../electron/core/clock';
import { KeyFileProvider } from '../../electron/core/crypto';
import { loadFeeTable } from '../../electron/core/fees';
import { HttpsHubTransport, loadEnrollment } from '../../electron/core/hub-transport';
import { TerminalCore } from '../../electron/core/terminal';
import { loadProfile } from '../../native/card/virtual/index';
import { startCardRig, type CardRig } from '../support/card-rig';
import { demoStaff, feesFile, projectRoot, staffFile, tempDir } from '../support/fixtures';
import { startTestHub, type TestHub } from '../support/hub';
import type { KyselyHubStore } from '../../hub/store/store';
import { contractOn } from '../support/contract';

const testCa = readFileSync(join(projectRoot, 'fixtures', 'cards', 'keys', 'test-ca.cert.pem'), 'utf8');
const hanako = loadProfile('yoshida-hanako');
const insurance = { insurerNumber: '070045', symbol: 'いわき国保', number: '4711235', branch: '01' };

let rig: CardRig;
let tmp: ReturnType<typeof tempDir>;
let hub: TestHub;
let core: TerminalCore;
const { call, ok } = contractOn(() => core);

beforeAll(async () => {
  rig = await startCardRig();
}, 60_000);
afterAll(async () => {
  await rig.stop();
});
beforeEach(async () => {
  tmp = tempDir();
  hub = await startTestHub({ dataDir: join(tmp.dir, 'hub'), jpkiCaPem: testCa });
  const creds = loadEnrollment((await hub.enroll('vehicle-link')).dir);
  core = new TerminalCore({
    dataDir: join(tmp.dir, 'vehicle'),
    keys: new KeyFileProvider(join(tmp.dir, 'vehicle', 'data.key')),
    fees: loadFeeTable(feesFile),
    place: 'vehicle-link',
    clock: new ManualClock(),
    card: rig.service,
    hub: { transport: new HttpsHubTransport(creds, 3_000), printSigningKey: creds.printSigningKey },
  });
  core.staff.seedFromFile(staffFile);
  await ok('signIn', demoStaff);
});
afterEach(async () => {
  await rig.pullAll();
  await core.close();
  await hub.stop();
  tmp.remove();
});

describe('health-insurance linking from the vehicle', () => {
  it('links after the resident types the user-authentication PIN, and city hall records it', async () => {
    await rig.insert(hanako.id);
    await core.sync!.syncNow(); // online
    expect(await ok('startCardRead', { purpose: 'link', insurance })).toMatchObject({ purpose: 'link', stage: 'waiting_pin', triesLeft: 3 });
    expect(await ok('getResidentPin', {}, 'resident')).toMatchObject({ purpose: 'link', stage: 'waiting_pin' });
    await ok('submitCardPin', { pin: hanako.pin }, 'resident');
    const done = await ok('getCardSession', {});
    expect(done).toMatchObject({ stage: 'done', purpose: 'link' });
    expect(done.linkedAt).toEqual(expect.any(String));
    expect((await (hub.hub.store as KyselyHubStore).db.selectFrom('insurance_links').select('insurer_number').execute()).map((r) => r.insurer_number)).toEqual(['070045']);
    const actions = (core.db.prepare("SELECT action, detail FROM audit_log WHERE action LIKE 'card.%'").all() as { action: string; detail: string }[]);
    expect(actions.map((a) => a.action)).toContain('card.insurance_linked');
    // The signature is not kept anywhere on the vehicle.
    for (const a of actions) expect(a.detail).not.toMatch(/signature|070045|4711235/);
  });

  it('reports a refusal from city hall in Japanese and spends the PIN try only once', async () => {
    const card = await rig.insert(hanako.id);
    await core.sync!.syncNow();
    await ok('startCardRead', { purpose: 'link', insurance: { ...insurance, insurerNumber: '070046' } });
    const refused = await call('submitCardPin', { pin: hanako.pin }, 'resident');
    expect(refused).toMatchObject({ ok: false, error: { code: 'LINK_REFUSED' } });
    expect((refused as any).error.message).toContain('保険の資格が確認できませんでした');
    expect(await ok('getCardSession', {})).toMatchObject({ stage: 'failed' });
    expect(card.card.triesLeft('jpkiAuth')).toBe(3); // the right PIN restored the counter; nothing retried
  });

  it('refuses to start while city hall is unreachable, before any PIN, and suggests the next visit', async () => {
    const card = await rig.insert(hanako.id);
    await hub.stop();
    await core.sync!.syncNow(); // offline now
    const r = await call('startCardRead', { purpose: 'link', insurance });
    expect(r).toMatchObject({ ok: false, error: { code: 'LINK_NEEDS_NETWORK' } });
    expect((r as any).error.message).toContain('次回の訪問');
    expect(card.card.verifyAttempts).toBe(0);
    hub = await startTestHub({ dataDir: join(tmp.dir, 'hub'), jpkiCaPem: testCa }); // for afterEach
  });
});
