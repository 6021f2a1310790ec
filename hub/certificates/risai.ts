// The り災証明書 as an A4 PDF, on the frame of the other certificates (証明書番号, title, the
// certification sentence, the date in 和暦, the mayor's name and seal): the disaster, the applicant,
// the building, the damage as judged (被害の程度), the number the application was taken under.
// The same application, grade, serial and time always give the same bytes.
import { createHash } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import {
  damageGradeLabel, disasterKindLabel, propertyUseLabel, structureLabel, type DamageGrade, type Disaster, type RisaiApplicationInput,
} from '../../protocol/disaster';
import { japanDate, warekiDate } from '../../protocol/wareki';
import { CertificateFonts } from './fonts';
import { A4, allText, Page, paint } from './layout';
import { defaultIssuer, type Issuer } from './render';
import { drawOfficialSeal } from './seal';

export interface RisaiCertificateInput {
  /** The application's number at the vehicle (受付番号). */
  number: string;
  input: RisaiApplicationInput;
  disaster: Pick<Disaster, 'name' | 'kind' | 'date'>;
  grade: DamageGrade;
  serial: string;
  issuedAt: Date;
  fonts?: CertificateFonts;
  issuer?: Issuer;
}

export interface RenderedRisaiCertificate {
  pdf: Uint8Array;
  sha256: string;
  /** Every string drawn, for checks. */
  text: string;
}

const LEFT = 18;
const WIDTH = 174;
const LABEL = 40;

export async function renderRisaiCertificate(o: RisaiCertificateInput): Promise<RenderedRisaiCertificate> {
  const fonts = o.fonts ?? (await CertificateFonts.load());
  const issuer = o.issuer ?? defaultIssuer;
  const p = new Page(fonts);
  p.text(`証明書番号　${o.serial}`, LEFT + WIDTH, 10, 9, 'black', 'right');
  p.text('り災証明書', A4.width / 2, 18, 22, 'black', 'center');
  const { input } = o;
  const rows: [string, string, number][] = [
    ['災害名', `${o.disaster.name}（${disasterKindLabel[o.disaster.kind]}）`, 12],
    ['発生日', warekiDate(o.disaster.date), 10],
    ['り災者　住所', input.applicant.address, 14],
    ['り災者　氏名', input.applicant.name, 12],
    ['り災した建物の所在地', input.property.address, 14],
    ['建物の用途・構造', `${propertyUseLabel[input.property.use]}・${structureLabel[input.property.structure]}`, 10],
    ['被害の程度', damageGradeLabel[o.grade], 16],
    ['受付番号', o.number, 10],
  ];
  let y = 36;
  for (const [label, value, h] of rows) {
    p.cell({ x: LEFT, y, w: LABEL, h }, label, { label: true });
    p.cell({ x: LEFT + LABEL, y, w: WIDTH - LABEL, h }, value, { sizePt: label === '被害の程度' ? 16 : 12, minSizePt: 8 });
    y += h;
  }
  p.rect({ x: LEFT, y: 36, w: WIDTH, h: y - 36 }, 0.5);
  p.textIn(
    { x: LEFT, y: y + 6, w: WIDTH, h: 18 },
    'この証明書は、災害による建物の被害の程度を証明するもので、民事上の権利義務関係に効力を有するものではありません。',
    { sizePt: 9.5, minSizePt: 8, valign: 'top' },
  );
  const issueDate = japanDate(o.issuedAt);
  p.text('上記のとおり相違ないことを証明します。', LEFT + 6, 238, 11.5);
  p.text(warekiDate(issueDate), LEFT + 6, 247, 11.5);
  const nameRight = 168;
  p.text(`${issuer.mayorTitle}　${issuer.mayorName}`, nameRight, 256, 14, 'black', 'right');
  drawOfficialSeal(p, nameRight + 10.5, 258.5, 19, issuer.sealColumns);
  p.text('お問い合わせ　いわき市 資産税課', LEFT, 280, 9);

  const doc = await PDFDocument.create({ updateMetadata: false });
  const faces = await fonts.embed(doc, allText([p]));
  paint(doc.addPage([(A4.width * 72) / 25.4, (A4.height * 72) / 25.4]), p.ops, fonts, faces);
  doc.setTitle(`り災証明書（${o.serial}）`);
  doc.setAuthor('いわき市');
  doc.setCreator('いわき市 お出かけ市役所 証明書発行');
  doc.setProducer('いわき市 お出かけ市役所 証明書発行');
  doc.setLanguage('ja-JP');
  doc.setCreationDate(o.issuedAt);
  doc.setModificationDate(o.issuedAt);
  const pdf = await doc.save();
  return { pdf, sha256: createHash('sha256').update(pdf).digest('hex'), text: allText([p]) };
}
