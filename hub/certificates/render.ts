// Renders one certificate as an A4 PDF: the layouts of the five kinds on a shared frame (証明書番号,
// title, certification sentence, date in 和暦, the mayor's name and seal, the 照合番号 box).
// The same order, data, serial, time and key always give the same bytes.
import { createHash } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import { z } from 'zod';
import type { CertificateKind } from '../../protocol/domain';
import { AppError } from '../../protocol/errors';
import { certificateKindLabel } from '../../protocol/labels';
import type { CertificateContent, CertificateData, CertificateOrder, JuminhyoMember } from './content';
import { buildCertificateContent, hashableContent } from './content';
import { CertificateFonts } from './fonts';
import { A4, allText, Page, paint } from './layout';
import type { Box } from './layout';
import { drawOfficialSeal, drawSealImpression } from './seal';
import { CertificateSerial, computeVerificationCode, contentHash } from './verification';
import { japanDate, warekiDate, warekiFiscalYear, warekiYear } from '../../protocol/wareki';

/** Who signs. The mayor's name is invented: this registry holds invented residents only. */
export interface Issuer {
  mayorTitle: string;
  mayorName: string;
  sealColumns: string[];
  /** Where a holder can have the 照合番号 checked, printed in the footer. */
  verifyAt: string;
}

export const defaultIssuer: Issuer = {
  mayorTitle: 'いわき市長',
  mayorName: '夏井　一郎',
  sealColumns: ['いわき', '市長', '之印'],
  verifyAt: 'いわき市役所市民課',
};

export interface RenderOptions {
  serial: string;
  issuedAt: Date | string;
  verificationKey: Uint8Array | string;
  /** Load once with CertificateFonts.load() and pass it in; loaded per call otherwise. */
  fonts?: CertificateFonts;
  issuer?: Issuer;
}

export interface RenderedCertificate {
  pdf: Uint8Array;
  serial: string;
  verificationCode: string;
  pages: number;
  kind: CertificateKind;
  residentId: string;
  /** Japan date of issue (YYYY-MM-DD), as printed in 和暦. */
  issueDate: string;
  /** What the hub keeps to verify the code later (with serial, kind, resident and date). */
  contentHash: string;
  /** SHA-256 of the PDF bytes, as the print job carries it. */
  sha256: string;
}

const IssuedAt = z.union([z.date(), z.iso.datetime({ offset: true })]);

const LEFT = 18;
const WIDTH = 174;
const BODY_TOP = 33;
const BODY_BOTTOM = 232;

const certification: Record<CertificateKind, (c: CertificateContent) => string> = {
  juminhyo: (c) => (c.kind === 'juminhyo' && c.scope === 'household' ? 'この写しは、世帯全員の住民票の原本と相違ないことを証明する。' : 'この写しは、住民票の原本と相違ないことを証明する。'),
  inkan: () => 'この写しは、登録されている印影と相違ないことを証明します。',
  shotoku_kazei: () => '上記のとおり相違ないことを証明します。',
  nozei: () => '上記のとおり証明します。',
  kotei_shisan_hyoka: () => '上記のとおり証明します。',
};

const yen = (n: number) => `${n.toLocaleString('ja-JP')}円`;
const sqm = (n: number) => `${n.toLocaleString('ja-JP', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}㎡`;
const omitted = '（省略）';

/** Pages of one certificate, each started with the frame; the body flows from BODY_TOP down. */
class Sheets {
  readonly pages: Page[] = [];
  y = BODY_TOP;
  constructor(
    private readonly fonts: CertificateFonts,
    private readonly onNewPage: (p: Page) => number,
  ) {
    this.newPage();
  }
  get page(): Page {
    return this.pages[this.pages.length - 1]!;
  }
  newPage(): void {
    const p = new Page(this.fonts);
    this.pages.push(p);
    this.y = this.onNewPage(p);
  }
  /** Room for `h` mm more on this page, or a new page. */
  need(h: number, bottom = BODY_BOTTOM): void {
    if (this.y + h > bottom) this.newPage();
  }
}

/** Label/value rows spanning the width: 年度, 住所, 氏名 … at the head of tax certificates. */
function headRows(s: Sheets, rows: Array<[string, string]>, labelW = 30, h = 8.5): void {
  for (const [label, value] of rows) {
    s.page.cell({ x: LEFT, y: s.y, w: labelW, h }, label, { label: true });
    s.page.cell({ x: LEFT + labelW, y: s.y, w: WIDTH - labelW, h }, value, { sizePt: 11, minSizePt: 7 });
    s.y += h;
  }
}

