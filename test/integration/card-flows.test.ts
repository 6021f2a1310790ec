// The terminal core's card flows through real pcscd + vpcd with the virtual card: the PIN goes from
// the resident screen to the card, the last try waits for staff, a mismatch is shown field by field,
// and a blocked card is never sent a PIN.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../electron/core/clock';
import { KeyFileProvider } from '../../electron/core/crypto';
import { loadFeeTable } from '../../electron/core/fees';
import { TerminalCore } from '../../electron/core/terminal';
import { loadProfile } from '../../native/card/virtual/index';
import { startCardRig, type CardRig } from '../support/card-rig';
import { demoStaff, feesFile, juminhyoRequest, staffFile, tempDir } from '../support/fixtures';
import { contractOn } from '../support/contract';

let rig: CardRig;
let tmp: ReturnType<typeof tempDir>;
let core: TerminalCore;
const { call, ok } = contractOn(() => core);
const hanako = loadProfile('yoshida-hanako');
const hanakoBirth = `${hanako.birthDate.slice(0, 4)}-${hanako.birthDate.slice(4, 6)}-${hanako.birthDate.slice(6, 8)}`;

beforeAll(async () => {
  rig = await startCardRig();
}, 60_000);
afterAll(async () => {
  await rig.stop();
});
beforeEach(async () => {
  tmp = tempDir();
  core = new TerminalCore({ dataDir: tmp.dir, keys: new KeyFileProvider(join(tmp.dir, 'data.key')), fees: loadFeeTable(feesFile), place: 't', clock: new ManualClock(), card: rig.service });
  core.staff.seedFromFile(staffFile);
  await ok('signIn', demoStaff);
});
afterEach(async () => {
  await rig.pullAll();
  await core.close();
  tmp.remove();
});

const hanakoRequest = (address = hanako.address) =>
  juminhyoRequest({ subject: { name: hanako.name, kana: 'よしだ はなこ', birthDate: hanakoBirth, address } });

describe('card flows in the terminal core', () => {
  it('records the identity check from the card when name, birth date and address all match', async () => {
    await rig.insert(hanako.id);
    const { id } = await ok('createRequest', hanakoRequest());
    expect(await ok('startCardRead', { purpose: 'identity', requestId: id })).toMatchObject({ stage: 'waiting_pin', triesLeft: 3 });
    expect(await ok('getResidentPin', {}, 'resident')).toEqual({ purpose: 'identity', stage: 'waiting_pin', triesLeft: 3, message: null });
    await ok('submitCardPin', { pin: hanako.pin }, 'resident');
    expect((await ok('getCardSession', {})).checks.every((c: any) => c.match)).toBe(true);
    const detail = await ok('getRequest', { id });
    expect(detail).toMatchObject({ step: 'identity_checked', identity: { documents: [{ kind: 'mynumber_card' }] } });
    // The card data is in memory only: nothing of it is in the audit trail.
    for (const row of core.audit.forRequest(id)) expect(row.detail).not.toContain(hanako.address.slice(0, 6));
  });

  it('shows a mismatch field by field and records nothing', async () => {
    await rig.insert(hanako.id);
    const { id } = await ok('createRequest', hanakoRequest('福島県いわき市平字架空町9-9'));
    await ok('startCardRead', { purpose: 'identity', requestId: id });
    await ok('submitCardPin', { pin: hanako.pin }, 'resident');
    const session = await ok('getCardSession', {});
    expect(session.stage).toBe('mismatch');
    expect(session.checks.map((c: any) => [c.field, c.match])).toEqual([
      ['name', true],
      ['birthDate', true],
      ['address', false],
    ]);
    expect((await ok('getRequest', { id })).step).toBe('entered');
  });

  it('stops before the last try until staff confirm, then spends it only once', async () => {
    const card = await rig.insert(hanako.id, { tries: { kenmen: 1 } });
    expect(await ok('startCardRead', { purpose: 'fill' })).toMatchObject({ stage: 'needs_confirmation', triesLeft: 1 });
    const refused = await call('submitCardPin', { pin: hanako.pin }, 'resident');
    expect(refused).toMatchObject({ ok: false, error: { code: 'CARD_NOT_WAITING_PIN', message: '職員にお声がけください。' } });
    expect(card.card.verifyAttempts).toBe(0);
    await ok('confirmLastPinTry', {});
    await ok('submitCardPin', { pin: hanako.pin }, 'resident');
    expect(await ok('getCardSession', {})).toMatchObject({ stage: 'done', filled: { birthDate: hanakoBirth } });
    expect(card.card.verifyAttempts).toBe(1);
  });

  it('refuses to start on a blocked card and says where it can be unlocked', async () => {
    const card = await rig.insert(hanako.id, { tries: { kenmen: 0 } });
    const r = await call('startCardRead', { purpose: 'fill' });
    expect(r).toMatchObject({ ok: false, error: { code: 'CARD_PIN_BLOCKED' } });
    expect((r as any).error.message).toContain('市役所の窓口');
    expect(card.card.verifyAttempts).toBe(0);
  });

  it('ends the session and clears the resident screen when the card is pulled', async () => {
    const card = await rig.insert(hanako.id);
    await ok('startCardRead', { purpose: 'fill' });
    card.remove();
    for (let i = 0; i < 100 && (await ok('getCardSession', {})) !== null; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await ok('getCardSession', {})).toBeNull();
    expect(await ok('getResidentPin', {}, 'resident')).toBeNull();
  });
});
