// `odekake card …`: diagnostics for the My Number card reader, and the virtual card for the demo.
// Works with any card that follows the public description of the My Number card, not only ours.
// The PIN is read from standard input, never from the command line (it would show in `ps`).
import type { Command } from 'commander';
import { createLogger } from '../common/logger';
import { CardError, PcscCardService, PinBuffer, type CardStatus } from '../native/card/index';
import { listProfiles, startVirtualCard, VPCD_DEFAULT_PORT } from '../native/card/virtual/index';

interface Io {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const defaultIo = (): Io => ({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });

function service(): PcscCardService {
  // Logs go to stderr and stay quiet unless asked for, so stdout carries only the result.
  return new PcscCardService({ logger: createLogger({ level: process.env.ODEKAKE_LOG_LEVEL ?? 'warn' }) });
}

function fail(io: Io, json: boolean, e: unknown): void {
  const err = e instanceof CardError ? e : null;
  const code = err?.code ?? 'UNEXPECTED';
  const message = err?.message ?? 'カードの処理中に思わぬエラーが起きました。';
  if (json) {
    io.stdout.write(`${JSON.stringify({ error: { code, message, triesLeft: err?.details.triesLeft ?? null } })}\n`);
  }
  io.stderr.write(`エラー [${code}]: ${message}\n`);
  if (!err) io.stderr.write(`${String((e as Error)?.message ?? e)}\n`);
  process.exitCode = 1;
}

/** Reads the first line of standard input as bytes; from a terminal, without echo. */
async function readPinBytes(io: Io): Promise<Uint8Array> {
  const stdin = io.stdin;
  const chunks: Buffer[] = [];
  const tty = stdin.isTTY === true;
  if (tty) {
    io.stderr.write('暗証番号（数字4けた）を入力して Enter を押してください: ');
    stdin.setRawMode(true);
  }
  try {
    return await new Promise<Uint8Array>((resolve, reject) => {
      const done = () => {
        stdin.off('data', onData);
        stdin.off('end', done);
        stdin.off('error', reject);
        stdin.pause();
        const all = Buffer.concat(chunks);
        for (const c of chunks) c.fill(0);
        let end = all.findIndex((b) => b === 0x0a || b === 0x0d || b === 0x03);
        if (end < 0) end = all.length;
        const pin = Uint8Array.from(all.subarray(0, end));
        all.fill(0);
        resolve(pin);
      };
      const onData = (chunk: Buffer) => {
        chunks.push(Buffer.from(chunk));
        chunk.fill(0);
        if (chunk.includes(0x0a) || chunk.includes(0x0d) || chunk.includes(0x03)) done();
      };
      stdin.on('data', onData);
      stdin.once('end', done);
      stdin.once('error', reject);
      stdin.resume();
    });
  } finally {
    if (tty) {
      stdin.setRawMode(false);
      io.stderr.write('\n');
    }
  }
}

function pinLine(label: string, p: CardStatus['pins']['kenmen']): string {
  if (!p) return `  ${label}: 不明`;
  return `  ${label}: ${p.blocked ? 'ロック中' : `あと${p.triesLeft}回`}`;
}

function printStatus(io: Io, s: CardStatus): void {
  const lines = ['カードリーダー:'];
  if (s.readers.length === 0) lines.push('  （見つかりません）');
  for (const r of s.readers) lines.push(`  ${r.name}  ${r.cardPresent ? `カードあり  ATR ${r.atr ?? '-'}` : 'カードなし'}`);
  if (s.reader && s.cardPresent) {
    lines.push(`対象: ${s.reader}`, `ATR: ${s.atr ?? '-'}`, `マイナンバーカード: ${s.myNumberCard ? 'はい' : 'いいえ'}`);
    lines.push('暗証番号の残り回数（確かめるだけで、回数は減りません）:');
    lines.push(pinLine('券面事項入力補助用（4けた）', s.pins.kenmen));
    lines.push(pinLine('利用者証明用（4けた）', s.pins.jpkiAuth));
    lines.push(pinLine('署名用（6〜16けた）', s.pins.jpkiSign));
  } else {
    lines.push('カードが置かれていません。');
  }
  io.stdout.write(`${lines.join('\n')}\n`);
}

export async function cardStatusCommand(options: { reader?: string; json?: boolean }, io: Io = defaultIo()): Promise<void> {
  const svc = service();
  try {
    const s = await svc.status({ reader: options.reader });
    if (options.json) io.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    else printStatus(io, s);
  } catch (e) {
    fail(io, options.json === true, e);
  } finally {
    svc.close();
  }
}

export async function cardReadCommand(
  options: { reader?: string; json?: boolean; confirmLastTry?: boolean },
  io: Io = defaultIo(),
): Promise<void> {
  const svc = service();
  try {
    const bytes = await readPinBytes(io);
    let pin: PinBuffer;
    try {
      pin = PinBuffer.digits4(bytes);
    } finally {
      bytes.fill(0);
    }
    const info = await svc.readBasicInfo(pin, { reader: options.reader, confirmLastTry: options.confirmLastTry === true });
    if (options.json) io.stdout.write(`${JSON.stringify(info)}\n`);
    else {
      const sex = { male: '男', female: '女', not_applicable: '適用不能' }[info.sex];
      io.stdout.write(`氏名: ${info.name}\n住所: ${info.address}\n生年月日: ${info.birthDate}\n性別: ${sex}\n`);
    }
  } catch (e) {
    fail(io, options.json === true, e);
  } finally {
    svc.close();
  }
}

function intOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a whole number: ${value}`);
  return n;
}

export function registerCardCommands(program: Command): void {
  const card = program
    .command('card')
    .description('マイナンバーカードとカードリーダー（PC/SC）の診断、デモ用の仮想カード');

  card
    .command('status')
    .description('リーダー、カードの有無、ATR、各暗証番号の残り回数を表示します（回数は減りません）')
    .option('--reader <name>', 'リーダー名（省略時はカードが置かれている1台）')
    .option('--json', 'JSON で出力します')
    .action((opts: { reader?: string; json?: boolean }) => cardStatusCommand(opts));

  card
    .command('read')
    .description('券面事項入力補助APから氏名・住所・生年月日・性別を読み取ります。暗証番号（4けた）は標準入力から読みます')
    .option('--reader <name>', 'リーダー名（省略時はカードが置かれている1台）')
    .option('--json', 'JSON（name, address, birthDate, sex）で出力します')
    .option('--confirm-last-try', '残り1回のときも照合します（ロックの危険をご本人が理解している場合だけ）')
    .action((opts: { reader?: string; json?: boolean; confirmLastTry?: boolean }) => cardReadCommand(opts));

  card
    .command('virtual')
    .description('仮想マイナンバーカードを vpcd リーダー（pcscd）に置き、止めるまで動かします（テストとデモ用）')
    .requiredOption('--profile <name>', `架空住民のプロファイル（${listProfilesSafe()}）`)
    .option('--host <host>', 'vpcd のホスト', '127.0.0.1')
    .option('--port <port>', 'vpcd のポート', intOption, VPCD_DEFAULT_PORT)
    .option('--tries <n>', '4けたの暗証番号の残り回数を n 回にして始めます', intOption)
    .action(async (opts: { profile: string; host: string; port: number; tries?: number }) => {
      const tries = opts.tries === undefined ? undefined : { kenmen: opts.tries, jpkiAuth: opts.tries };
      const handle = await startVirtualCard({ profile: opts.profile, host: opts.host, port: opts.port, tries, inserted: false });
      process.stderr.write(`仮想カード「${opts.profile}」を ${opts.host}:${opts.port} のリーダーに置きます。Ctrl+C で止めます。\n`);
      await handle.insert();
      await new Promise<void>((resolve) => {
        const stop = () => {
          handle.stop();
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}

function listProfilesSafe(): string {
  try {
    return listProfiles().join(', ');
  } catch {
    return 'fixtures/cards を参照';
  }
}
