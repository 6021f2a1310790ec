// How the staff screen writes dates, times and yen.
import { warekiWithSeireki } from '../../../protocol/wareki';


/** 1953-06-14 → 昭和28年6月14日 (1953年6月14日): staff read birth dates back to residents in the era they know. */
export const japaneseDate = warekiWithSeireki;
export const yen = (n: number) => `${n.toLocaleString('ja-JP')}円`;
export const time = (iso: string) => new Date(iso).toLocaleTimeString('ja-JP', { hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Tokyo' });
