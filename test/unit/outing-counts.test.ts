// The city's counting rule for an outing's record: people, not copies or requests; a resident served
// several services counts once in 計 and once in each; the hand tallies go up and down by one.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countServed, GoodsTable, OutingPlacesFile, OutingStartInput, serviceTotals, type ServiceEvent } from '../../protocol/outings';
import { loadGoodsTable, loadOutingPlaces } from '../../electron/core/outing-catalog';
import { makeCore, demoStaff, goodsFile, juminhyoRequest, outingPlacesFile, tempDir } from '../support/fixtures';
import { noCash, noTerminal } from '../support/daily-close';
import { contractOn } from '../support/contract';
import type { TerminalCore } from '../../electron/core/terminal';

describe('countServed (pure)', () => {
  it('counts a resident with certificates, a card link and a consultation once in 計 and once in each service', () => {
    const events: ServiceEvent[] = [
      { personKey: 'a', service: 'certificate' },
      { personKey: 'a', service: 'certificate' },
      { personKey: 'a', service: 'consultation', department: 'pension' },
      { personKey: 'a', service: 'mynumber_card' },
      { personKey: 'b', service: 'certificate' },
    ];
    const people = countServed(events);
    expect(people).toEqual([{ services: ['certificate', 'mynumber_card', 'consultation'], departments: ['pension'] }, { services: ['certificate'] }]);
    const totals = serviceTotals(people);
    expect(totals.people).toBe(2);
    expect(totals.services).toEqual({ certificate: 2, mynumber_card: 1, garbage_ticket: 0, consultation: 1, frailty: 0, smartphone: 0 });
  });

  it('counts a り災証明書 applicant in 計 and among the applicants, never in a column of the table', () => {
    const people = countServed([
      { personKey: 'a', service: 'risai' },
      { personKey: 'a', service: 'risai' },
      { personKey: 'a', service: 'consultation', department: 'pension' },
      { personKey: 'b', service: 'risai' },
    ]);
    expect(people).toEqual([{ services: ['consultation', 'risai'], departments: ['pension'] }, { services: ['risai'] }]);
    expect(serviceTotals(people)).toEqual({ services: { certificate: 0, mynumber_card: 0, garbage_ticket: 0, consultation: 1, frailty: 0, smartphone: 0 }, risai: 2, people: 2 });
  });

  it('counts every unrecognisable person on their own', () => {
    const people = countServed([
      { personKey: null, service: 'frailty' },
      { personKey: null, service: 'frailty' },
      { personKey: null, service: 'consultation', department: 'welfare_health' },
    ]);
    expect(people).toHaveLength(3);
    expect(serviceTotals(people).services.frailty).toBe(2);
  });

  it('has nobody served when nothing was done', () => {
    expect(countServed([])).toEqual([]);
    expect(serviceTotals([]).people).toBe(0);
  });
});

describe("the city's lists and the start form", () => {
  it('loads the places and the goods from fixtures, and refuses a bad goods file naming the field', () => {
    expect(loadOutingPlaces(outingPlacesFile)).toEqual(expect.arrayContaining(['川前', '久之浜・大久', '田人', '中央台', '遠野', '小川', '好間']));
    expect(loadGoodsTable(goodsFile).items.find((i) => i.name === '粗大ごみ処理券')?.unitYen).toBeGreaterThan(0);
    const bad = GoodsTable.safeParse({ currency: 'JPY', items: [{ id: 'x', name: '粗大ごみ処理券', unitYen: 1.5 }] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toContain('単価（unitYen）');
    expect(OutingPlacesFile.safeParse({ places: [] }).error?.issues[0]?.message).toContain('places');
  });

  it('requires a place for 地区定期巡回 and a staff member on board', () => {
    const r = OutingStartInput.safeParse({ kind: 'patrol', place: '  ', staff: [] });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message)).toEqual(expect.arrayContaining(['地区定期巡回は場所を選んでください。', '乗車する職員を1人以上選んでください。']));
    expect(OutingStartInput.parse({ kind: 'other', place: '', staff: ['S0001'] }).place).toBeNull();
  });
});

