// Certificates rendered from the stand-in registry, read back with poppler (pdfinfo, pdftotext,
// pdffonts) and written as PNG to test-results/certificates/ for people to look at.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../protocol/errors';
import { buildCertificateContent, CertificateFonts, collectCertificateData, computeVerificationCode, japanDate, renderCertificate, verifyCertificateCode, warekiDate, warekiFiscalYear } from '../../hub/certificates';
import type { CertificateOrder, RenderedCertificate } from '../../hub/certificates';
import { contentHash } from '../../hub/certificates/verification';
import { hashableContent } from '../../hub/certificates/content';
import { FixtureRegistry } from '../../hub/registry';

const outDir = join(import.meta.dirname, '../../test-results/certificates');
const key = 'test-key-for-certificate-codes-0123456789';
const issuedAt = '2026-11-24T10:15:00+09:00';
const flat = (s: string) => s.replace(/[\s\u3000]+/gu, '');

let registry: FixtureRegistry;
let fonts: CertificateFonts;
let work: string;

async function render(name: string, residentId: string, order: CertificateOrder, serial = 'R8-000123'): Promise<RenderedCertificate & { text: string; pdfPath: string }> {
  const data = await collectCertificateData(registry, residentId, order);
  const r = await renderCertificate(order, data, { serial, issuedAt, verificationKey: key, fonts });
  const pdfPath = join(work, `${name}.pdf`);
  writeFileSync(pdfPath, r.pdf);
  execFileSync('pdftoppm', ['-r', '80', '-png', pdfPath, join(outDir, name)]);
  const text = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', pdfPath, '-'], { encoding: 'utf8' });
  return { ...r, text, pdfPath };
}

function pdfPages(path: string): number {
  const info = execFileSync('pdfinfo', [path], { encoding: 'utf8' });
  return Number(/^Pages:\s+(\d+)/m.exec(info)![1]);
}

const household: CertificateOrder = { kind: 'juminhyo', copies: 1, juminhyo: { scope: 'household', includeHonseki: true, includeZokugara: true, showMyNumber: false } };

beforeAll(async () => {
  registry = await FixtureRegistry.load();
  fonts = await CertificateFonts.load();
  mkdirSync(outDir, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'odekake-cert-'));
});

describe('和暦', () => {
  it('prints dates and fiscal years as the city does', () => {
    expect(warekiDate('2026-11-24')).toBe('令和8年11月24日');
    expect(warekiDate('2019-04-30')).toBe('平成31年4月30日');
    expect(warekiDate('2019-05-01')).toBe('令和元年5月1日');
    expect(warekiDate('1953-06-14')).toBe('昭和28年6月14日');
    expect(warekiFiscalYear(2025)).toBe('令和7年度');
    expect(japanDate(new Date('2026-11-23T20:00:00Z'))).toBe('2026-11-24');
  });
});

