// The り災証明書 as an A4 PDF: what it says (the disaster, the applicant, the building, the grade as
// judged, the number), in 和暦, and the same bytes for the same input.
import { describe, expect, it } from 'vitest';
import { PDFDocument } from 'pdf-lib';
import { renderRisaiCertificate } from '../../hub/certificates/risai';
import { risaiApplication } from '../support/risai';

const input = {
  number: 'R1125-001',
  input: risaiApplication('disaster-typhoon-0001'),
  disaster: { name: '令和5年台風第13号', kind: 'storm_flood' as const, date: '2023-09-08' },
  grade: 'semi_half' as const,
  serial: 'R20261125-R1125-001',
  issuedAt: new Date('2026-11-25T01:00:00.000Z'),
};

describe('the り災証明書 PDF', () => {
  it('is one A4 page saying the disaster, the applicant, the building and the grade, the same bytes each time', async () => {
    const first = await renderRisaiCertificate(input);
    for (const text of ['り災証明書', '令和5年台風第13号（台風・大雨）', '令和5年9月8日', '小名浜 春子', 'いわき市平字試験町1-2-3', '住家・木造', '準半壊', 'R1125-001', '令和8年11月25日', 'いわき市長']) {
      expect(first.text).toContain(text);
    }
    const doc = await PDFDocument.load(first.pdf);
    expect(doc.getPageCount()).toBe(1);
    const { width, height } = doc.getPage(0).getSize();
    expect([Math.round(width), Math.round(height)]).toEqual([595, 842]);
    expect((await renderRisaiCertificate(input)).sha256).toBe(first.sha256);
    expect((await renderRisaiCertificate({ ...input, grade: 'half' })).text).toContain('半壊');
  });
});
