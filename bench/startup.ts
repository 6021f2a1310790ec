// Host start → staff sign-in screen interactive, in parts. Run with `npm run bench:startup`
// (`-- --runs 15` for more runs); `npm run bench` includes the same figures.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { projectRoot, staffFile, tempDir } from '../test/support/fixtures';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../test/support/browser';

/** Milliseconds since the epoch, comparable between this process and the page (same machine clock). */
const wallNow = () => performance.timeOrigin + performance.now();

export interface StartupRun {
  /** spawn → the host printed its ready line (listening, core open). */
  ready: number;
  /** ready → Chromium opened a new tab (a renderer process; the same for any page). */
  tabOpen: number;
  /** tab open → the page's first script arrived (navigation, the HTML, the stylesheets, the script). */
  scriptArrived: number;
  /** script arrived → the contract's WebSocket open (parsing and running the script, the handshake). */
  socketOpen: number;
  /** socket open → the sign-in button is on screen and enabled (the session call, the first render). */
  interactive: number;
  total: number;
  /** spawn → Playwright's wait for the button returned (the measure before the page marks). */
  seenByPlaywright: number;
}

export interface StartupResult {
  /** The first launch on an empty folder (key creation, migrations, hashing the roster's PINs). */
  first: StartupRun;
  runs: StartupRun[];
  /** The host's resident memory after the last run, with one screen connected. */
  rssMb: number;
}

// Marks in the page when its contract socket opens and when the sign-in button is first drawn (the
// frame after it enters the document). Playwright's own wait polls with a backoff of up to half a
// second, so its answer comes late by a varying amount; the page's mark is the moment itself. The
// page's own code is not changed for the bench.
const markPage = `(() => {
  const now = () => performance.timeOrigin + performance.now();
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('open', () => { window.__benchSocketOpen ??= now(); }, { once: true });
    }
  };
  new MutationObserver((_, observer) => {
    const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'サインイン' && !b.disabled);
    if (!button) return;
    observer.disconnect();
    requestAnimationFrame(() => { window.__benchInteractive = now(); });
  }).observe(document, { childList: true, subtree: true });
})();`;

/**
 * One start: spawn the host (the checkout at `root`, built) on `dataDir`, open a tab in the running
 * Chromium, load the staff screen and wait for its sign-in button. Returns the parts, and the page and
 * process still running so the caller can look at them before `stop()`.
 */