describe('rendering every kind', () => {
  it('住民票の写し of the whole household: every member, 本籍 and 続柄, two pages, no My Number', async () => {
    const r = await render('juminhyo-household', 'R0001', household);
    expect(r.pages).toBe(2);
    expect(pdfPages(r.pdfPath)).toBe(2);
    const t = flat(r.text);
    expect(t).toContain('住民票の写し');
    for (const name of ['磐城髙子', '磐城正雄', '磐城健太', '磐城美咲', '磐城陽翔', '磐城結衣']) expect(t).toContain(name);
    expect(t).toContain('福島県いわき市三和町下市萱字架空1-2-3');
    expect(t).toContain('この写しは、世帯全員の住民票の原本と相違ないことを証明する。');
    expect(t).toContain('令和8年11月24日');
    expect(t).toContain('いわき市長夏井一郎');
    expect(t).toContain('子の妻');
    expect(t).toContain('福島県いわき市三和町下市萱字架空1番地');
    expect(t).toContain('R8-000123');
    expect(t).toContain(r.verificationCode);
    expect(t).not.toMatch(/\d{12}/);
    for (const m of await registry.householdMembers('R0001')) expect(t).not.toContain(m.myNumber!);
    expect(r.verificationCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
  });

  it('住民票の写し of one person without 本籍・続柄 leaves them out', async () => {
    const r = await render('juminhyo-partial', 'R0001', { kind: 'juminhyo', copies: 1, juminhyo: { scope: 'partial', includeHonseki: false, includeZokugara: false, showMyNumber: false } });
    const t = flat(r.text);
    expect(r.pages).toBe(1);
    expect(t).toContain('磐城髙子');
    expect(t).not.toContain('磐城正雄');
    expect(t).not.toContain('三和町下市萱字架空1番地');
    expect(t).toContain('この写しは、住民票の原本と相違ないことを証明する。');
  });

  it('住民票の写し with the My Number for 本人 prints it, with its long address wrapped inside the box', async () => {
    const r = await render('juminhyo-mynumber', 'R0007', { kind: 'juminhyo', copies: 1, requesterRelation: 'self', juminhyo: { scope: 'partial', includeHonseki: true, includeZokugara: true, showMyNumber: true } });
    const t = flat(r.text);
    expect(t).toContain('山﨑髙志');
    expect(t).toContain('000000000010');
    expect(t).toContain(flat('赤い屋根の建物）'));
  });

  it('never prints the My Number for a proxy, whatever the order says', async () => {
    const order: CertificateOrder = { kind: 'juminhyo', copies: 1, requesterRelation: 'proxy', juminhyo: { scope: 'partial', includeHonseki: false, includeZokugara: false, showMyNumber: true } };
    const data = await collectCertificateData(registry, 'R0007', order);
    await expect(renderCertificate(order, data, { serial: 'R8-000124', issuedAt, verificationKey: key, fonts })).rejects.toMatchObject({ code: 'CERT_MYNUMBER_FOR_PROXY' });
  });

  it('印鑑登録証明書 with the seal drawn, and 𠮷 taken from the IPAmj face', async () => {
    const r = await render('inkan', 'R0009', { kind: 'inkan', copies: 1 });
    const t = flat(r.text);
    expect(r.pages).toBe(1);
    expect(t).toContain('印鑑登録証明書');
    expect(t).toContain('𠮷田花子');
    expect(t).toContain('福島県いわき市川前町上桶売字大平一番地');
    expect(t).toContain('この写しは、登録されている印影と相違ないことを証明します。');
    expect(t).toContain('第0211804号');
    expect(t).toContain(r.verificationCode);
    const faces = execFileSync('pdffonts', [r.pdfPath], { encoding: 'utf8' });
    expect(faces).toMatch(/ODKMIN\+IPAexMincho\s+CID TrueType\s+Identity-H\s+yes yes yes/);
    expect(faces).toMatch(/ODKMJM\+IPAmjMincho\s+CID TrueType\s+Identity-H\s+yes yes yes/);
    expect(r.pdf.length).toBeLessThan(200_000);
  });

  it('embeds only the main face when no rare character is needed', async () => {
    const r = await render('inkan-iwaki', 'R0001', { kind: 'inkan', copies: 1 });
    expect(flat(r.text)).toContain('磐城髙子');
    expect(execFileSync('pdffonts', [r.pdfPath], { encoding: 'utf8' })).not.toContain('IPAmj');
  });

  it('所得・課税証明書 for a fiscal year', async () => {
    const r = await render('shotoku-kazei', 'R0001', { kind: 'shotoku_kazei', copies: 1, fiscalYear: 2026 });
    const t = flat(r.text);
    const tax = (await registry.taxRecord('R0001', 2026))!;
    expect(t).toContain('所得・課税証明書');
    expect(t).toContain('令和8年度（令和7年分の所得）');
    expect(t).toContain('磐城髙子');
    expect(t).toContain(`${tax.totalIncome.toLocaleString('ja-JP')}円`);
    expect(t).toContain('上記のとおり相違ないことを証明します。');
    expect(t).toContain(r.verificationCode);
  });

  it('納税証明書 shows what is unpaid', async () => {
    const r = await render('nozei', 'R0001', { kind: 'nozei', copies: 1, fiscalYear: 2026 });
    const t = flat(r.text);
    const tax = (await registry.taxRecord('R0001', 2026))!;
    const unpaid = tax.payments.reduce((a, p) => a + p.levied - p.paid, 0);
    expect(unpaid).toBeGreaterThan(0);
    expect(t).toContain('納税証明書');
    expect(t).toContain(`${unpaid.toLocaleString('ja-JP')}円`);
    expect(t).toContain('上記のとおり証明します。');
    expect(t).toContain('福島県いわき市三和町下市萱字架空1-2-3');
  });

  it('固定資産評価証明書 lists land and buildings with the year’s value', async () => {
    const r = await render('kotei-shisan-hyoka', 'R0001', { kind: 'kotei_shisan_hyoka', copies: 1, fiscalYear: 2026 });
    const t = flat(r.text);
    const assets = await registry.fixedAssets('R0001');
    expect(t).toContain('固定資産評価証明書');
    for (const a of assets) expect(t).toContain(`${a.valuations.find((v) => v.fiscalYear === 2026)!.value.toLocaleString('ja-JP')}円`);
    expect(t).toContain('宅地');
    expect(t).toContain('居宅');
    expect(t).toContain('上記のとおり証明します。');
    expect(t).toContain(r.verificationCode);
  });
});

describe('what cannot be issued', () => {
  it('refuses with stable codes: no seal, no tax year, no assets, no options', async () => {
    const r1 = await registry.getResident('R0003');
    const base = { resident: r1!.resident, household: r1!.household };
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(AppError);
        return (e as AppError).code;
      }
      return 'none';
    };
    expect(codeOf(() => buildCertificateContent({ kind: 'inkan', copies: 1 }, { ...base, seal: null }))).toBe('CERT_NO_SEAL');
    expect(codeOf(() => buildCertificateContent({ kind: 'nozei', copies: 1, fiscalYear: 2019 }, { ...base, tax: null }))).toBe('CERT_NO_TAX_RECORD');
    expect(codeOf(() => buildCertificateContent({ kind: 'nozei', copies: 1 }, base))).toBe('CERT_FISCAL_YEAR_REQUIRED');
    expect(codeOf(() => buildCertificateContent({ kind: 'kotei_shisan_hyoka', copies: 1, fiscalYear: 2026 }, { ...base, assets: [] }))).toBe('CERT_NO_ASSETS');
    expect(codeOf(() => buildCertificateContent({ kind: 'juminhyo', copies: 1 }, base))).toBe('CERT_JUMINHYO_OPTIONS_REQUIRED');
  });

  it('refuses a bad serial and a short key', async () => {
    const data = await collectCertificateData(registry, 'R0001', household);
    await expect(renderCertificate(household, data, { serial: 'bad serial!', issuedAt, verificationKey: key, fonts })).rejects.toMatchObject({ code: 'CERT_SERIAL_INVALID' });
    await expect(renderCertificate(household, data, { serial: 'R8-1', issuedAt, verificationKey: 'short', fonts })).rejects.toMatchObject({ code: 'CERT_KEY_TOO_SHORT' });
  });
});

