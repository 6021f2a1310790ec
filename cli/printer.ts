// `odekake printer status|test`: what IT staff run when a printer misbehaves. Addresses come from flags
// or a JSON config file (native/printer/config.ts). Exit codes: 0 all well, 1 a printer has a
// problem or a test print failed, 2 the configuration is wrong.
import type { Command } from 'commander';
import { createCertificatePrinter, createReceiptPrinter } from '../native/printer/create';
import { parsePrinterParts, PrinterConfigError, readPrinterConfigFile, type PrinterConfig, type PrinterKind } from '../native/printer/config';
import { makeTestPagePdf } from '../native/printer/pdf';
import { feed, rule, text, yen } from '../native/printer/receipt-document';
import { tokyoDateTime } from '../native/printer/receipts';
import { PrinterError, type PrinterStatus } from '../native/printer/types';

// stdout carries the report, stderr the failures, so a script can tell them apart.
const writeOut = (line: string) => process.stdout.write(`${line}\n`);
const writeErr = (line: string) => process.stderr.write(`${line}\n`);

interface PrinterFlags {
  config?: string;
  ipp?: string;
  receipt?: string;
  profile?: string;
}

const flagFor: Record<PrinterKind, string> = { certificate: '--ipp', receipt: '--receipt' };
const printerLabel: Record<PrinterKind, string> = { certificate: 'A4プリンター', receipt: 'レシートプリンター' };

/** The addresses of the printers a command uses, and only those: from the file, then the flags over it. */
function configFrom<K extends PrinterKind>(flags: PrinterFlags, parts: readonly K[]): Pick<PrinterConfig, K> {
  const file = flags.config ? readPrinterConfigFile(flags.config) : {};
  const base = (typeof file === 'object' && file !== null ? file : {}) as Record<string, Record<string, unknown> | undefined>;
  const input: Record<string, unknown> = { ...base };
  if (flags.ipp) input.certificate = { ...(base.certificate ?? {}), uri: flags.ipp };
  if (flags.receipt || flags.profile) {
    const receipt: Record<string, unknown> = { ...(base.receipt ?? {}) };
    if (flags.receipt) {
      const m = /^([^:]+)(?::(\d+))?$/.exec(flags.receipt);
      if (!m) throw new PrinterConfigError(`--receipt は ホスト名:ポート の形で指定してください（${flags.receipt}）。`);
      receipt.host = m[1];
      if (m[2]) receipt.port = Number(m[2]);
    }
    if (flags.profile) receipt.profile = flags.profile;
    input.receipt = receipt;
  }
  const missing = parts.filter((k) => !input[k]);
  if (missing.length > 0) {
    const labels = missing.map((k) => printerLabel[k]).join('と');
    const options = missing.map((k) => flagFor[k]).join(' と ');
    throw new PrinterConfigError(`${labels}の宛先がありません。--config に設定ファイルを指定するか、${options} を指定してください。`);
  }
  return parsePrinterParts(input, parts, flags.config ?? 'コマンドの指定');
}

function describe(label: string, address: string, status: PrinterStatus): string[] {
  const lines = [`${label}（${address}）: ${status.ready ? '印刷できます' : '印刷できません'}`];
  for (const p of status.problems) lines.push(`  ${p.blocking ? '×' : '△'} ${p.message} [${p.code}]`);
  return lines;
}

function withOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'プリンター設定ファイル（JSON）')
    .option('--ipp <uri>', 'A4プリンターの宛先（例: ipp://192.168.0.20:631/ipp/print）')
    .option('--receipt <host:port>', 'レシートプリンターの宛先（例: 192.168.0.21:9100）')
    .option('--profile <name>', 'レシートプリンターの種類: kanji-80mm, kanji-58mm, raster-80mm, raster-58mm');
}

async function run(action: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await action();
  } catch (err) {
    if (err instanceof PrinterConfigError) {
      writeErr(err.message);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
}

export function registerPrinterCommands(program: Command): void {
  const printer = program.command('printer').description('車載プリンター（A4証明書・レシート）の状態確認と試験印刷');

  withOptions(printer.command('status').description('A4プリンターとレシートプリンターの状態を表示します（用紙切れ・カバー開きなど）')).action((flags: PrinterFlags) =>
    run(async () => {
      const config = configFrom(flags, ['certificate', 'receipt'] as const);
      const a4 = createCertificatePrinter(config.certificate);
      const receipt = createReceiptPrinter(config.receipt);
      const [a4Status, receiptStatus] = await Promise.all([a4.status(), receipt.status()]);
      await a4.close();
      writeOut([...describe('A4プリンター', config.certificate.uri, a4Status), ...describe('レシートプリンター', receipt.address, receiptStatus)].join('\n'));
      return a4Status.ready && receiptStatus.ready ? 0 : 1;
    }),
  );

  withOptions(printer.command('test').description('A4プリンターに試験ページを、レシートプリンターに試験レシートを印刷します'))
    .option('--only <which>', 'certificate（A4のみ）または receipt（レシートのみ）')
    .action((flags: PrinterFlags & { only?: string }) =>
      run(async () => {
        if (flags.only && flags.only !== 'certificate' && flags.only !== 'receipt') {
          throw new PrinterConfigError('--only には certificate か receipt を指定してください。');
        }
        const parts: PrinterKind[] = flags.only === 'certificate' ? ['certificate'] : flags.only === 'receipt' ? ['receipt'] : ['certificate', 'receipt'];
        const config: Partial<PrinterConfig> = configFrom(flags, parts);
        let failures = 0;
        const now = new Date();
        if (config.certificate) {
          const a4 = createCertificatePrinter(config.certificate);
          try {
            const confirmation = await a4.print({ jobId: `test-${now.getTime()}`, pdf: await makeTestPagePdf(now, config.certificate.uri), copies: 1 });
            writeOut(`A4プリンター: 試験ページを印刷しました（ジョブ ${confirmation.printerJobId ?? '-'}）。`);
          } catch (err) {
            failures += 1;
            writeErr(`A4プリンター: ${err instanceof PrinterError ? `${err.message} [${err.code}]` : (err as Error).message}`);
          } finally {
            await a4.close();
          }
        }
        if (config.receipt) {
          try {
            await createReceiptPrinter(config.receipt).print({
              jobId: `test-${now.getTime()}`,
              document: {
                lines: [
                  text('いわき市 お出かけ市役所', { align: 'center', bold: true }),
                  text('試験印刷', { align: 'center', size: 'double', bold: true }),
                  rule,
                  text(tokyoDateTime(now.toISOString())),
                  text(`漢字・かな・カナ: 住民票の写し`),
                  text(`全角数字と円記号: ${yen(1234567)}`),
                  text('ABCabc 0123456789'),
                  rule,
                  text('この用紙は試験印刷です。', { align: 'center' }),
                  feed(1),
                ],
              },
            });
            writeOut('レシートプリンター: 試験レシートを印刷しました。');
          } catch (err) {
            failures += 1;
            writeErr(`レシートプリンター: ${err instanceof PrinterError ? `${err.message} [${err.code}]` : (err as Error).message}`);
          }
        }
        return failures ? 1 : 0;
      }),
    );
}
