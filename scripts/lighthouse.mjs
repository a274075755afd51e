#!/usr/bin/env node
// Lighthouse (npm `lighthouse`, Debian's chromium) on the demo storefront, with and
// without the launcher embed: prints both performance scores and fails (exit 1) when the
// launcher costs more than the allowed points (DESIGN.md: at most 1; Shopify allows 10).
//
//   node scripts/lighthouse.mjs [base-url] [--runs N] [--pages /demo/shop,/demo/products/house-blend] [--budget 1] [--json]
//
// base-url: a server with the demo storefront (`make run`: http://127.0.0.1:8000). "Without" is the
// same page with ?perks=off, which leaves out the app embed block (its markup, CSS and deferred JS).
// Each page is measured N times per variant, interleaved; the median score counts.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const LIGHTHOUSE = join(ROOT, 'node_modules', '.bin', 'lighthouse');
const CHROME_FLAGS = '--headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run --disable-component-update --disable-dev-shm-usage';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [value] = args.splice(i, 2).slice(1);
  return value;
};
const flag = (name) => { const i = args.indexOf(name); if (i >= 0) args.splice(i, 1); return i >= 0; };
const runs = Number(option('--runs', '3'));
const budget = Number(option('--budget', '1'));
const pages = option('--pages', '/demo/shop,/demo/products/house-blend').split(',');
const asJson = flag('--json');
const base = (args[0] || 'http://127.0.0.1:8000').replace(/\/$/, '');

function lighthouse(url) {
  const dir = mkdtempSync(join(tmpdir(), 'perks-lh-'));
  const out = join(dir, 'report.json');
  return new Promise((resolve, reject) => {
    execFile(LIGHTHOUSE, [
      url, '--quiet', '--only-categories=performance', '--output=json', `--output-path=${out}`,
      `--chrome-flags=${CHROME_FLAGS}`, '--max-wait-for-load=30000',
    ], { env: { ...process.env, CHROME_PATH: process.env.CHROME_PATH || '/usr/bin/chromium' }, timeout: 120000 }, (error, _stdout, stderr) => {
      try {
        if (error) throw new Error(`lighthouse failed on ${url}: ${stderr || error.message}`);
        const lhr = JSON.parse(readFileSync(out, 'utf8'));
        if (lhr.runtimeError) throw new Error(`lighthouse on ${url}: ${lhr.runtimeError.message}`);
        const a = lhr.audits;
        resolve({
          score: Math.round(lhr.categories.performance.score * 100),
          fcp: a['first-contentful-paint'].numericValue,
          lcp: a['largest-contentful-paint'].numericValue,
          tbt: a['total-blocking-time'].numericValue,
          cls: a['cumulative-layout-shift'].numericValue,
          bytes: a['total-byte-weight'].numericValue,
        });
      } catch (e) { reject(e); } finally { rmSync(dir, { recursive: true, force: true }); }
    });
  });
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
const summary = (results) => Object.fromEntries(Object.keys(results[0]).map((k) => [k, median(results.map((r) => r[k]))]));

const rows = [];
for (const page of pages) {
  const sep = page.includes('?') ? '&' : '?';
  const measured = { without: [], with: [] };
  for (let i = 0; i < runs; i++) {
    measured.without.push(await lighthouse(`${base}${page}${sep}perks=off`));
    measured.with.push(await lighthouse(`${base}${page}`));
  }
  const without = summary(measured.without), withLauncher = summary(measured.with);
  rows.push({ page, without, with: withLauncher, drop: without.score - withLauncher.score,
              scores: { without: measured.without.map((r) => r.score), with: measured.with.map((r) => r.score) } });
}

if (asJson) {
  console.log(JSON.stringify({ base, runs, budget, rows }, null, 2));
} else {
  const ms = (v) => `${Math.round(v)} ms`;
  console.log(`Lighthouse ${JSON.parse(readFileSync(join(ROOT, 'node_modules/lighthouse/package.json'), 'utf8')).version} performance (mobile, simulated throttling), median of ${runs} on ${base}`);
  for (const r of rows) {
    for (const [name, m] of [['without launcher', r.without], ['with launcher', r.with]]) {
      console.log(`  ${r.page.padEnd(28)} ${name.padEnd(17)} score ${String(m.score).padStart(3)}  FCP ${ms(m.fcp)}  LCP ${ms(m.lcp)}  TBT ${ms(m.tbt)}  CLS ${m.cls.toFixed(3)}  ${Math.round(m.bytes / 1024)} KB`);
    }
    console.log(`  ${r.page.padEnd(28)} drop ${r.drop} point(s) (budget ${budget})`);
  }
}
const over = rows.filter((r) => r.drop > budget);
if (over.length) {
  console.error(`launcher costs more than ${budget} point(s) on ${over.map((r) => r.page).join(', ')}`);
  process.exit(1);
}