export async function startOnce(browser: Browser, root: string, dataDir: string): Promise<{ run: StartupRun; pid: number; stop(): Promise<void> }> {
  const t0 = wallNow();
  const proc = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'host', '--data', dataDir, '--staff', staffFile, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => createInterface({ input: proc.stdout! }).once('line', resolve));
  const tReady = wallNow();
  const page = await browser.newPage();
  const tTab = wallNow();
  await page.addInitScript(markPage);
  await page.goto((JSON.parse(line) as { staffUrl: string }).staffUrl, { waitUntil: 'commit' });
  await page.getByRole('button', { name: 'サインイン' }).waitFor();
  const tSeen = wallNow();
  const inPage = await page.evaluate(() => ({
    scriptEnd: (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((e) => /\/staff\.js$/.test(e.name))?.responseEnd ?? Number.NaN,
    origin: performance.timeOrigin,
    socketOpen: (window as unknown as { __benchSocketOpen?: number }).__benchSocketOpen ?? Number.NaN,
    interactive: (window as unknown as { __benchInteractive?: number }).__benchInteractive ?? Number.NaN,
  }));
  const tInteractive = inPage.interactive;
  const tScript = inPage.origin + inPage.scriptEnd;
  return {
    run: {
      ready: tReady - t0,
      tabOpen: tTab - tReady,
      scriptArrived: tScript - tTab,
      socketOpen: inPage.socketOpen - tScript,
      interactive: tInteractive - inPage.socketOpen,
      total: tInteractive - t0,
      seenByPlaywright: tSeen - t0,
    },
    pid: proc.pid!,
    async stop() {
      await page.close();
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}

/**
 * Each run starts the host process on a provisioned data folder (staff roster and key already there,
 * as on the vehicle laptop each morning) and loads the staff screen in an already running Chromium.
 * Run 0 is the first launch on an empty folder.
 */
export async function coldStarts(runs: number): Promise<StartupResult> {
  const browser = await launchChromium();
  const tmp = tempDir('odekake-bench-');
  const all: StartupRun[] = [];
  let rssMb = 0;
  try {
    for (let i = 0; i <= runs; i++) {
      const started = await startOnce(browser, projectRoot, tmp.dir);
      all.push(started.run);
      if (i === runs) {
        await new Promise((r) => setTimeout(r, 3000));
        const status = readFileSync(`/proc/${started.pid}/status`, 'utf8');
        rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
      }
      await started.stop();
    }
  } finally {
    await browser.close();
    tmp.remove();
  }
  return { first: all[0]!, runs: all.slice(1), rssMb };
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** Nearest-rank 95th percentile. */
export const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1]!;

export const startupParts: [keyof StartupRun, string][] = [
  ['ready', 'spawn → host ready'],
  ['tabOpen', 'ready → Chromium tab open'],
  ['scriptArrived', 'tab open → page script arrived'],
  ['socketOpen', 'script arrived → contract socket open'],
  ['interactive', 'socket open → sign-in interactive'],
  ['total', 'spawn → sign-in interactive'],
  ['seenByPlaywright', '(spawn → Playwright saw the button)'],
];

export function startupTable(result: StartupResult): string[] {
  const n = result.runs.length;
  const lines = [`host cold start (${n} runs on a provisioned folder; first launch on an empty folder apart)`];
  const ms = (v: number) => `${v.toFixed(0).padStart(5)} ms`;
  lines.push(`${'part'.padEnd(40)} | ${'median'.padStart(8)} | ${'p95'.padStart(8)} | ${'first'.padStart(8)} | target`);
  for (const [key, label] of startupParts) {
    const xs = result.runs.map((r) => r[key]);
    const target = key === 'total' ? `≤ 1000 ms ${median(xs) <= 1000 ? 'ok' : 'MISSED'}` : '';
    lines.push(`${label.padEnd(40)} | ${ms(median(xs))} | ${ms(p95(xs))} | ${ms(result.first[key])} | ${target}`);
  }
  return lines;
}

/**
 * Before and after: the same starts, alternating between checkouts (each built, each on its own data
 * folder) in one Chromium, so a busy patch of the machine falls on both.
 */
export async function compareStarts(runs: number, roots: string[]): Promise<StartupResult[]> {
  const browser = await launchChromium();
  const dirs = roots.map(() => tempDir('odekake-bench-'));
  const all = roots.map((): StartupRun[] => []);
  try {
    for (let i = 0; i <= runs; i++) {
      for (const [j, root] of roots.entries()) {
        const started = await startOnce(browser, root, dirs[j]!.dir);
        all[j]!.push(started.run);
        await started.stop();
      }
    }
  } finally {
    await browser.close();
    for (const d of dirs) d.remove();
  }
  return all.map((runsOfRoot) => ({ first: runsOfRoot[0]!, runs: runsOfRoot.slice(1), rssMb: Number.NaN }));
}

const option = (name: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};

// `--runs N` (default 11); `--against <checkout>` compares with another built checkout, e.g. a
// `git worktree` of an older commit after `npm run build` there.
if (import.meta.url === `file://${process.argv[1]}`) {
  const runs = Number.parseInt(option('--runs') ?? '11', 10);
  const against = option('--against');
  if (against) {
    const [before, after] = await compareStarts(runs, [against, projectRoot]);
    for (const [name, result] of [[against, before!], [projectRoot, after!]] as const) {
      console.log(`== ${name}`);
      for (const line of startupTable(result)) console.log(line);
    }
  } else {
    const result = await coldStarts(runs);
    for (const line of startupTable(result)) console.log(line);
  }
}
