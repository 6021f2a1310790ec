import { describe, expect, it } from 'vitest';
import { fieldProblems } from '../../protocol/errors';
import { IdentityCheckInput, IdentityRecord, PaymentInput, RequestInput } from '../../protocol/request';
import { SubmitRequestMessage } from '../../protocol/hub';
import { juminhyoRequest } from '../support/fixtures';

function problems(schema: { safeParse(v: unknown): { success: boolean; error?: unknown } }, value: unknown) {
  const r = schema.safeParse(value) as { success: boolean; error?: import('zod').ZodError };
  return r.success ? [] : fieldProblems(r.error!);
}

describe('交付請求書 validation', () => {
  it('accepts a complete request and folds full-width digits in the birth date', () => {
    const r = RequestInput.parse(juminhyoRequest({ subject: { ...juminhyoRequest().subject, birthDate: '１９５３-０６-１４' } }));
    expect(r.subject.birthDate).toBe('1953-06-14');
  });

  it('names the field in Japanese for each missing or wrong entry', () => {
    const p = problems(RequestInput, { ...juminhyoRequest(), copies: 0, subject: { name: '', kana: 'Takako', birthDate: '1953-02-30', address: '' } });
    const byPath = Object.fromEntries(p.map((x) => [x.path, x.message]));
    expect(byPath).toMatchObject({
      copies: '通数は1通以上にしてください。',
      'subject.name': '氏名を入力してください。',
      'subject.kana': 'ふりがなはひらがなかカタカナで入力してください。',
      'subject.birthDate': '生年月日が正しい日付ではありません（1953年2月30日はありません）。',
      'subject.address': '住所を入力してください。',
    });
  });

  it('asks for a certificate kind in Japanese when none is chosen', () => {
    const { kind: _kind, ...rest } = juminhyoRequest();
    expect(problems(RequestInput, rest)).toContainEqual({ path: 'kind', message: '証明書の種類を選んでください。' });
  });

  it('requires a letter of proxy and a purpose from a proxy, and never gives them a 住民票 with the My Number', () => {
    const p = problems(
      RequestInput,
      juminhyoRequest({
        juminhyo: { scope: 'partial', includeHonseki: false, includeZokugara: false, showMyNumber: true },
        requester: { relation: 'proxy', letterOfProxy: false, person: juminhyoRequest().subject },
      }),
    );
    expect(p.map((x) => x.path).sort()).toEqual(['juminhyo.showMyNumber', 'requester.letterOfProxy', 'requester.purpose']);
  });

  it('requires the requester person for household members and proxies', () => {
    expect(problems(RequestInput, juminhyoRequest({ requester: { relation: 'household', letterOfProxy: false } }))).toContainEqual({
      path: 'requester.person',
      message: '窓口に来た方（請求者）の氏名・住所を入力してください。',
    });
  });

  it('requires a fiscal year for tax certificates and 住民票 options only for 住民票', () => {
    const base = juminhyoRequest();
    expect(problems(RequestInput, { ...base, kind: 'nozei' }).map((x) => x.path).sort()).toEqual(['fiscalYear', 'juminhyo']);
    const { juminhyo: _j, ...noOptions } = base;
    expect(problems(RequestInput, noOptions).map((x) => x.path)).toEqual(['juminhyo']);
  });

  it('rejects more than 10 copies with advice to use the city hall counter', () => {
    expect(problems(RequestInput, juminhyoRequest({ copies: 11 }))[0]?.message).toContain('市役所の窓口');
  });
});

describe('本人確認 rules', () => {
  const check = (documents: unknown[]) => problems(IdentityCheckInput, { documents });

  it('accepts one photo ID with its last 4 digits, folding full-width digits', () => {
    expect(IdentityCheckInput.parse({ documents: [{ kind: 'drivers_license', last4: '１２３４' }] }).documents[0]?.last4).toBe('1234');
  });

  it('never records any digit of a My Number card', () => {
    expect(check([{ kind: 'mynumber_card' }])).toEqual([]);
    expect(check([{ kind: 'mynumber_card', last4: '1234' }])[0]?.message).toContain('マイナンバーカードの番号は記録しません');
  });

  it('accepts two non-photo documents, or one with a supporting document', () => {
    expect(check([{ kind: 'health_insurance', last4: '1111' }, { kind: 'pension_book', last4: '2222' }])).toEqual([]);
    expect(check([{ kind: 'health_insurance', last4: '1111' }, { kind: 'bank_book', last4: '3333' }])).toEqual([]);
  });

  it('refuses a single non-photo document, two supporting ones, duplicates, and more than the last 4 digits', () => {
    expect(check([{ kind: 'health_insurance', last4: '1111' }])[0]?.path).toBe('documents');
    expect(check([{ kind: 'bank_book', last4: '1111' }, { kind: 'medical_card', last4: '2222' }])[0]?.path).toBe('documents');
    expect(check([{ kind: 'pension_book', last4: '1111' }, { kind: 'pension_book', last4: '2222' }])[0]?.message).toContain('同じ種類');
    expect(check([{ kind: 'passport', last4: '123456' }])[0]).toEqual({ path: 'documents.0.last4', message: '書類の番号は下4桁だけを数字で入力してください。' });
  });
});

describe('fee payment input', () => {
  it('needs the amount tendered for cash only', () => {
    expect(problems(PaymentInput, { method: 'cash' })[0]?.path).toBe('tenderedYen');
    expect(problems(PaymentInput, { method: 'qr_code' })).toEqual([]);
    expect(problems(PaymentInput, { method: 'cash', tenderedYen: 100.5 })[0]?.message).toContain('円単位の整数');
  });
});

describe('names as registered', () => {
  it('keeps registry kanji such as 﨑 and 𠮷 while folding full-width letters, digits and spaces', () => {
    const r = RequestInput.parse(
      juminhyoRequest({ subject: { name: '山﨑　髙志', kana: 'ﾔﾏｻﾞｷ ﾀｶｼ', birthDate: '1938-02-11', address: '𠮷野町１－２－３' } }),
    );
    expect(r.subject.name).toBe('山﨑 髙志');
    expect(r.subject.name.includes('\uFA11')).toBe(true);
    expect(r.subject.address).toBe('𠮷野町1-2-3');
    expect(r.subject.kana).toBe('ヤマザキ タカシ');
  });
});

describe('本人確認 as recorded', () => {
  const cardRead = { method: 'card_read_this_visit' as const, readAt: '2026-11-26T01:00:00.000Z', faceChecked: true as const };

  it('a screen cannot claim a card read: the manual check keeps only the documents', () => {
    expect(IdentityCheckInput.parse({ documents: [{ kind: 'mynumber_card' }], cardRead })).toEqual({ documents: [{ kind: 'mynumber_card' }] });
  });

  it('says how the card was read all the way to city hall, and only for the My Number card', () => {
    const identity = { documents: [{ kind: 'mynumber_card' }], cardRead };
    const message = {
      type: 'request.submit', idempotencyKey: 'key-request-0001', requestId: 'request-0001', number: '001', day: '2026-11-26',
      input: juminhyoRequest(), identity, feeYen: 300, staffId: 'S001', sentAt: '2026-11-26T01:02:00.000Z',
    };
    expect(SubmitRequestMessage.parse(message).identity).toEqual(identity);
    expect(IdentityRecord.safeParse({ documents: [{ kind: 'drivers_license', last4: '1234' }], cardRead }).success).toBe(false);
  });
});