function tableRow(s: Sheets, widths: number[], cells: string[], o: { header?: boolean; h?: number; align?: Array<'left' | 'center' | 'right'> } = {}): void {
  const h = o.h ?? 9;
  let x = LEFT;
  widths.forEach((w, i) => {
    s.page.cell({ x, y: s.y, w, h }, cells[i] ?? '', o.header ? { label: true } : { align: o.align?.[i] ?? 'left', sizePt: 10, minSizePt: 6.5 });
    x += w;
  });
  s.y += h;
}

function blankBelow(s: Sheets): void {
  // The note may sit just above the certification, which always has its own space.
  s.need(6, BODY_BOTTOM + 4);
  s.page.text('以下余白', LEFT + WIDTH, s.y + 1.5, 9, 'gray', 'right');
  s.y += 7;
}

// ── 住民票の写し ──────────────────────────────────────────────
function juminhyo(s: Sheets, c: Extract<CertificateContent, { kind: 'juminhyo' }>): void {
  const L = 27;
  const V = WIDTH / 2 - L;
  const rowH = 7;
  const blockH = 11 + 6 * rowH;
  c.members.forEach((m: JuminhyoMember, index) => {
    s.need(blockH + 3);
    const p = s.page;
    let y = s.y;
    const pair = (l1: string, v1: string, l2: string, v2: string, h = rowH) => {
      p.cell({ x: LEFT, y, w: L, h }, l1, { label: true });
      p.cell({ x: LEFT + L, y, w: V, h }, v1, { sizePt: 10.5, minSizePt: 7 });
      p.cell({ x: LEFT + L + V, y, w: L, h }, l2, { label: true });
      p.cell({ x: LEFT + 2 * L + V, y, w: V, h }, v2, { sizePt: 10.5, minSizePt: 7 });
      y += h;
    };
    const wide = (l: string, v: string, h = rowH) => {
      p.cell({ x: LEFT, y, w: L, h }, l, { label: true });
      p.cell({ x: LEFT + L, y, w: WIDTH - L, h }, v, { sizePt: 10.5, minSizePt: 6.5 });
      y += h;
    };
    // 氏名: ふりがな above the name, as the city's form prints it.
    p.cell({ x: LEFT, y, w: L, h: 11 }, `${index + 1}　氏名`, { label: true });
    p.rect({ x: LEFT + L, y, w: V, h: 11 });
    p.textIn({ x: LEFT + L, y: y + 0.3, w: V, h: 4 }, m.kana, { sizePt: 7.5, minSizePt: 5.5, padMm: 2.5 });
    p.textIn({ x: LEFT + L, y: y + 3.8, w: V, h: 7 }, m.name, { sizePt: 14, minSizePt: 8, padMm: 2.5 });
    p.cell({ x: LEFT + L + V, y, w: L, h: 11 }, '生年月日', { label: true });
    p.cell({ x: LEFT + 2 * L + V, y, w: V, h: 11 }, warekiDate(m.birthDate), { sizePt: 11 });
    y += 11;
    pair('性別', m.sex, '続柄', m.relationship ?? omitted);
    pair('住民となった日', warekiDate(m.residentSince), '住所を定めた日', warekiDate(m.addressSince));
    pair('届出日', warekiDate(m.notifiedOn), '個人番号', m.myNumber === null ? omitted : m.myNumber.replace(/(\d{4})(?=\d)/g, '$1 '));
    wide('本籍', m.honseki ?? omitted);
    wide('筆頭者', m.hittosha ?? omitted);
    wide('前住所', m.previousAddress ?? '');
    p.rect({ x: LEFT, y: s.y, w: WIDTH, h: y - s.y }, 0.5);
    s.y = y + 3;
  });
  blankBelow(s);
}

