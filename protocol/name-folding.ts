// How names and addresses are compared, once for both sides: the hub matches a relayed 交付請求書 with
// the registry, the vehicle compares the My Number card's 基本4情報 with the request. The card, the
// staff's keyboard and the registry spell the same name and address differently: full-width vs
// half-width, 旧字体 vs 新字体, 一二三番地の四五 vs 123-45. Both sides of a comparison go through the same
// folding, so it is symmetric; both deployables use this table, so they agree on what is the same name.

/**
 * 旧字体・異体字 → 通用字体. NFKC does not touch these: most are separate unified ideographs, and
 * 﨑 (U+FA11) is one of the twelve compatibility ideographs without a decomposition.
 */
const variantFold: Record<string, string> = {
  髙: '高',
  﨑: '崎',
  嵜: '崎',
  𠮷: '吉',
  邉: '辺',
  邊: '辺',
  濵: '浜',
  濱: '浜',
  齋: '斎',
  齊: '斉',
  德: '徳',
  槗: '橋',
  櫻: '桜',
  澤: '沢',
  廣: '広',
  國: '国',
  嶋: '島',
  嶌: '島',
  冨: '富',
  眞: '真',
  惠: '恵',
  藏: '蔵',
  龍: '竜',
  瀨: '瀬',
  榮: '栄',
  曻: '昇',
  增: '増',
  淸: '清',
  彌: '弥',
  壽: '寿',
  實: '実',
  學: '学',
  圓: '円',
  﨔: '欅',
};

export function foldVariants(s: string): string {
  let out = '';
  for (const ch of s) out += variantFold[ch] ?? ch;
  return out;
}

/** Katakana → hiragana, so ふりがな typed either way compares equal. */
function toHiragana(s: string): string {
  return s.replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60));
}

/** A name as compared: NFKC, variants folded, every kind of space removed. */
export function normalizeName(name: string): string {
  return foldVariants(name.normalize('NFKC')).replace(/[\s\u3000]+/gu, '');
}

export function normalizeKana(kana: string): string {
  return toHiragana(kana.normalize('NFKC')).replace(/[\s\u3000]+/gu, '');
}

const kanjiDigit: Record<string, number> = { 〇: 0, 零: 0, 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const kanjiUnit: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };

/** 一二三 (digit by digit) and 百二十三 (positional) both become 123. */
function kanjiNumber(run: string): string {
  if (![...run].some((c) => c in kanjiUnit)) return [...run].map((c) => String(kanjiDigit[c])).join('');
  let total = 0;
  let digit = 0;
  for (const c of run) {
    if (c in kanjiUnit) {
      total += (digit === 0 ? 1 : digit) * kanjiUnit[c]!;
      digit = 0;
    } else {
      digit = digit * 10 + kanjiDigit[c]!;
    }
  }
  return String(total + digit);
}

/**
 * An address as compared: NFKC, variants folded, spaces gone, the prefecture and city dropped
 * (every resident here lives in いわき市), kanji numerals as digits, and 丁目/番地/番/号/の
 * between numbers as hyphens, so 「字中ノ内一二三番地の四五」 equals 「字中ノ内123-45」.
 */
export function normalizeAddress(address: string): string {
  let s = foldVariants(address.normalize('NFKC')).trim();
  s = s.replace(/^福島県/, '').replace(/^いわき市/, '');
  // Numerals first, while a space still keeps 四五 apart from the 三 of the 三和 after it.
  s = s.replace(/[〇零一二三四五六七八九十百千]+/g, kanjiNumber);
  s = s.replace(/(\d)[‐‑‒–—―−ー－](?=\d)/g, '$1-');
  s = s.replace(/(\d+)(?:丁目|番地|番|号)(?:の)?/g, '$1-').replace(/(\d)の(\d)/g, '$1-$2');
  // A space between two numbers still separates them; anywhere else it carries no meaning.
  s = s.replace(/-?[\s\u3000]+/gu, (m, i: number, all: string) => (/\d/.test(all[i + m.length] ?? '') && /[\d-]/.test(all[i - 1] ?? '') ? '|' : ''));
  return s.replace(/-+/g, '-').replace(/-$/, '').replace(/-\|/g, '|');
}

/**
 * Two addresses name the same place when equal, or when one continues the other after its 番地
 * (a card holds the registry's full text; staff may type only up to the number). The shorter one
 * must reach a number, or 「平」 alone would match everyone in 平.
 */
export function addressesMatch(a: string, b: string): boolean {
  const x = normalizeAddress(a);
  const y = normalizeAddress(b);
  if (x === y) return true;
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  if (!/\d$/.test(short) || !long.startsWith(short)) return false;
  // 「1-2」 must not match 「1-23」: the longer one has to continue with something other than a digit.
  return !/\d/.test(long[short.length] ?? '');
}
