import Database from 'better-sqlite3';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventName } from '../../protocol/ipc';
import { hashPin, IDLE_LOCK_MS } from '../../electron/core/staff';
import { openText } from '../../electron/core/crypto';
import type { TerminalCore } from '../../electron/core/terminal';
import { reachableHub } from '../support/reachable-hub';
import type { ManualClock } from '../../electron/core/clock';
import { demoStaff, juminhyoRequest, makeCore, tempDir } from '../support/fixtures';
import { contractOn } from '../support/contract';

let tmp: ReturnType<typeof tempDir>;
let core: TerminalCore;
const { ok, fails } = contractOn(() => core);
let clock: ManualClock;
let events: { name: EventName; payload: unknown }[];

async function queuedRequest(): Promise<string> {
  const { id } = await ok('createRequest', juminhyoRequest());
  await ok('checkIdentity', { id, identity: { documents: [{ kind: 'drivers_license', last4: '4321' }] } });
  await ok('showToResident', { id });
  await ok('confirmAsResident', { requestId: id }, 'resident');
  return id;
}

beforeEach(async () => {
  tmp = tempDir();
  ({ core, clock } = makeCore(tmp.dir));
  events = [];
  core.onEvent((name, payload) => events.push({ name, payload }));
  await ok('signIn', demoStaff);
});
afterEach(async () => {
  await core.close();
  tmp.remove();
});