// ── 印鑑登録証明書 ────────────────────────────────────────────
function inkan(s: Sheets, c: Extract<CertificateContent, { kind: 'inkan' }>): void {
  const p = s.page;
  const y0 = s.y + 4;
  const sealW = 52;
  const rowH = 16;
  p.cell({ x: LEFT, y: y0, w: 24, h: rowH * 3 }, '印影', { label: true });
  p.rect({ x: LEFT + 24, y: y0, w: sealW, h: rowH * 3 });
  drawSealImpression(p, LEFT + 24 + sealW / 2, y0 + (rowH * 3) / 2, c.impression);
  const rx = LEFT + 24 + sealW;
  const rows: Array<[string, string, number]> = [
    ['登録番号', `第 ${c.registrationNumber} 号`, 11],
    ['氏名', c.name, 15],
    ['生年月日', warekiDate(c.birthDate), 11],
  ];
  rows.forEach(([label, value, size], i) => {
    p.cell({ x: rx, y: y0 + i * rowH, w: 24, h: rowH }, label, { label: true });
    p.cell({ x: rx + 24, y: y0 + i * rowH, w: WIDTH - 24 - sealW - 24, h: rowH }, value, { sizePt: size, minSizePt: 8 });
  });
  const ay = y0 + rowH * 3;
  p.cell({ x: LEFT, y: ay, w: 24, h: 20 }, '住所', { label: true });
  p.cell({ x: LEFT + 24, y: ay, w: WIDTH - 24, h: 20 }, c.address, { sizePt: 12, minSizePt: 8 });
  p.rect({ x: LEFT, y: y0, w: WIDTH, h: rowH * 3 + 20 }, 0.5);
  s.y = ay + 20 + 2;
  blankBelow(s);
}

// ── 所得・課税証明書 ──────────────────────────────────────────
function shotokuKazei(s: Sheets, c: Extract<CertificateContent, { kind: 'shotoku_kazei' }>): void {
  const t = c.tax;
  headRows(s, [
    ['年度', `${warekiFiscalYear(c.fiscalYear)}（${warekiYear(c.fiscalYear - 1)}分の所得）`],
    ['住所', c.address],
    ['氏名', c.name],
    ['生年月日', warekiDate(c.birthDate)],
  ]);
  s.y += 5;
  s.page.text('所得の状況', LEFT, s.y, 11);
  s.y += 6;
  const w1 = [58, 58, 58];
  const r: Array<'left' | 'right'> = ['left', 'right', 'right'];
  tableRow(s, w1, ['所得の種類', '収入金額', '所得金額'], { header: true, h: 8 });
  tableRow(s, w1, ['給与', yen(t.income.salaryRevenue), yen(t.income.salaryIncome)], { align: r, h: 8 });
  tableRow(s, w1, ['公的年金等', yen(t.income.pensionRevenue), yen(t.income.pensionIncome)], { align: r, h: 8 });
  tableRow(s, w1, ['事業', '―', yen(t.income.businessIncome)], { align: r, h: 8 });
  tableRow(s, w1, ['その他', '―', yen(t.income.otherIncome)], { align: r, h: 8 });
  tableRow(s, w1, ['合計所得金額', '', yen(t.totalIncome)], { align: r, h: 8 });
  tableRow(s, w1, ['所得控除額の合計', '', yen(t.deductions)], { align: r, h: 8 });
  tableRow(s, w1, ['課税標準額', '', yen(t.taxableIncome)], { align: r, h: 8 });
  tableRow(s, w1, ['扶養親族等の数', '', `${t.dependents}人`], { align: r, h: 8 });
  s.y += 5;
  s.page.text('税額（年額）', LEFT, s.y, 11);
  s.y += 6;
  const w2 = [52, 40, 40, 42];
  const r2: Array<'left' | 'right'> = ['left', 'right', 'right', 'right'];
  const total = t.municipal.incomeLevy + t.municipal.perCapita + t.prefectural.incomeLevy + t.prefectural.perCapita + t.forestEnvironmentTax;
  tableRow(s, w2, ['区分', '所得割額', '均等割額', '計'], { header: true, h: 8 });
  tableRow(s, w2, ['市民税', yen(t.municipal.incomeLevy), yen(t.municipal.perCapita), yen(t.municipal.incomeLevy + t.municipal.perCapita)], { align: r2, h: 8 });
  tableRow(s, w2, ['県民税', yen(t.prefectural.incomeLevy), yen(t.prefectural.perCapita), yen(t.prefectural.incomeLevy + t.prefectural.perCapita)], { align: r2, h: 8 });
  tableRow(s, w2, ['森林環境税（国税）', '―', yen(t.forestEnvironmentTax), yen(t.forestEnvironmentTax)], { align: r2, h: 8 });
  tableRow(s, w2, ['年税額', '', '', yen(total)], { align: r2, h: 8 });
  if (total === 0) {
    s.y += 2;
    s.page.text(`※ ${warekiFiscalYear(c.fiscalYear)}の市民税・県民税は非課税です。`, LEFT, s.y, 10);
    s.y += 6;
  }
  blankBelow(s);
}

