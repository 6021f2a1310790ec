// How the staff screen writes dates, times and yen.

/** 1953-06-14 → 1953年6月14日（昭和28年）: staff read birth dates back to residents in the era they know. */
export function japaneseDate(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const era = new Intl.DateTimeFormat('ja-JP-u-ca-japanese', { era: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
  return `${y}年${m}月${d}日（${era}）`;
}
export const yen = (n: number) => `${n.toLocaleString('ja-JP')}円`;
export const time = (iso: string) => new Date(iso).toLocaleTimeString('ja-JP', { hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Tokyo' });
