export { renderCertificate, defaultIssuer } from './render';
export type { Issuer, RenderOptions, RenderedCertificate } from './render';
export { CertificateOrder, buildCertificateContent, collectCertificateData } from './content';
export type { CertificateContent, CertificateData } from './content';
export { CertificateFonts, defaultFontFiles } from './fonts';
export type { CertificateFontFiles } from './fonts';
export { computeVerificationCode, verifyCertificateCode, normalizeVerificationCode, VerificationInput, CertificateSerial } from './verification';
export { warekiDate, warekiFiscalYear, warekiYear, japanDate } from '../../protocol/wareki';
