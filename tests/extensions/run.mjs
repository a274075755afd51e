// Renders each UI extension's components in happy-dom with the surface's `shopify` global stubbed to the
// shape Shopify documents (@shopify/ui-extensions 2026-07), calling the real Perks app's /surfaces endpoints
// (served by test_ui_extensions.py) through a fetch that records every request. esbuild bundles the cases (JSX through preact) as the CLI would.
// Run by tests/test_ui_extensions.py: `node tests/extensions/run.mjs`; exits 1 if a case fails.
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

import * as esbuild from 'esbuild';
import {Window} from 'happy-dom';

import {translator} from './i18n.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

const window = new Window({url: 'https://shop.example/account'});
for (const name of ['window', 'document', 'HTMLElement', 'Node', 'Event', 'MutationObserver', 'navigator']) {
  Object.defineProperty(globalThis, name, {value: name === 'window' ? window : window[name], configurable: true, writable: true});
}

// shopify.i18n reading the extension's locales/<lang>.json (tests/extensions/i18n.mjs).
function i18n(extension, language = 'en') {
  const file = language === 'en' ? 'en.default.json' : `${language}.json`;
  return translator(JSON.parse(readFileSync(join(root, 'extensions', extension, 'locales', file), 'utf8')), language, `${extension}/locales/${file}`);
}

// The real Perks, served by test_ui_extensions.py: PERKS_SURFACES holds its URL and the session tokens.
const surfaces = JSON.parse(process.env.PERKS_SURFACES ?? 'null');
if (!surfaces) throw new Error('run by tests/extensions/test_ui_extensions.py, which serves Perks and sets PERKS_SURFACES');
const networkFetch = globalThis.fetch;

// The extensions' fetch: a request to APP_URL (extensions/shared/perks.js) goes to the test app instead,
// and is kept in `requests`; `dropFirst` ("METHOD /path") fails that request's first try as a dropped
// connection would, before it reaches Perks.
function realPerks(appUrl, {dropFirst} = {}) {
  const requests = [];
  let dropped = false;
  const fetch = async (url, init = {}) => {
    if (!url.startsWith(`${appUrl}/`)) throw new Error(`an extension asked ${url}, not Perks`);
    const {pathname, searchParams} = new URL(url);
    const request = {method: init.method ?? 'GET', url, path: pathname, locale: searchParams.get('locale'), headers: init.headers ?? {}, body: init.body ? JSON.parse(init.body) : undefined};
    requests.push(request);
    if (`${request.method} ${pathname}` === dropFirst && !dropped) {
      dropped = true;
      throw new TypeError('fetch failed');
    }
    return networkFetch(surfaces.url + url.slice(appUrl.length), init);
  };
  return {fetch, requests};
}

const bundleDir = mkdtempSync(join(tmpdir(), 'perks-ui-extensions-'));
let failed = 0;
try {
  const outfile = join(bundleDir, 'cases.mjs');
  await esbuild.build({
    entryPoints: [join(here, 'cases.jsx')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outfile,
    logLevel: 'error',
  });
  const {cases, reset} = await import(pathToFileURL(outfile).href);
  for (const [name, run] of Object.entries(cases)) {
    reset();
    try {
      const pay = (order) => networkFetch(`${surfaces.url}${surfaces.pay}/${order}`, {method: 'POST'});
      await run({document, i18n, surfaces, realPerks, pay, setShopify: (api) => (globalThis.shopify = api), setFetch: (f) => (globalThis.fetch = f)});
      console.log(`ok ${name}`);
    } catch (error) {
      failed += 1;
      console.log(`FAILED ${name}\n${error.stack}\n--- rendered:\n${document.body.innerHTML}`);
    }
  }
} finally {
  rmSync(bundleDir, {recursive: true, force: true});
  await window.happyDOM.abort();
}
process.exit(failed ? 1 : 0);