describe('the terminal core through its contract', () => {
  it('creates a request with its fee from the fee table and a daily number, and lists it without personal fields', async () => {
    const a = await ok('createRequest', juminhyoRequest({ copies: 2 }));
    const b = await ok('createRequest', juminhyoRequest());
    expect(a).toMatchObject({ number: '001', feeYen: 600, step: 'entered' });
    expect(b.number).toBe('002');
    const list = await ok<any[]>('listToday', {});
    expect(list.map((r) => r.number)).toEqual(['002', '001']);
    expect(JSON.stringify(list)).not.toContain('磐城');
  });

  it('answers bad input with a Japanese message naming the field', async () => {
    const error = await fails('createRequest', { ...juminhyoRequest(), subject: { ...juminhyoRequest().subject, name: '' } });
    expect(error).toMatchObject({ code: 'INVALID_INPUT', message: '氏名を入力してください。' });
    expect(error.fields).toContainEqual({ path: 'subject.name', message: '氏名を入力してください。' });
  });

  it('queues the request for relay with an outbox message in the same step, and shows how many wait', async () => {
    const id = await queuedRequest();
    expect((await ok('getRequest', { id })).step).toBe('queued');
    expect(await ok('getRelayStatus', {})).toEqual({ online: false, waiting: 1, lastSyncAt: null, setAside: 0 });
    const [message] = core.outbox.pending();
    expect(message).toMatchObject({ requestId: id, kind: 'request.submit', payload: { requestId: id } });
    expect(events.some((e) => e.name === 'relayChanged' && (e.payload as any).waiting === 1)).toBe(true);
  });

  it('lets the resident confirm only the request on their screen, once, and never call staff operations', async () => {
    const { id } = await ok('createRequest', juminhyoRequest());
    expect((await fails('confirmAsResident', { requestId: id }, 'resident')).code).toBe('NOTHING_TO_CONFIRM');
    expect((await fails('listToday', {}, 'resident')).code).toBe('FORBIDDEN_SCREEN');
    expect((await fails('getResidentView', {}, 'staff')).code).toBe('FORBIDDEN_SCREEN');
    await ok('showToResident', { id });
    const view = await ok('getResidentView', {}, 'resident');
    expect(view).toMatchObject({ requestId: id, kindLabel: '住民票の写し', subjectName: '磐城 髙子', feeYen: 300 });
    await ok('confirmAsResident', { requestId: id }, 'resident');
    expect(await ok('getResidentView', {}, 'resident')).toBeNull();
    expect((await fails('confirmAsResident', { requestId: id }, 'resident')).code).toBe('NOTHING_TO_CONFIRM');
  });

  it('takes cash with change in integer yen and refuses too little', async () => {
    const id = await queuedRequest();
    for (const e of [{ type: 'RELAY_ACKED' }, { type: 'APPROVED' }, { type: 'PRINTED' }] as const) core.requests.applyExternal(id, e, 'system');
    await ok('checkPrinted', { id, ok: true });
    expect((await fails('recordPayment', { id, payment: { method: 'cash', tenderedYen: 200 } })).message).toBe('お預かり金額が足りません。手数料は300円です。');
    const paid = await ok('recordPayment', { id, payment: { method: 'cash', tenderedYen: 1000 } });
    expect(paid.payment).toEqual({ method: 'cash', amountYen: 300, tenderedYen: 1000, changeYen: 700 });
    expect((await fails('recordPayment', { id, payment: { method: 'cash', tenderedYen: 300 } })).code).toBe('ILLEGAL_TRANSITION');
    expect((await ok('handOver', { id })).step).toBe('handed_over');
    expect((await fails('handOver', { id })).code).toBe('ILLEGAL_TRANSITION');
  });

  it('records a cashless payment as its method while city hall is reachable', async () => {
    // Cashless goes through the payment agent: the terminal must know city hall answers.
    await core.close();
    ({ core, clock } = makeCore(tmp.dir, clock, reachableHub()));
    await ok('signIn', demoStaff);
    const id = await queuedRequest();
    await core.sync!.syncNow();
    expect((await ok('getRelayStatus', {})).online).toBe(true);
    for (const e of [{ type: 'APPROVED' }, { type: 'PRINTED' }] as const) core.requests.applyExternal(id, e, 'hub');
    await ok('checkPrinted', { id, ok: true });
    expect((await ok('recordPayment', { id, payment: { method: 'electronic_money' } })).payment).toEqual({ method: 'electronic_money', amountYen: 300, tenderedYen: null, changeYen: 0 });
  });

  it('refuses a cashless fee while city hall cannot be reached, and takes it in cash', async () => {
    const id = await queuedRequest();
    for (const e of [{ type: 'APPROVED' }, { type: 'PRINTED' }] as const) core.requests.applyExternal(id, e, 'hub');
    await ok('checkPrinted', { id, ok: true });
    const refused = await fails('recordPayment', { id, payment: { method: 'qr_code' } });
    expect(refused).toMatchObject({ code: 'CASHLESS_OFFLINE', message: '市役所に接続できないため、キャッシュレス決済は使えません。現金でお受け取りください。' });
    expect(refused.fields?.[0]?.path).toBe('payment.method');
    expect((await ok('getRequest', { id })).step).toBe('checked');
    expect((await ok('recordPayment', { id, payment: { method: 'cash', tenderedYen: 300 } })).payment.method).toBe('cash');
  });

  it('cancels with a reason and takes the request off the resident screen', async () => {
    const { id } = await ok('createRequest', juminhyoRequest());
    await ok('showToResident', { id });
    expect((await fails('cancelRequest', { id, reason: '' })).fields?.[0]?.path).toBe('reason');
    expect((await ok('cancelRequest', { id, reason: 'お客様の都合' })).step).toBe('cancelled');
    expect(await ok('getResidentView', {}, 'resident')).toBeNull();
    expect((await ok('getRequest', { id })).reason).toBe('お客様の都合');
    // The reason is free text a person typed: at rest it is sealed to its request like the personal fields.
    const stored = core.db.prepare('SELECT reason FROM requests WHERE id = ?').pluck().get(id) as string;
    expect(stored).toMatch(/^s1:/);
    expect(stored).not.toContain('都合');
    core.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(join(tmp.dir, 'terminal.sqlite3')).includes(Buffer.from('お客様の都合'))).toBe(false);
  });

  it('audits every state change and every read of personal data, and the chain verifies', async () => {
    const id = await queuedRequest();
    await ok('getRequest', { id });
    const actions = core.audit.forRequest(id).map((r) => [r.actor, r.action]);
    expect(actions).toEqual([
      ['S0001', 'request.create'],
      ['S0001', 'request.identity_checked'],
      ['S0001', 'personal.show_resident'],
      ['resident', 'request.resident_confirmed'],
      ['resident', 'relay.queued'],
      ['S0001', 'personal.read'],
    ]);
    for (const row of core.audit.forRequest(id)) expect(row.detail).not.toMatch(/磐城|髙子|"4321"|三和町/);
    expect(core.audit.verify()).toMatchObject({ ok: true });
  });

  it('keeps no personal data in clear in the database files copied off the laptop', async () => {
    await queuedRequest();
    core.db.pragma('wal_checkpoint(FULL)');
    const files = readdirSync(tmp.dir).filter((f) => f.startsWith('terminal.sqlite3'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const bytes = readFileSync(join(tmp.dir, f));
      // The document number's last 4 digits are searched in the JSON form they would have in clear:
      // four bare digits turn up by chance in hashes and ciphertext.
      for (const secret of ['磐城', '髙子', 'いわき たかこ', '三和町', '1953-06-14', '"last4":"4321"']) {
        expect(bytes.includes(Buffer.from(secret, 'utf8')), `${f} contains ${secret}`).toBe(false);
      }
      expect(statSync(join(tmp.dir, f)).mode & 0o077).toBe(0);
    }
    expect(statSync(join(tmp.dir, 'data.key')).mode & 0o777).toBe(0o600);
  });
});

