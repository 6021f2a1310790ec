// The 個人番号 (My Number) as a rule every boundary applies: its check digit (総務省令 第5条), and the
// refusal of free text that holds one. Free text — reasons, purposes, questions, notes, names — is kept,
// shown and sent as ordinary data, so a My Number typed into it would escape every control the number
// itself has. Pure: no I/O.

/** The check digit of the first 11 digits (個人番号の検査用数字). */
export function myNumberCheckDigit(first11: string): number {
  let sum = 0;
  for (let n = 1; n <= 11; n += 1) {
    const p = Number(first11[11 - n]);
    const q = n <= 6 ? n + 1 : n - 5;
    sum += p * q;
  }
  const r = sum % 11;
  return r <= 1 ? 0 : 11 - r;
}

export function isValidMyNumber(s: string): boolean {
  return /^\d{12}$/.test(s) && myNumberCheckDigit(s.slice(0, 11)) === Number(s[11]);
}

/**
 * Twelve digits standing alone — written straight, or in 4-4-4 groups with a space or a hyphen as the
 * card prints and people copy it — in ASCII or full-width digits. A longer run of digits (a 13-digit
 * 法人番号, a timestamp) is not a My Number and is left alone.
 */
const TWELVE_DIGITS = /(?<!\d)(\d{4})[ \-‐−－]?(\d{4})[ \-‐−－]?(\d{4})(?!\d)/g;

const foldDigits = (s: string) => s.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');

/** Whether the text holds a number that passes the 個人番号 check digit. */
export function containsMyNumber(text: string): boolean {
  for (const m of foldDigits(text).matchAll(TWELVE_DIGITS)) {
    if (isValidMyNumber(`${m[1]}${m[2]}${m[3]}`)) return true;
  }
  return false;
}

export const MY_NUMBER_IN_TEXT = '個人番号（マイナンバー）と思われる12けたの数字が入っています。個人番号は書かないでください。';

/** For zod's refine on free text: passes text that holds no My Number. */
export const holdsNoMyNumber = (text: string | undefined | null): boolean => text === undefined || text === null || !containsMyNumber(text);
