// 和暦: the one rule for reading dates staff type and writing dates residents read (protocol/wareki.ts).
import { describe, expect, it } from 'vitest';
import { RequestInput } from '../../protocol/request';
import { parseJapaneseDate, warekiDate, warekiWithSeireki } from '../../protocol/wareki';
import { juminhyoRequest } from '../support/fixtures';

const parsed = (s: string) => parseJapaneseDate(s, '生年月日');
const isoOf = (s: string) => {
  const r = parsed(s);
  if (!r.ok) throw new Error(`${s}: ${r.message}`);
  return r.isoDate;
};
const messageOf = (s: string) => {
  const r = parsed(s);
  if (r.ok) throw new Error(`${s} was taken as ${r.isoDate}`);
  return r.message;
};

describe('reading a date as staff type it', () => {
  it.each([
    ['昭和13年2月11日', '1938-02-11'],
    ['S13.2.11', '1938-02-11'],
    ['s13.2.11', '1938-02-11'],
    ['昭和13.2.11', '1938-02-11'],
    ['Ｓ１３．２．１１', '1938-02-11'],
    ['昭和１３年２月１１日', '1938-02-11'],
    ['H1.1.8', '1989-01-08'],
    ['R1.5.1', '2019-05-01'],
    ['令和元年5月1日', '2019-05-01'],
    ['平成元年1月8日', '1989-01-08'],
    ['1938-02-11', '1938-02-11'],
    ['１９３８-０２-１１', '1938-02-11'],
    ['1938/2/11', '1938-02-11'],
    ['1938年2月11日', '1938-02-11'],
    [' 昭和 13年 2月 11日 ', '1938-02-11'],
    ['T15.12.24', '1926-12-24'],
    ['大正元年7月30日', '1912-07-30'],
    ['M45.7.29', '1912-07-29'],
  ])('%s is %s', (typed, iso) => {
    expect(isoOf(typed)).toBe(iso);
  });

  it('takes each era boundary day on the right side', () => {
    expect(isoOf('昭和64年1月7日')).toBe('1989-01-07');
    expect(isoOf('平成1年1月8日')).toBe('1989-01-08');
    expect(isoOf('平成31年4月30日')).toBe('2019-04-30');
    expect(isoOf('令和1年5月1日')).toBe('2019-05-01');
    expect(isoOf('昭和元年12月25日')).toBe('1926-12-25');
  });

  it('refuses a day after its era ended and says which era it was', () => {
    expect(messageOf('昭和64年1月8日')).toBe('生年月日の昭和64年1月8日はありません。1989年1月8日からは平成です（平成元年1月8日）。');
    expect(messageOf('平成31年5月1日')).toBe('生年月日の平成31年5月1日はありません。2019年5月1日からは令和です（令和元年5月1日）。');
    expect(messageOf('T15.12.25')).toContain('1926年12月25日からは昭和です');
  });

  it('refuses a day before its era began, naming the field', () => {
    expect(messageOf('平成1年1月7日')).toBe('生年月日の平成元年1月7日は平成の始まり（1989年1月8日）より前です。元号を確かめてください。');
    expect(messageOf('令和1年4月30日')).toBe('生年月日の令和元年4月30日は令和の始まり（2019年5月1日）より前です。元号を確かめてください。');
    expect(messageOf('昭和1年12月24日')).toContain('昭和の始まり（1926年12月25日）より前です');
    expect(parseJapaneseDate('R1.4.1', '代理人の生年月日')).toEqual({ ok: false, message: expect.stringMatching(/^代理人の生年月日の令和元年4月1日は/) });
  });

  it('refuses days that do not exist and forms it cannot read', () => {
    expect(messageOf('昭和13年2月30日')).toBe('生年月日が正しい日付ではありません（昭和13年2月30日はありません）。');
    expect(messageOf('1953-02-30')).toBe('生年月日が正しい日付ではありません（1953年2月30日はありません）。');
    expect(messageOf('平成0年1月1日')).toBe('生年月日の年が正しくありません（平成0年はありません）。');
    expect(messageOf('昭和13年')).toBe('生年月日は 昭和13年2月11日、S13.2.11 または 1938-02-11 の形で入力してください。');
    expect(messageOf('X13.2.11')).toContain('の形で入力してください');
    expect(messageOf('')).toBe('生年月日を入力してください。');
    expect(messageOf('1850-01-01')).toContain('明治6年（1873年）以降');
  });

  it('reads back what it writes for every day of the boundary years', () => {
    for (const year of [1912, 1926, 1989, 2019]) {
      for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += 86_400_000) {
        const iso = new Date(t).toISOString().slice(0, 10);
        expect(isoOf(warekiDate(iso))).toBe(iso);
      }
    }
  });
});

describe('writing a date for residents', () => {
  it('writes the era, 元年 for year one, and the Western date beside a birth date', () => {
    expect(warekiDate('2026-11-26')).toBe('令和8年11月26日');
    expect(warekiDate('1989-01-07')).toBe('昭和64年1月7日');
    expect(warekiDate('1989-01-08')).toBe('平成元年1月8日');
    expect(warekiWithSeireki('1938-02-11')).toBe('昭和13年2月11日 (1938年2月11日)');
  });
});

describe('the request form takes the same forms', () => {
  it('keeps a 和暦 birth date as an ISO date and refuses one outside its era with the field named', () => {
    const r = RequestInput.parse(juminhyoRequest({ subject: { ...juminhyoRequest().subject, birthDate: 'S13.2.11' } }));
    expect(r.subject.birthDate).toBe('1938-02-11');
    const bad = RequestInput.safeParse(juminhyoRequest({ subject: { ...juminhyoRequest().subject, birthDate: '昭和64年1月8日' } }));
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({ path: ['subject', 'birthDate'], message: expect.stringContaining('生年月日の昭和64年1月8日はありません') });
  });
});
