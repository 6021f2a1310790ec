// The visit rules file: the shipped one loads, and a bad one is refused at start with the field named.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadVisitRules } from '../../common/visit-rules-file';
import { AppError } from '../../protocol/errors';
import { DISTRICTS } from '../../protocol/visit-rules';

const fixture = join(import.meta.dirname, '..', '..', 'fixtures', 'visit-rules.json');
const dir = mkdtempSync(join(tmpdir(), 'visit-rules-'));

type Json = Record<string, any>;
function fileWith(change: (rules: Json) => void): string {
  const rules = JSON.parse(readFileSync(fixture, 'utf8')) as Json;
  change(rules);
  const file = join(dir, `rules-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(rules));
  return file;
}

function refusal(file: string): AppError {
  try {
    loadVisitRules(file);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('the file was accepted');
}

describe('the shipped visit rules', () => {
  it('load, with every district in exactly one area and three one-hour slots', () => {
    const rules = loadVisitRules(fixture);
    const all = [...rules.areas.north.districts, ...rules.areas.south.districts].sort();
    expect(all).toEqual([...DISTRICTS].sort());
    expect(rules.areas.north.label).toBe('北部');
    expect(rules.areas.south.label).toBe('南部');
    expect(Object.values(rules.slots).map((s) => s.durationMinutes)).toEqual([60, 60, 60]);
    expect(rules.bookingRule).toEqual({ prior_notice_last_day: 3, prior_notice_last_time: '16:00' });
    expect(rules.closingDays.everyYear).toEqual(['12-29', '12-30', '12-31', '01-01', '01-02', '01-03']);
  });
});

describe('a bad rules file is refused with the field named', () => {
  it.each([
    [
      'a district in two areas',
      (r: Json) => r.areas.south.districts.push('平'),
      'areas.south.districts.5',
      '「平」は north と south の両方に入っています。',
    ],
    [
      'an unknown district',
      (r: Json) => (r.areas.north.districts[0] = '湯本'),
      'areas.north.districts.0',
      '「湯本」はいわき市の地区ではありません。',
    ],
    [
      'a district in no area',
      (r: Json) => (r.areas.south.districts = r.areas.south.districts.filter((d: string) => d !== '田人')),
      'areas',
      '「田人」がどの地域にも入っていません。',
    ],
    [
      'a weekday outside Mon/Wed/Fri',
      (r: Json) => (r.areas.north.weekdays = ['mon', 'tue']),
      'areas.north.weekdays.1',
      '訪問曜日は mon・wed・fri のいずれかです。',
    ],
    [
      'the same weekday twice',
      (r: Json) => (r.areas.south.weekdays = ['wed', 'wed']),
      'areas.south.weekdays.1',
      '訪問曜日「wed」が重複しています。',
    ],
    [
      'overlapping slots',
      (r: Json) => (r.slots.pm1.start = '10:30'),
      'slots.pm1.start',
      '時間帯 pm1 (10:30) が am (10:00〜60分) と重なっています。',
    ],
    [
      'a slot time that is not HH:MM',
      (r: Json) => (r.slots.pm2.start = '2:30pm'),
      'slots.pm2.start',
      '時刻は HH:MM (24時間制) で書いてください。',
    ],
    [
      'a closing day that does not exist',
      (r: Json) => r.closingDays.dates.push({ date: '2026-02-30', reason: '臨時' }),
      'closingDays.dates.0.date',
      'その日付は存在しません。',
    ],
    [
      'a yearly closing day not in MM-DD form',
      (r: Json) => r.closingDays.everyYear.push('12/28'),
      'closingDays.everyYear.6',
      '毎年の休業日は MM-DD の形で書いてください。',
    ],
    [
      'no horizon',
      (r: Json) => (r.horizonDays = 0),
      'horizonDays',
      '予約できる期間 (日数) は1以上です。',
    ],
    [
      'a deadline of zero days',
      (r: Json) => (r.bookingRule.prior_notice_last_day = 0),
      'bookingRule.prior_notice_last_day',
      '締切は訪問日の1平日以上前です。',
    ],
  ])('%s', (_what, change, path, message) => {
    const error = refusal(fileWith(change));
    expect(error.code).toBe('VISIT_RULES_INVALID');
    expect(error.fields).toContainEqual({ path, message: expect.stringContaining(message) });
    expect(error.message).toContain(`${path}: ${message}`);
  });

  it('refuses a file that is not JSON, in Japanese', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "areas": ');
    const error = refusal(file);
    expect(error.code).toBe('VISIT_RULES_INVALID');
    expect(error.message).toMatch(/^訪問ルールのファイル .* を読めません/);
  });

  it('names a missing field in Japanese', () => {
    const error = refusal(fileWith((r) => delete r.horizonDays));
    expect(error.fields).toContainEqual({ path: 'horizonDays', message: 'horizonDays がありません。書き足してください。' });
  });
});
