// The り災証明書 contract both sides apply: input validation with field-naming messages, the photo
// limits read from the JPEG header, and the one transition table of statuses.
import { describe, expect, it } from 'vitest';
import {
  applicationProblems, chunkCount, DEFAULT_PHOTO_LIMITS, jpegSize, PHOTO_CHUNK_BYTES, photoProblem, RisaiApplicationInput, risaiStatuses, risaiTransition,
  risaiTransitions,
} from '../../protocol/disaster';
import { myNumberCheckDigit } from '../../protocol/my-number';
import { fakeJpeg, risaiApplication } from '../support/risai';

const DISASTER = 'disaster-typhoon-13';
const messages = (raw: unknown) => {
  const r = RisaiApplicationInput.safeParse(raw);
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
};

describe('the application as staff enter it', () => {
  it('takes a complete application and folds full-width digits in the phone', () => {
    const parsed = RisaiApplicationInput.parse({ ...risaiApplication(DISASTER), applicant: { ...risaiApplication(DISASTER).applicant, phone: '０２４６－２２－００００' } });
    expect(parsed.applicant.phone).toBe('0246-22-0000');
  });

  it('names the field in Japanese when something is missing or wrong', () => {
    const base = risaiApplication(DISASTER);
    expect(messages({ ...base, applicant: { ...base.applicant, name: '' } })).toEqual([{ path: 'applicant.name', message: '氏名を入力してください。' }]);
    expect(messages({ ...base, property: { ...base.property, use: 'castle' } })[0]).toEqual({ path: 'property.use', message: '住家か非住家かを選んでください。' });
    expect(messages({ ...base, damage: { ...base.damage, flooding: { level: 'above_floor', depthCm: -3 } } })[0]).toEqual({ path: 'damage.flooding.depthCm', message: '浸水の深さ（cm）は0以上です。' });
    expect(messages({ ...base, disasterId: '' })[0]).toEqual({ path: 'disasterId', message: '災害を選んでください。' });
  });

  it('asks for the 委任状 of a proxy and for some description of the damage', () => {
    const base = risaiApplication(DISASTER);
    expect(messages({ ...base, relation: 'proxy' })).toEqual([{ path: 'proxyLetter', message: '代理人の申請には委任状が必要です。委任状を確認してください。' }]);
    expect(messages({ ...base, relation: 'proxy', proxyLetter: true })).toEqual([]);
    expect(messages({ ...base, damage: { flooding: null, earthquakeParts: [], description: '' } })[0]!.path).toBe('damage.description');
    expect(messages({ ...base, damage: { flooding: null, earthquakeParts: ['roof', 'foundation'], description: '' } })).toEqual([]);
  });

  it('refuses a valid 個人番号 in the free text, as in every other free text', () => {
    const first11 = '12345678901';
    const fake = `${first11}${myNumberCheckDigit(first11)}`;
    const base = risaiApplication(DISASTER);
    const found = messages({ ...base, damage: { ...base.damage, description: `番号 ${fake} を控えました` } });
    expect(found).toEqual([{ path: 'damage.description', message: expect.stringContaining('個人番号') }]);
    // Twelve digits that are not a valid 個人番号 (a phone-like reference) are kept.
    const wrongDigit = `${first11}${(myNumberCheckDigit(first11) + 1) % 10}`;
    expect(messages({ ...base, damage: { ...base.damage, description: `受付 ${wrongDigit}` } })).toEqual([]);
  });

  it('allows 自己判定方式 only where the disaster does, and then only with a photo', () => {
    const input = risaiApplication(DISASTER);
    expect(applicationProblems(input, { selfAssessment: true }, 1)).toEqual([]);
    expect(applicationProblems(input, { selfAssessment: false }, 1).map((p) => p.path)).toEqual(['survey']);
    expect(applicationProblems(input, { selfAssessment: true }, 0).map((p) => p.path)).toEqual(['photos']);
    expect(applicationProblems({ survey: 'on_site' }, { selfAssessment: false }, 0)).toEqual([]);
    expect(applicationProblems(input, undefined, 1).map((p) => p.path)).toEqual(['disasterId']);
  });
});

describe('photos', () => {
  it('reads width and height from the JPEG frame header, and nothing from other bytes', () => {
    expect(jpegSize(fakeJpeg(1600, 1200, 5000))).toEqual({ width: 1600, height: 1200 });
    expect(jpegSize(Buffer.from('not a jpeg at all'))).toBeNull();
    expect(jpegSize(Buffer.from([0xff, 0xd8, 0xff, 0xd9]))).toBeNull();
  });

  it('keeps to the city limits: count, bytes and longest edge', () => {
    const limits = { ...DEFAULT_PHOTO_LIMITS, maxPhotos: 2, maxBytes: 100_000, maxEdgePx: 1600 };
    expect(photoProblem(fakeJpeg(1600, 900, 90_000), limits, 0)).toBeNull();
    expect(photoProblem(fakeJpeg(1600, 900, 90_000), limits, 2)).toBe('写真は1件の申請につき2枚までです。');
    expect(photoProblem(fakeJpeg(1600, 900, 120_000), limits, 0)).toMatch(/大きすぎます/);
    expect(photoProblem(fakeJpeg(900, 2000, 50_000), limits, 0)).toMatch(/1600 ピクセル/);
    expect(photoProblem(Buffer.from('png?'), limits, 0)).toMatch(/JPEG/);
  });

  it('cuts a photo into chunks of the contract size', () => {
    expect(chunkCount(1)).toBe(1);
    expect(chunkCount(PHOTO_CHUNK_BYTES)).toBe(1);
    expect(chunkCount(PHOTO_CHUNK_BYTES + 1)).toBe(2);
  });
});

describe('statuses at city hall', () => {
  it('walks 受付 → 調査日程調整 → 調査済み → 判定 → 証明書発行 for an on-site survey, and nothing else', () => {
    const path = ['received', 'scheduling', 'surveyed', 'judged', 'issued'] as const;
    for (let i = 0; i + 1 < path.length; i++) {
      expect(risaiTransition(path[i]!, path[i + 1]!, 'on_site', path[i + 1] === 'judged' ? 'half' : null)).toEqual({ ok: true });
    }
    for (const from of risaiStatuses) {
      for (const to of risaiStatuses) {
        if (risaiTransitions[from].includes(to)) continue;
        expect(risaiTransition(from, to, 'self_assessment', to === 'judged' ? 'half' : null).ok).toBe(false);
      }
    }
  });

  it('lets a 自己判定方式 application be judged from 受付, not an on-site one; 判定 needs its grade', () => {
    expect(risaiTransition('received', 'judged', 'self_assessment', 'semi_half')).toEqual({ ok: true });
    expect(risaiTransition('received', 'judged', 'on_site', 'semi_half')).toEqual({ ok: false, message: '現地調査を希望する申請は、調査のあとで判定してください。' });
    expect(risaiTransition('surveyed', 'judged', 'on_site', null)).toEqual({ ok: false, message: '判定（全壊〜一部損壊）を選んでください。' });
    expect(risaiTransition('judged', 'issued', 'on_site', 'total').ok).toBe(false);
  });
});