describe('next-visit tasks', () => {
  it('keeps who to call back for a link that needed the network, sealed at rest, until marked done', async () => {
    expect((await fails('addNextVisitTask', { kind: 'insurance_link', name: '磐城 髙子', phone: '12-3456' })).fields?.[0]).toMatchObject({ path: 'phone' });
    const [task] = await ok<any[]>('addNextVisitTask', { kind: 'insurance_link', name: '磐城 髙子', phone: '０２４６－１２－３４５６' });
    expect(task).toMatchObject({ name: '磐城 髙子', phone: '0246123456' });
    core.db.pragma('wal_checkpoint(FULL)');
    for (const f of readdirSync(tmp.dir).filter((n) => n.startsWith('terminal.sqlite3'))) {
      expect(readFileSync(join(tmp.dir, f)).includes(Buffer.from('0246123456'))).toBe(false);
    }
    expect(await ok('finishNextVisitTask', { id: task.id })).toEqual([]);
  });
});

describe('staff sessions', () => {
  it('refuses a wrong PIN with a Japanese message and locks out after five failures', async () => {
    await ok('signOut', {});
    for (let i = 0; i < 5; i++) expect((await fails('signIn', { staffId: 'S0001', pin: '0000' })).code).toBe('SIGN_IN_FAILED');
    expect((await fails('signIn', demoStaff)).code).toBe('SIGN_IN_LOCKED_OUT');
    clock.advance(5 * 60_000 + 1);
    expect((await ok('signIn', demoStaff)).signedIn).toBe(true);
  });

  it('keeps a lockout across a restart of the terminal, and counts no made-up ids', async () => {
    await ok('signOut', {});
    for (let i = 0; i < 5; i++) expect((await fails('signIn', { staffId: 'S0001', pin: '000000' })).code).toBe('SIGN_IN_FAILED');
    for (let i = 0; i < 5; i++) await fails('signIn', { staffId: `NOBODY${i}`, pin: '000000' });
    await core.close();
    ({ core } = makeCore(tmp.dir, clock));
    expect((await fails('signIn', demoStaff)).code).toBe('SIGN_IN_LOCKED_OUT');
    expect(core.db.prepare('SELECT staff_id FROM staff_sign_in_failures').pluck().all()).toEqual(['S0001']);
    clock.advance(5 * 60_000 + 1);
    expect((await ok('signIn', demoStaff)).signedIn).toBe(true);
  });

  it('takes staff PINs of six digits or more from the roster', () => {
    const roster = join(tmp.dir, 'short-pins.json');
    writeFileSync(roster, JSON.stringify({ staff: [{ id: 'S0100', displayName: '短い 暗証', pin: '1234' }] }));
    expect(() => core.staff.seedFromFile(roster)).toThrow(/6けた以上/);
  });

  it('locks after five idle minutes, tells the screens, clears the resident screen and refuses staff calls until the PIN', async () => {
    const { id } = await ok('createRequest', juminhyoRequest());
    await ok('showToResident', { id });
    clock.advance(IDLE_LOCK_MS - 1000);
    await ok('reportActivity', {});
    clock.advance(IDLE_LOCK_MS - 1000);
    expect((await ok('getSession', {})).locked).toBe(false);
    clock.advance(2000);
    const error = await fails('listToday', {});
    expect(error).toMatchObject({ code: 'LOCKED', message: '画面がロックされています。PINを入力して再開してください。' });
    expect(await ok('getResidentView', {}, 'resident')).toBeNull();
    expect(events.some((e) => e.name === 'sessionChanged' && (e.payload as any).locked)).toBe(true);
    await ok('signIn', demoStaff);
    expect(await ok<any[]>('listToday', {})).toHaveLength(1);
  });

  it('locks on demand', async () => {
    expect((await ok('lock', {})).locked).toBe(true);
    expect((await fails('createRequest', juminhyoRequest())).code).toBe('LOCKED');
  });

  it('stores staff PINs only as scrypt hashes, sealed, so a copy of the database gives nothing to guess against', () => {
    const rows = core.db.prepare('SELECT id, pin_hash FROM staff').all() as { id: string; pin_hash: string }[];
    for (const r of rows) {
      expect(r.pin_hash).toMatch(/^s1:[A-Za-z0-9+/=]+$/);
      expect(r.pin_hash).not.toContain('scrypt');
      expect(r.pin_hash).not.toContain(demoStaff.pin);
      expect(openText(core.requests['cipher'], r.pin_hash, `staff_pin:${r.id}`)).toMatch(/^scrypt\$/);
    }
  });

  it('seals a PIN hash written before sealing the first time its staff member signs in', async () => {
    await ok('signOut', {});
    core.db.prepare('UPDATE staff SET pin_hash = ? WHERE id = ?').run(hashPin(demoStaff.pin), demoStaff.staffId);
    await ok('signIn', demoStaff);
    const stored = core.db.prepare('SELECT pin_hash FROM staff WHERE id = ?').pluck().get(demoStaff.staffId) as string;
    expect(stored).toMatch(/^s1:/);
    await ok('signOut', {});
    expect((await ok('signIn', demoStaff)).signedIn).toBe(true);
  });
});