describe('determinism and the verification code', () => {
  it('gives the same bytes for the same input', async () => {
    const data = await collectCertificateData(registry, 'R0009', { kind: 'inkan', copies: 1 });
    const a = await renderCertificate({ kind: 'inkan', copies: 1 }, data, { serial: 'R8-000200', issuedAt, verificationKey: key, fonts });
    const b = await renderCertificate({ kind: 'inkan', copies: 1 }, data, { serial: 'R8-000200', issuedAt: new Date(issuedAt), verificationKey: key, fonts });
    expect(Buffer.from(a.pdf).equals(Buffer.from(b.pdf))).toBe(true);
    expect(a.sha256).toBe(b.sha256);
    const info = execFileSync('pdfinfo', ['-'], { input: a.pdf, encoding: 'utf8' });
    expect(info).not.toMatch(/𠮷田|花子/);
  });

  it('verifies the printed code, as typed by a person, and fails for a changed serial, date, kind or content', async () => {
    const order: CertificateOrder = { kind: 'nozei', copies: 1, fiscalYear: 2026 };
    const data = await collectCertificateData(registry, 'R0001', order);
    const r = await renderCertificate(order, data, { serial: 'R8-000300', issuedAt, verificationKey: key, fonts });
    const input = { serial: r.serial, kind: r.kind, residentId: r.residentId, issueDate: r.issueDate, contentHash: r.contentHash };
    expect(verifyCertificateCode(r.verificationCode, input, key)).toBe(true);
    expect(verifyCertificateCode(r.verificationCode.toLowerCase().replace(/-/g, ' '), input, key)).toBe(true);
    expect(verifyCertificateCode(r.verificationCode, { ...input, serial: 'R8-000301' }, key)).toBe(false);
    expect(verifyCertificateCode(r.verificationCode, { ...input, issueDate: '2026-11-25' }, key)).toBe(false);
    expect(verifyCertificateCode(r.verificationCode, { ...input, kind: 'shotoku_kazei' }, key)).toBe(false);
    expect(verifyCertificateCode(r.verificationCode, input, `${key}x`)).toBe(false);
    // The same certificate with one amount changed has another content hash.
    const tampered = { ...data, tax: { ...data.tax!, payments: data.tax!.payments.map((p) => ({ ...p, paid: p.levied })) } };
    const changed = contentHash(hashableContent(buildCertificateContent(order, tampered)));
    expect(changed).not.toBe(r.contentHash);
    expect(verifyCertificateCode(r.verificationCode, { ...input, contentHash: changed }, key)).toBe(false);
    expect(verifyCertificateCode('not-a-code', input, key)).toBe(false);
    expect(computeVerificationCode(input, key)).toBe(r.verificationCode);
  });

  it('keeps the My Number out of the content hash', async () => {
    const order: CertificateOrder = { kind: 'juminhyo', copies: 1, requesterRelation: 'self', juminhyo: { scope: 'partial', includeHonseki: false, includeZokugara: false, showMyNumber: true } };
    const data = await collectCertificateData(registry, 'R0007', order);
    const content = buildCertificateContent(order, data);
    expect(JSON.stringify(hashableContent(content))).not.toContain('000000000010');
    expect(JSON.stringify(content)).toContain('000000000010');
  });
});

describe('fonts', () => {
  it('refuses a name the faces cannot draw instead of printing a blank', async () => {
    const mainOnly = await CertificateFonts.load({ main: '/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf', fallback: '/nonexistent/ipamjm.ttf' });
    const data = await collectCertificateData(registry, 'R0009', { kind: 'inkan', copies: 1 });
    await expect(renderCertificate({ kind: 'inkan', copies: 1 }, data, { serial: 'R8-000400', issuedAt, verificationKey: key, fonts: mainOnly })).rejects.toMatchObject({ code: 'CERT_GLYPH_MISSING' });
    const other = await collectCertificateData(registry, 'R0001', { kind: 'inkan', copies: 1 });
    const r = await renderCertificate({ kind: 'inkan', copies: 1 }, other, { serial: 'R8-000401', issuedAt, verificationKey: key, fonts: mainOnly });
    expect(r.pages).toBe(1);
  });

  it('fails with a stable code when the main face is missing', async () => {
    await expect(CertificateFonts.load({ main: '/nonexistent/ipaexm.ttf', fallback: '/nonexistent/ipamjm.ttf' })).rejects.toMatchObject({ code: 'CERT_FONT_MISSING' });
  });
});
