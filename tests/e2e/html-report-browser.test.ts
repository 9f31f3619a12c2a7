// The HTML verify report as a person sees it: rendered by headless Chromium from a real verify of a tampered
// target with a few past runs — no console error, and the status, the differing rows and the SVG trend on the
// page. Skipped, with the reason, where no Chromium is installed (.ci/run installs Debian's).
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFixtureTarget } from '../support/fixture-target.js';
import { ROOT, runCli } from '../support/cli.js';

const CHROMIUM = process.env.SQLITE2PG_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM)
  console.warn(
    `html-report-browser: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium, or set SQLITE2PG_CHROMIUM)`,
  );

let browser: Browser;

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // As root Chromium needs --no-sandbox; the rest keeps it off a network this machine does not have.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
});

describe.skipIf(!HAVE_CHROMIUM)('the HTML verify report in a browser', () => {
  const fx = useFixtureTarget('s2p-html-');

  it('shows the status, the differing rows and the trend, without a console error', async () => {
    const target = ['--source-dir', fx.data, '--target', fx.db.url];
    const m = await runCli(['migrate', ...target, '--json']);
    expect(m.code, m.stderr).toBe(0);
    for (let i = 0; i < 2; i++) expect((await runCli(['verify', ...target, '--json'])).code).toBe(0);
    const gone = (
      await fx.db.query('DELETE FROM rss.fetch_items WHERE id = (SELECT min(id) FROM rss.fetch_items) RETURNING id')
    ).rows[0].id as number;
    const changed = (
      await fx.db.query(
        `UPDATE accuracy.learning_objectives SET objective_text = 'tampered text' WHERE id = (SELECT min(id) FROM accuracy.learning_objectives) RETURNING id`,
      )
    ).rows[0].id as number;
    const out = path.join(fx.dir, 'report.html');
    const v = await runCli(['verify', ...target, '--format', 'html', '--out', out]);
    expect(v.code, v.stderr).toBe(1);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await page.goto(`file://${out}`);
    expect(await page.locator('h1').innerText()).toMatch(/differences/i);
    const body = await page.locator('body').innerText();
    expect(body).toMatch(/rss\.fetch_items[\s\S]*missing/);
    expect(body).toMatch(/accuracy\.learning_objectives[\s\S]*changed/);
    expect(body).toContain(String(gone));
    expect(body).toContain(String(changed));
    // The changed column with both values side by side: the source's text and the tampered one.
    const cells = await page.locator('tr', { hasText: 'objective_text' }).locator('td').allInnerTexts();
    expect(cells).toContain('tampered text');
    expect(cells.some((c) => c.length > 0 && c !== 'tampered text' && !/^(objective_text|changed|\d+)$/.test(c))).toBe(
      true,
    );
    // The trend: one point per verification recorded (two clean ones, the migrate's own and this one).
    const bars = await page.locator('svg rect.ok, svg rect.bad').count();
    expect(bars).toBeGreaterThanOrEqual(3);
    expect(await page.locator('svg rect.bad').count()).toBeGreaterThanOrEqual(1);
    expect(problems).toEqual([]);
    // SQLITE2PG_SCREENSHOT=1 refreshes the picture in docs/ (kept out of ordinary runs: tests write no repo file).
    if (process.env.SQLITE2PG_SCREENSHOT) {
      mkdirSync(path.join(ROOT, 'docs', 'img'), { recursive: true });
      await page.screenshot({ path: path.join(ROOT, 'docs', 'img', 'verify-report.png'), fullPage: true });
    }
    await page.close();
  });
});
