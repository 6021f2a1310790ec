// One PIN per visit, through real pcscd + vpcd with the virtual card: the read that filled the form is
// the identity check for the request made from it (with staff having compared the face on the card),
// and only while that same card is in the reader. A read from before this visit never counts.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../electron/core/clock';
import { VISIT_READ_MAX_MS } from '../../electron/core/card-flows';
import { KeyFileProvider } from '../../electron/core/crypto';
import { loadFeeTable } from '../../electron/core/fees';
import { IDLE_LOCK_MS } from '../../electron/core/staff';
import { TerminalCore } from '../../electron/core/terminal';
import type { CardService } from '../../native/card/service';
import { loadProfile } from '../../native/card/virtual/index';
import { useCardRig } from '../support/use-card-rig';
import { demoStaff, feesFile, juminhyoRequest, staffFile, tempDir } from '../support/fixtures';
import { contractOn } from '../support/contract';

const rig = useCardRig();
let tmp: ReturnType<typeof tempDir>;
let clock: ManualClock;
let core: TerminalCore;
const { ok, fails } = contractOn(() => core);
const hanako = loadProfile('yoshida-hanako');
const takashi = loadProfile('yamazaki-takashi');
const isoBirth = (yyyymmdd: string) => `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;

async function startCore(card: CardService = rig.service): Promise<void> {
  core = new TerminalCore({ dataDir: tmp.dir, keys: new KeyFileProvider(join(tmp.dir, 'data.key')), fees: loadFeeTable(feesFile), place: 't', clock, card });
  core.staff.seedFromFile(staffFile);
  await ok('signIn', demoStaff);
}

beforeEach(async () => {
  tmp = tempDir();
  clock = new ManualClock();
  await startCore();
});
afterEach(async () => {
  await core.close();
  tmp.remove();
});

/** 書かない窓口: the resident types the PIN once, the form fills, staff add the kana and make the request. */
async function fillAndCreate(profile = hanako): Promise<string> {
  await ok('startCardRead', { purpose: 'fill' });
  await ok('submitCardPin', { pin: profile.pin }, 'resident');
  const { filled } = await ok('getCardSession', {});
  await ok('cancelCardRead', {}); // the form took the card's data (the staff screen does this)
  clock.advance(60_000);
  const { id } = await ok('createRequest', juminhyoRequest({ subject: { name: filled.name, kana: 'よしだ はなこ', birthDate: filled.birthDate, address: filled.address } }));
  return id;
}

describe('one PIN per visit', () => {
  it('takes the read that filled the form as the identity check, records how and when, and spends no second PIN', async () => {
    const card = await rig.insert(hanako.id);
    const id = await fillAndCreate();
    const read = await ok('getVisitCardRead', {});
    expect(read).toEqual({ readAt: '2026-11-24T01:00:00.000Z' });

    const summary = await ok('confirmIdentityFromCardRead', { id, faceChecked: true });
    expect(summary.step).toBe('identity_checked');
    expect(card.card.verifyAttempts).toBe(1);
    const detail = await ok('getRequest', { id });
    expect(detail.identity).toEqual({
      documents: [{ kind: 'mynumber_card' }],
      cardRead: { method: 'card_read_this_visit', readAt: '2026-11-24T01:00:00.000Z', faceChecked: true },
    });
    const audit = core.audit.forRequest(id);
    expect(audit.find((r) => r.action === 'request.identity_checked')?.detail).toContain('card_read_this_visit');
    expect(audit.find((r) => r.action === 'card.identity_from_visit_read')?.detail).toContain('2026-11-24T01:00:00.000Z');
    // No card data in the audit trail: not the name, the address nor the birth date.
    for (const row of audit) {
      for (const secret of [hanako.address.slice(0, 6), hanako.name, isoBirth(hanako.birthDate)]) expect(row.detail ?? '').not.toContain(secret);
    }
  });

  it('needs staff to have compared the face on the card, and says so naming the checkbox', async () => {
    await rig.insert(hanako.id);
    const id = await fillAndCreate();
    const e = await fails('confirmIdentityFromCardRead', { id, faceChecked: false });
    expect(e).toMatchObject({ code: 'INVALID_INPUT', fields: [{ path: 'faceChecked' }] });
    expect(e.message).toContain('カードの顔写真と本人を確認しました');
    expect((await ok('getRequest', { id })).step).toBe('entered');
  });

  it('does not count once the card was pulled and another put in', async () => {
    const first = await rig.insert(hanako.id);
    const id = await fillAndCreate();
    first.remove();
    await rig.waitForCard(false);
    expect(await ok('getVisitCardRead', {})).toBeNull();
    expect(await ok('getCardInReader', {}, 'resident')).toEqual({ inReader: false });
    await rig.insert(takashi.id);
    expect(await ok('getCardInReader', {})).toEqual({ inReader: true });
    expect((await fails('confirmIdentityFromCardRead', { id, faceChecked: true })).code).toBe('CARD_READ_NOT_THIS_VISIT');
    expect((await ok('getRequest', { id })).step).toBe('entered');
  });

  it('compares the certificate of the card in the reader with the one read, even when the reader’s events were lost', async () => {
    // A reader whose remove events never reach the core (pcscd restarted at the wrong moment).
    const real = rig.service;
    const deaf: CardService = {
      status: (o) => real.status(o),
      cardPresent: () => real.cardPresent(),
      readBasicInfo: (pin, o) => real.readBasicInfo(pin, o),
      readAuthCertificate: (o) => real.readAuthCertificate(o),
      signForAuth: (c, pin, o) => real.signForAuth(c, pin, o),
      on(event, listener) {
        if (event !== 'card-removed') real.on(event, listener as never);
        return this;
      },
      off(event, listener) {
        real.off(event, listener as never);
        return this;
      },
      close: () => undefined,
    };
    await core.close();
    await startCore(deaf);
    const first = await rig.insert(hanako.id);
    const id = await fillAndCreate();
    first.remove();
    await rig.waitForCard(false);
    const other = await rig.insert(takashi.id);
    const e = await fails('confirmIdentityFromCardRead', { id, faceChecked: true });
    expect(e.code).toBe('CARD_NOT_THE_SAME');
    expect(e.message).toContain('暗証番号をもう一度');
    expect(await ok('getVisitCardRead', {})).toBeNull();
    // Asking again is still possible: the other card's PIN is never sent by the refused path.
    expect(other.card.verifyAttempts).toBe(0);
  });

  it('does not count a read from another session of the terminal', async () => {
    await rig.insert(hanako.id);
    const id = await fillAndCreate();
    await core.close();
    await startCore();
    expect(await ok('getVisitCardRead', {})).toBeNull();
    expect((await fails('confirmIdentityFromCardRead', { id, faceChecked: true })).code).toBe('CARD_READ_NOT_THIS_VISIT');
  });

  it('does not count for a request made before the read, nor after the visit has gone on too long or staff signed out', async () => {
    await rig.insert(hanako.id);
    clock.advance(-120_000);
    const earlier = (await ok('createRequest', juminhyoRequest({ subject: { name: hanako.name, kana: 'よしだ はなこ', birthDate: isoBirth(hanako.birthDate), address: hanako.address } }))).id;
    clock.advance(120_000);
    const id = await fillAndCreate();
    expect((await fails('confirmIdentityFromCardRead', { id: earlier, faceChecked: true })).code).toBe('CARD_READ_NOT_THIS_VISIT');

    // Staff keep working (no idle lock) while the visit goes on past its limit.
    for (let waited = 0; waited <= VISIT_READ_MAX_MS; waited += IDLE_LOCK_MS / 2) {
      clock.advance(IDLE_LOCK_MS / 2);
      await ok('reportActivity', {});
    }
    expect((await fails('confirmIdentityFromCardRead', { id, faceChecked: true })).code).toBe('CARD_READ_NOT_THIS_VISIT');

    const again = await fillAndCreate();
    await ok('signOut', {});
    await ok('signIn', demoStaff);
    expect((await fails('confirmIdentityFromCardRead', { id: again, faceChecked: true })).code).toBe('CARD_READ_NOT_THIS_VISIT');
  });

  it('refuses when the request no longer matches the card, naming the field', async () => {
    await rig.insert(hanako.id);
    await ok('startCardRead', { purpose: 'fill' });
    await ok('submitCardPin', { pin: hanako.pin }, 'resident');
    await ok('cancelCardRead', {});
    const { id } = await ok('createRequest', juminhyoRequest({ subject: { name: hanako.name, kana: 'よしだ はなこ', birthDate: isoBirth(hanako.birthDate), address: '福島県いわき市平字架空町9-9' } }));
    const e = await fails('confirmIdentityFromCardRead', { id, faceChecked: true });
    expect(e.code).toBe('CARD_READ_MISMATCH');
    expect(e.message).toContain('住所が違います');
  });

  it('records a fresh PIN check as such, with the time of that read', async () => {
    await rig.insert(hanako.id);
    const id = await fillAndCreate();
    await ok('startCardRead', { purpose: 'identity', requestId: id });
    await ok('submitCardPin', { pin: hanako.pin }, 'resident');
    expect((await ok('getRequest', { id })).identity).toEqual({
      documents: [{ kind: 'mynumber_card' }],
      cardRead: { method: 'card_pin', readAt: '2026-11-24T01:01:00.000Z' },
    });
  });
});