describe('an outing in the terminal core', () => {
  let tmp: ReturnType<typeof tempDir>;
  let core: TerminalCore;
  const { ok, fails } = contractOn(() => core);
  const tallies = async (kind: string, delta: 1 | -1, times = 1) => {
    let v: any;
    for (let i = 0; i < times; i++) v = await ok('tallyOuting', { kind, delta });
    return v;
  };

  beforeEach(async () => {
    tmp = tempDir();
    core = makeCore(tmp.dir, undefined).core;
    await ok('signIn', demoStaff);
  });
  afterEach(async () => {
    await core.close();
    tmp.remove();
  });

  it('keeps one outing open at a time and takes 地区定期巡回 places only from the list', async () => {
    expect((await fails('startOuting', { kind: 'patrol', place: '架空町', staff: ['S0001'] })).message).toContain('一覧から選んで');
    expect((await fails('startOuting', { kind: 'other', place: null, staff: ['S9999'] })).message).toContain('S9999');
    const started = await ok('startOuting', { kind: 'patrol', place: '川前', staff: ['S0001', 'S0002'] });
    expect(started.staff.map((s: { name: string }) => s.name)).toEqual(['平 花子', '小名浜 次郎']);
    expect((await fails('startOuting', { kind: 'other', place: 'いわき駅前', staff: ['S0001'] })).code).toBe('OUTING_ALREADY_OPEN');
    expect((await fails('tallyOuting', { kind: 'frailty', delta: 2 })).message).toContain('+1 か −1');
  });

  it('counts each +1 of フレイル or スマホ as a person, undoes the last +1 with −1 and never goes below 0', async () => {
    expect((await fails('tallyOuting', { kind: 'frailty', delta: 1 })).code).toBe('NO_OPEN_OUTING');
    await ok('startOuting', { kind: 'other', place: '', staff: ['S0001'] });
    await tallies('frailty', 1, 3);
    await tallies('smartphone', 1, 2);
    let v = await tallies('explained', 1, 5);
    expect(v.counts).toMatchObject({ services: { frailty: 3, smartphone: 2 }, people: 5, explained: 5 });
    v = await tallies('frailty', -1);
    expect(v.counts).toMatchObject({ services: { frailty: 2, smartphone: 2 }, people: 4 });
    v = await tallies('smartphone', -1, 4);
    v = await tallies('explained', -1, 7);
    expect(v.counts).toMatchObject({ services: { frailty: 2, smartphone: 0 }, people: 2, explained: 0 });
  });

  it('counts a resident with two certificates in one visit once, and a second resident on their own', async () => {
    await ok('startOuting', { kind: 'on_demand', place: null, staff: ['S0001'] });
    const handOver = async (input: ReturnType<typeof juminhyoRequest>) => {
      const { id } = await ok('createRequest', input);
      await ok('checkIdentity', { id, identity: { documents: [{ kind: 'drivers_license', last4: '1234' }] } });
      await ok('showToResident', { id });
      await ok('confirmAsResident', { requestId: id }, 'resident');
      for (const type of ['RELAY_ACKED', 'APPROVED', 'PRINTED'] as const) core.requests.applyExternal(id, { type }, 'hub');
      await ok('checkPrinted', { id, ok: true });
      await ok('recordPayment', { id, payment: { method: 'cash', tenderedYen: 1000 } });
      await ok('handOver', { id });
    };
    await handOver(juminhyoRequest({ copies: 3 }));
    // The same resident, the name typed with a full-width space and the 髙 folded: still one person.
    await handOver(juminhyoRequest({ kind: 'inkan', juminhyo: undefined, subject: { ...juminhyoRequest().subject, name: '磐城　高子' } }));
    await handOver(juminhyoRequest({ subject: { ...juminhyoRequest().subject, name: '好間 一郎', kana: 'よしま いちろう', birthDate: '1948-02-01' } }));
    const v = (await ok('getOutingDesk', {})).open;
    expect(v.counts).toMatchObject({ services: { certificate: 2 }, people: 2 });
    const stored = JSON.stringify(core.db.prepare('SELECT * FROM outing_services').all());
    expect(stored).not.toContain('磐城');
    expect(stored).not.toContain('1953-06-14');
  });

  it('counts a consultation with its department and an insurance link during the outing, each once, and nothing outside an outing', async () => {
    core.outings.consultationEnded('call-before', 'pension');
    await ok('startOuting', { kind: 'disaster', place: '平下平窪', staff: ['S0001'] });
    core.outings.consultationEnded('call-1', 'life_events');
    core.outings.consultationEnded('call-1', 'life_events');
    core.outings.insuranceLinked('link-1');
    core.outings.insuranceLinked('link-1');
    await ok('tallyOuting', { kind: 'mynumber_card', delta: 1 });
    const v = (await ok('getOutingDesk', {})).open;
    expect(v.counts).toMatchObject({ services: { consultation: 1, mynumber_card: 2 }, people: 3 });
    // No money taken: the close counts nothing and agrees.
    await ok('endOuting', { counted: noCash(), reason: null, terminalTotals: noTerminal() });
    core.outings.insuranceLinked('link-after');
    const [record] = core.outbox.pending().filter((m) => m.kind === 'outing.record');
    expect((record!.payload as { people: unknown[] }).people).toEqual([
      { services: ['consultation'], departments: ['life_events'] },
      { services: ['mynumber_card'] },
      { services: ['mynumber_card'] },
    ]);
  });
});
