// The pure parts of the day's home visits: a booking's certificate services become pre-filled requests,
// and an outcome other than 完了 needs its reason.
import { describe, expect, it } from 'vitest';
import { RequestInput } from '../../protocol/request';
import { outcomeNeedsReason, requestsFromBooking, VisitOutcomeInput } from '../../protocol/visits';

const resident = { name: '磐城 花子', kana: 'いわき はなこ', birthDate: '1941-05-03', address: 'いわき市平字梅本21', phone: '0246221111' };

describe('requests pre-filled from a booking', () => {
  it('makes one request per certificate service, for the resident themself, and nothing for the other services', () => {
    const requests = requestsFromBooking({
      date: '2026-12-04',
      resident,
      services: [
        { type: 'certificate', kind: 'inkan', copies: 2 },
        { type: 'insurance_link' },
        { type: 'consultation', department: 'pension' },
        { type: 'certificate', kind: 'juminhyo', copies: 1, juminhyo: { scope: 'household', includeHonseki: true, includeZokugara: true, showMyNumber: false } },
      ],
    });
    expect(requests).toEqual([
      { kind: 'inkan', copies: 2, subject: { name: '磐城 花子', kana: 'いわき はなこ', birthDate: '1941-05-03', address: 'いわき市平字梅本21' }, requester: { relation: 'self', letterOfProxy: false } },
      {
        kind: 'juminhyo', copies: 1, juminhyo: { scope: 'household', includeHonseki: true, includeZokugara: true, showMyNumber: false },
        subject: { name: '磐城 花子', kana: 'いわき はなこ', birthDate: '1941-05-03', address: 'いわき市平字梅本21' }, requester: { relation: 'self', letterOfProxy: false },
      },
    ]);
    for (const r of requests) expect(RequestInput.safeParse(r).success).toBe(true);
  });

  it.each([
    ['2026-12-04', 2026],
    ['2027-03-31', 2026],
    ['2027-04-01', 2027],
  ])('asks a tax certificate of a visit on %s for fiscal year %i, and a 住民票 without options for the resident alone', (date, fiscalYear) => {
    const [tax, juminhyo] = requestsFromBooking({
      date,
      resident,
      services: [{ type: 'certificate', kind: 'shotoku_kazei', copies: 1 }, { type: 'certificate', kind: 'juminhyo', copies: 1 }],
    });
    expect(tax).toMatchObject({ kind: 'shotoku_kazei', fiscalYear });
    expect(juminhyo).toMatchObject({ juminhyo: { scope: 'partial', includeHonseki: false, includeZokugara: false, showMyNumber: false } });
    expect(juminhyo).not.toHaveProperty('fiscalYear');
    expect(RequestInput.safeParse(tax).success).toBe(true);
    expect(RequestInput.safeParse(juminhyo).success).toBe(true);
  });
});

describe('a visit\'s outcome', () => {
  it.each([
    ['done', false],
    ['absent', true],
    ['postponed', true],
    ['cancelled', true],
  ] as const)('%s needs a reason: %s', (outcome, needs) => {
    expect(outcomeNeedsReason(outcome)).toBe(needs);
    expect(VisitOutcomeInput.safeParse({ bookingId: 'booking-0001', outcome }).success).toBe(!needs);
    expect(VisitOutcomeInput.safeParse({ bookingId: 'booking-0001', outcome, reason: '本人から電話' }).success).toBe(true);
  });

  it('names the outcome in the message when the reason is missing, and folds full-width text', () => {
    const r = VisitOutcomeInput.safeParse({ bookingId: 'booking-0001', outcome: 'postponed' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe('「延期」の理由を入力してください。');
    expect(VisitOutcomeInput.parse({ bookingId: 'booking-0001', outcome: 'absent', reason: '　不在票ＯＫ　' }).reason).toBe('不在票OK');
  });
});