// ── 納税証明書 ────────────────────────────────────────────────
function nozei(s: Sheets, c: Extract<CertificateContent, { kind: 'nozei' }>, issueDate: string): void {
  headRows(s, [
    ['住所', c.address],
    ['氏名', c.name],
    ['生年月日', warekiDate(c.birthDate)],
  ]);
  s.y += 6;
  const w = [50, 28, 32, 32, 32];
  const r: Array<'left' | 'center' | 'right'> = ['left', 'center', 'right', 'right', 'right'];
  tableRow(s, w, ['税目', '年度', '税額', '納付済額', '未納額'], { header: true, h: 9 });
  for (const p of c.payments) tableRow(s, w, [p.item, warekiFiscalYear(c.fiscalYear), yen(p.levied), yen(p.paid), yen(p.unpaid)], { align: r, h: 10 });
  const sum = (k: 'levied' | 'paid' | 'unpaid') => c.payments.reduce((a, p) => a + p[k], 0);
  tableRow(s, w, ['合計', '', yen(sum('levied')), yen(sum('paid')), yen(sum('unpaid'))], { align: r, h: 10 });
  s.y += 3;
  const note = sum('unpaid') === 0 ? '上記の年度の市税に未納はありません。' : '未納額は、納期限が到来していない額を含みます。';
  s.page.text(`※ ${warekiDate(issueDate)}現在の納付状況です。${note}`, LEFT, s.y, 9.5);
  s.y += 7;
  blankBelow(s);
}

// ── 固定資産評価証明書 ────────────────────────────────────────
function koteiShisan(s: Sheets, c: Extract<CertificateContent, { kind: 'kotei_shisan_hyoka' }>): void {
  headRows(s, [
    ['年度', `${warekiFiscalYear(c.fiscalYear)}（賦課期日 ${warekiDate(`${c.fiscalYear}-01-01`)}）`],
    ['所有者の住所', c.address],
    ['所有者の氏名', c.name],
  ]);
  if (c.lands.length > 0) {
    s.y += 5;
    const w = [80, 20, 34, 40];
    const head = () => {
      s.page.text('土地', LEFT, s.y, 11);
      s.y += 6;
      tableRow(s, w, ['所在・地番', '地目', '地積', '評価額'], { header: true, h: 8 });
    };
    s.need(23);
    head();
    for (const l of c.lands) {
      if (s.y + 10 > BODY_BOTTOM) {
        s.newPage();
        head();
      }
      tableRow(s, w, [l.location, l.landCategory, sqm(l.areaSqm), yen(l.value)], { align: ['left', 'center', 'right', 'right'], h: 10 });
    }
  }
  if (c.buildings.length > 0) {
    s.y += 5;
    const w = [50, 19, 53, 24, 28];
    const head = () => {
      s.page.text('家屋', LEFT, s.y, 11);
      s.y += 6;
      tableRow(s, w, ['所在', '家屋番号', '種類・構造（建築年）', '床面積', '評価額'], { header: true, h: 8 });
    };
    s.need(25);
    head();
    for (const b of c.buildings) {
      if (s.y + 12 > BODY_BOTTOM) {
        s.newPage();
        head();
      }
      tableRow(s, w, [b.location, b.buildingNumber, `${b.usage}　${b.structure}\n（${warekiYear(b.builtYear)}建築）`, sqm(b.floorAreaSqm), yen(b.value)], {
        align: ['left', 'center', 'left', 'right', 'right'],
        h: 12,
      });
    }
  }
  blankBelow(s);
}

function frame(p: Page, title: string, serial: string): void {
  p.text(`証明書番号　${serial}`, LEFT + WIDTH, 10, 9, 'black', 'right');
  p.text(title, A4.width / 2, 18, 22, 'black', 'center');
}

function certify(p: Page, sentence: string, issueDate: string, issuer: Issuer): void {
  p.text(sentence, LEFT + 6, 238, 11.5);
  p.text(warekiDate(issueDate), LEFT + 6, 247, 11.5);
  const nameRight = 168;
  p.text(`${issuer.mayorTitle}　${issuer.mayorName}`, nameRight, 256, 14, 'black', 'right');
  // The 職印 just touches the end of the name, as on the city's printed certificates.
  drawOfficialSeal(p, nameRight + 10.5, 258.5, 19, issuer.sealColumns);
}