describe('the audit chain', () => {
  it('fails verification when a row is edited behind the triggers, naming the row', async () => {
    await queuedRequest();
    expect(() => core.db.prepare("UPDATE audit_log SET actor = 'X' WHERE seq = 2").run()).toThrow(/append-only/);
    expect(() => core.db.prepare('DELETE FROM audit_log WHERE seq = 2').run()).toThrow(/append-only/);
    await core.close();
    // Someone with the file drops the trigger and edits a record.
    const raw = new Database(join(tmp.dir, 'terminal.sqlite3'));
    raw.exec("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'S0002' WHERE seq = 3");
    raw.close();
    ({ core } = makeCore(tmp.dir, clock));
    expect(core.audit.verify()).toMatchObject({ ok: false, brokenAt: 3, why: '記録の内容が書き換えられています' });
  });

  it('fails verification when a row is removed from the middle', async () => {
    await queuedRequest();
    await core.close();
    const raw = new Database(join(tmp.dir, 'terminal.sqlite3'));
    raw.exec('DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 4');
    raw.close();
    ({ core } = makeCore(tmp.dir, clock));
    expect(core.audit.verify()).toMatchObject({ ok: false, brokenAt: 5 });
  });
});

describe('next-visit tasks and city hall questions', () => {
  it('keeps a next-visit task sealed at rest, oldest first, and finishes it once', async () => {
    await ok('addNextVisitTask', { kind: 'insurance_link', name: '小名浜 次郎', phone: '0246-00-0000' });
    clock.advance(1_000);
    const tasks = await ok<any[]>('addNextVisitTask', { kind: 'insurance_link', name: '四倉 花', phone: '0246-11-1111' });
    expect(tasks.map((t) => t.name)).toEqual(['小名浜 次郎', '四倉 花']);
    const stored = JSON.stringify(core.db.prepare('SELECT * FROM next_visit_tasks').all()) + JSON.stringify(core.db.prepare('SELECT detail FROM audit_log').all());
    expect(stored).not.toMatch(/小名浜|四倉|0246/);
    expect((await ok<any[]>('finishNextVisitTask', { id: tasks[0].id })).map((t) => t.name)).toEqual(['四倉 花']);
    expect((await ok<any[]>('finishNextVisitTask', { id: tasks[0].id })).map((t) => t.name)).toEqual(['四倉 花']);
    expect(core.db.prepare("SELECT COUNT(*) FROM audit_log WHERE action = 'next_visit.finished'").pluck().get()).toBe(1);
  });

  it('shows a question until it is marked seen, and drops the questions of a request handed over to city hall', async () => {
    const id = await queuedRequest();
    core.db.transaction(() => {
      core.questions.record({ seq: 1, requestId: id, text: '本籍地の記載は必要ですか？', operatorId: 'OP1', askedAt: clock.now().toISOString() });
      core.questions.record({ seq: 2, requestId: id, text: '続柄は？', operatorId: 'OP1', askedAt: clock.now().toISOString() });
    })();
    expect((await ok<any[]>('listQuestions', {})).map((q) => q.text)).toEqual(['続柄は？', '本籍地の記載は必要ですか？']);
    expect((await ok<any[]>('markQuestionSeen', { seq: 2 })).map((q) => q.seq)).toEqual([1]);
    expect(JSON.stringify(core.db.prepare('SELECT * FROM hub_questions').all())).not.toContain('本籍地');
    core.questions.forgetRequest(id);
    expect(await ok('listQuestions', {})).toEqual([]);
    expect(core.db.prepare('SELECT COUNT(*) FROM hub_questions').pluck().get()).toBe(0);
  });
});
