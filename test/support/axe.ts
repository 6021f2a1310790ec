// axe-core in a Playwright page: the WCAG 2.x A/AA rules run on what the page shows now, and the
// serious and critical findings come back as plain lines that say what to fix and where.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The rule sets checked: WCAG 2.0, 2.1 and 2.2 at levels A and AA. */
export const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] as const;

export type AxeImpact = 'minor' | 'moderate' | 'serious' | 'critical';

export interface AxeFinding {
  rule: string;
  impact: AxeImpact;
  /** What the rule asks for, in axe's words. */
  help: string;
  /** Each offending element: its CSS selector and axe's summary of what is wrong with it. */
  nodes: { target: string; summary: string }[];
}

interface AxeResultNode {
  target: unknown[];
  failureSummary?: string;
}
interface AxeResult {
  id: string;
  impact?: string | null;
  help: string;
  nodes: AxeResultNode[];
}

/**
 * Runs axe on the page as it is and returns the serious and critical violations. The pages' CSP allows
 * only their own scripts, so axe is evaluated through the DevTools protocol (which CSP does not govern)
 * rather than added as a script tag; it is added once per document. `tags` and `impacts` widen the check
 * (axe's best-practice rules, moderate findings) when looking for more to fix.
 */
export async function seriousViolations(
  page: Page,
  options: { exclude?: string[]; tags?: readonly string[]; impacts?: readonly AxeImpact[] } = {},
): Promise<AxeFinding[]> {
  const impacts: readonly (string | null | undefined)[] = options.impacts ?? ['serious', 'critical'];
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
  if (!loaded) await page.evaluate(axeSource);
  const violations = await page.evaluate(
    async ({ tags, exclude }) => {
      const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: unknown[] }> } }).axe;
      const context = exclude.length ? { include: [['html']], exclude: exclude.map((s) => [s]) } : document;
      const result = await axe.run(context, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
      return result.violations;
    },
    { tags: [...(options.tags ?? wcagTags)], exclude: options.exclude ?? [] },
  );
  return (violations as AxeResult[])
    .filter((v): v is AxeResult & { impact: AxeImpact } => impacts.includes(v.impact))
    .map((v) => ({
      rule: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.map(String).join(' >> '), summary: (n.failureSummary ?? '').replace(/\s+/g, ' ').trim() })),
    }));
}

/** One line per offending element, for a failing expectation to print. */
export function describeFindings(screen: string, findings: readonly AxeFinding[]): string[] {
  return findings.flatMap((f) => f.nodes.map((n) => `${screen}: [${f.impact}] ${f.rule} (${f.help}) at ${n.target} — ${n.summary}`));
}

/** The serious and critical findings on the page as it is now, one line each: `[]` when there are none. */
export async function accessibilityProblems(page: Page, screen = new URL(page.url()).pathname): Promise<string[]> {
  return describeFindings(screen, await seriousViolations(page));
}