function footer(p: Page, code: string, issuer: Issuer, index: number, count: number): void {
  const y = 272;
  p.cell({ x: LEFT, y, w: 22, h: 14 }, '照合番号', { label: true });
  p.cell({ x: LEFT + 22, y, w: 62, h: 14 }, code, { sizePt: 14, align: 'center' });
  p.rect({ x: LEFT + 84, y, w: WIDTH - 84, h: 14 });
  p.textIn(
    { x: LEFT + 84, y, w: WIDTH - 84, h: 14 },
    `この証明書の発行の事実と内容は、証明書番号と照合番号により、${issuer.verifyAt}で確かめられます。`,
    { sizePt: 8.5, minSizePt: 7 },
  );
  p.text(`${index}／${count}`, A4.width / 2, 289, 9, 'black', 'center');
}

/**
 * Renders the certificate an order asks for from the registry data, with the hub's serial, the
 * issue time and its HMAC key. Throws AppError (CERT_*) for what cannot be issued.
 */
export async function renderCertificate(order: CertificateOrder, data: CertificateData, opts: RenderOptions): Promise<RenderedCertificate> {
  const serial = CertificateSerial.safeParse(opts.serial);
  if (!serial.success) throw new AppError('CERT_SERIAL_INVALID', '証明書番号の形式が正しくありません。市役所の管理者が確かめてください。');
  const at = IssuedAt.safeParse(opts.issuedAt);
  if (!at.success) throw new AppError('CERT_ISSUED_AT_INVALID', '発行日時の形式が正しくありません。市役所の管理者が確かめてください。');
  const issuedAt = at.data instanceof Date ? at.data : new Date(at.data);
  const issueDate = japanDate(issuedAt);
  const issuer = opts.issuer ?? defaultIssuer;
  const fonts = opts.fonts ?? (await CertificateFonts.load());

  const content = buildCertificateContent(order, data);
  const hash = contentHash(hashableContent(content));
  const verificationCode = computeVerificationCode(
    { serial: serial.data, kind: content.kind, residentId: content.residentId, issueDate, contentHash: hash },
    opts.verificationKey,
  );

  const title = certificateKindLabel[content.kind];
  const s = new Sheets(fonts, (p) => {
    frame(p, title, serial.data);
    if (content.kind === 'juminhyo') {
      // Every page of a 住民票 repeats the household it belongs to.
      const box = (y: number, h: number): [Box, Box] => [{ x: LEFT, y, w: 27, h }, { x: LEFT + 27, y, w: WIDTH - 27, h }];
      const [al, av] = box(BODY_TOP, 13);
      p.cell(al, '住所', { label: true });
      p.cell(av, content.address, { sizePt: 12, minSizePt: 8 });
      const [hl, hv] = box(BODY_TOP + 13, 8);
      p.cell(hl, '世帯主', { label: true });
      p.cell(hv, content.head, { sizePt: 12 });
      p.rect({ x: LEFT, y: BODY_TOP, w: WIDTH, h: 21 }, 0.5);
      return BODY_TOP + 25;
    }
    return BODY_TOP;
  });
  switch (content.kind) {
    case 'juminhyo':
      juminhyo(s, content);
      break;
    case 'inkan':
      inkan(s, content);
      break;
    case 'shotoku_kazei':
      shotokuKazei(s, content);
      break;
    case 'nozei':
      nozei(s, content, issueDate);
      break;
    case 'kotei_shisan_hyoka':
      koteiShisan(s, content);
      break;
  }
  // The certification needs the space below BODY_BOTTOM on the last page.
  certify(s.page, certification[content.kind](content), issueDate, issuer);
  s.pages.forEach((p, i) => footer(p, verificationCode, issuer, i + 1, s.pages.length));

  const doc = await PDFDocument.create({ updateMetadata: false });
  const faces = await fonts.embed(doc, allText(s.pages));
  for (const p of s.pages) paint(doc.addPage([(A4.width * 72) / 25.4, (A4.height * 72) / 25.4]), p.ops, fonts, faces);
  // Fixed metadata (no personal data, dates from the issue time) keeps the bytes reproducible.
  doc.setTitle(`${title}（${serial.data}）`);
  doc.setAuthor('いわき市');
  doc.setCreator('いわき市 お出かけ市役所 証明書発行');
  doc.setProducer('いわき市 お出かけ市役所 証明書発行');
  doc.setLanguage('ja-JP');
  doc.setCreationDate(issuedAt);
  doc.setModificationDate(issuedAt);
  const pdf = await doc.save();
  return {
    pdf,
    serial: serial.data,
    verificationCode,
    pages: s.pages.length,
    kind: content.kind,
    residentId: content.residentId,
    issueDate,
    contentHash: hash,
    sha256: createHash('sha256').update(pdf).digest('hex'),
  };
}
