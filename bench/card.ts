// My Number card benchmarks (issue 5), through a private pcscd with the vpcd reader and the virtual
// card: APDUs and milliseconds for a full identity read (券面事項入力補助AP, basic 4 info after the PIN)
// and for a signature with the user-authentication key once its certificate is cached. Median of 20.
// The virtual card times its own work per APDU, so the table can say how much of each operation is
// the card and how much is the reader path (pcsc-lite → pcscd → vpcd driver → TCP → card).
//   npm run bench:card   (needs root, as pcscd does: the rig mounts its own /run/pcscd)
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { PinBuffer } from '../native/card/index';
import { loadProfile } from '../native/card/virtual/index';
import { startCardRig } from '../test/support/card-rig';

const RUNS = 20;
type Row = [what: string, measured: string, target: string, verdict: string];
const rows: Row[] = [];
const row = (what: string, measured: string, target = '', verdict: boolean | null = null) =>
  rows.push([what, measured, target, verdict === null ? '' : verdict ? 'ok' : 'MISSED']);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Sample {
  /** Summed waits between a command's length header and its body (vpcd's two sends). */
  splitMs: number;
  apdus: number;
  ms: number;
  /** Time inside the virtual card's command handler, summed over the operation's APDUs. */
  cardMs: number;
  /** Commands the card itself saw (the service's count should match). */
  cardApdus: number;
}

// The only Node socket in this process is the virtual card's connection to vpcd (pcsc-lite talks to
// pcscd from native code), so noting every chunk it receives shows how vpcd's bytes arrive: a 2-byte
// length and its command in separate chunks, far apart, is vpcd writing them in two sends with Nagle on.
const chunks: { at: number; bytes: number }[] = [];
const emit = Socket.prototype.emit;
Socket.prototype.emit = function (this: Socket, event: string | symbol, ...args: unknown[]) {
  if (event === 'data' && Buffer.isBuffer(args[0])) chunks.push({ at: performance.now(), bytes: args[0].length });
  return (emit as (...a: unknown[]) => boolean).apply(this, [event, ...args]);
} as typeof Socket.prototype.emit;

/** Per command: how long after its 2-byte length header the rest of it arrived (0 when in one chunk). */
function headerGaps(from: number): number[] {
  const gaps: number[] = [];
  const list = chunks.slice(from);
  for (let i = 0; i < list.length; i++) {
    if (list[i]!.bytes === 2 && list[i + 1]) {
      gaps.push(list[i + 1]!.at - list[i]!.at);
      i++;
    } else gaps.push(0);
  }
  return gaps;
}

const rig = await startCardRig();
try {
  const profile = loadProfile('yamazaki-takashi');
  const handle = await rig.insert(profile.id);
  // Time each command inside the card: the rest of an operation is the host, pcscd and the virtual reader.
  const card = handle.card;
  const inner = card.handle.bind(card);
  let cardMs = 0;
  let cardApdus = 0;
  card.handle = (apdu: Uint8Array) => {
    const t = performance.now();
    try {
      return inner(apdu);
    } finally {
      cardMs += performance.now() - t;
      cardApdus++;
    }
  };

  async function measure(op: () => Promise<unknown>): Promise<Sample> {
    cardMs = 0;
    cardApdus = 0;
    const mark = chunks.length;
    await op();
    const stats = rig.service.lastOperation;
    if (!stats) throw new Error('the card service recorded no operation');
    const splitMs = headerGaps(mark).reduce((a, b) => a + b, 0);
    return { apdus: stats.apdus, ms: stats.ms, cardMs, cardApdus, splitMs };
  }

  async function series(op: () => Promise<unknown>): Promise<Sample[]> {
    await op(); // one untimed run: module code warmed, card connection open
    const out: Sample[] = [];
    for (let i = 0; i < RUNS; i++) out.push(await measure(op));
    return out;
  }

  const identity = await series(() => rig.service.readBasicInfo(PinBuffer.digits4(profile.pin)));
  // The certificate is read once (no PIN) and cached for as long as the card stays in the reader.
  const certRead = await measure(() => rig.service.readAuthCertificate());
  const signature = await series(() => rig.service.signForAuth(randomBytes(32), PinBuffer.digits4(profile.pin)));

  const report = (name: string, xs: Sample[], apduTarget: number, msTarget: number | null) => {
    const apdus = median(xs.map((x) => x.apdus));
    const ms = median(xs.map((x) => x.ms));
    const card = median(xs.map((x) => x.cardMs));
    const outside = median(xs.map((x) => x.ms - x.cardMs));
    row(`${name}: APDUs (median of ${RUNS})`, String(apdus), `≤ ${apduTarget}`, apdus <= apduTarget);
    row(`${name}: time (median of ${RUNS})`, `${ms.toFixed(1)} ms`, msTarget === null ? '' : `≤ ${msTarget} ms`, msTarget === null ? null : ms <= msTarget);
    row(`  inside the virtual card`, `${card.toFixed(1)} ms`);
    const split = median(xs.map((x) => x.splitMs));
    row(`  reader path (host + pcscd + vpcd TCP)`, `${outside.toFixed(1)} ms = ${((outside / ms) * 100).toFixed(0)} %, ${(outside / apdus).toFixed(1)} ms per APDU`);
    row(`    of which vpcd's length/command split (Nagle)`, `${split.toFixed(1)} ms = ${((split / ms) * 100).toFixed(0)} %`);
    const mismatch = xs.find((x) => x.cardApdus !== x.apdus);
    if (mismatch) row(`  APDUs seen by the card`, `${mismatch.cardApdus} vs ${mismatch.apdus} counted by the service`);
  };
  report('identity read (basic 4 info after the PIN)', identity, 8, 500);
  report('signature with the user-authentication key (certificate cached)', signature, 6, null);
  row('user-authentication certificate read (once per card, no PIN)', `${certRead.apdus} APDUs, ${certRead.ms.toFixed(1)} ms`);
  handle.stop();
} finally {
  await rig.stop();
}

const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length), 6));
console.log(`My Number card benchmarks via pcscd + vpcd (${new Date().toISOString()}; ${RUNS} runs each)`);
for (const r of [['what', 'measured', 'target', ''] as Row, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join(' | '));
process.exit(0);
