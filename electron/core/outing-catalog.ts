// The city's lists an outing reads: the places of 地区定期巡回 and the goods sold with their prices.
// Data (fixtures/outing-places.json, fixtures/goods.json), never code; checked when the terminal starts.
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { GoodsTable, OutingPlacesFile } from '../../protocol/outings';

function load<T extends z.ZodType>(schema: T, file: string, what: string): z.output<T> {
  const parsed = schema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${what} ${file} が正しくありません: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(全体)'}: ${i.message}`).join(' / ')}`);
  }
  return parsed.data;
}

export function loadOutingPlaces(file: string): string[] {
  return load(OutingPlacesFile, file, '巡回場所の一覧').places;
}

export function loadGoodsTable(file: string): GoodsTable {
  return load(GoodsTable, file, '販売品目の一覧');
}
