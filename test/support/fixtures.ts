// Invented people and ready-made requests for tests. Nobody here exists.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestInput } from '../../protocol/request';
import { ManualClock } from '../../electron/core/clock';
import { KeyFileProvider } from '../../electron/core/crypto';
import { loadFeeTable } from '../../electron/core/fees';
import { loadGoodsTable, loadOutingPlaces } from '../../electron/core/outing-catalog';
import { TerminalCore, type TerminalOptions } from '../../electron/core/terminal';

export const projectRoot = join(import.meta.dirname, '..', '..');
export const feesFile = join(projectRoot, 'fixtures', 'fees.json');
export const outingPlacesFile = join(projectRoot, 'fixtures', 'outing-places.json');
export const goodsFile = join(projectRoot, 'fixtures', 'goods.json');
/** The city's lists an outing reads, as the terminal loads them at start. */
export const outingCatalog = () => ({ outingPlaces: loadOutingPlaces(outingPlacesFile), goods: loadGoodsTable(goodsFile) });
export const staffFile = join(projectRoot, 'fixtures', 'staff.json');
export const demoStaff = { staffId: 'S0001', pin: '258013' };

export function juminhyoRequest(overrides: Partial<RequestInput> = {}): RequestInput {
  return {
    kind: 'juminhyo',
    copies: 1,
    juminhyo: { scope: 'partial', includeHonseki: false, includeZokugara: true, showMyNumber: false },
    subject: { name: '磐城 髙子', kana: 'いわき たかこ', birthDate: '1953-06-14', address: '福島県いわき市三和町下市萱字架空1-2-3' },
    requester: { relation: 'self', letterOfProxy: false },
    ...overrides,
  };
}

export function tempDir(prefix = 'odekake-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A real core on a real SQLite file in a temp folder, with a clock the test moves. */
export function makeCore(dir: string, clock = new ManualClock(), hub?: TerminalOptions['hub']): { core: TerminalCore; clock: ManualClock } {
  const core = new TerminalCore({
    dataDir: dir,
    keys: new KeyFileProvider(join(dir, 'data.key')),
    fees: loadFeeTable(feesFile),
    ...outingCatalog(),
    place: 'test-vehicle',
    clock,
    ...(hub ? { hub } : {}),
  });
  core.staff.seedFromFile(staffFile);
  return { core, clock };
}
