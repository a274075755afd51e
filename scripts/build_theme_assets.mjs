#!/usr/bin/env node
// The storefront's assets are built: theme_src/ holds the readable sources (edit those), and
// theme_extension/assets/ their minified copies, which Shopify's CDN serves as they are to every
// shopper (bench row 6 counts them gzipped). Minified by esbuild, pinned in package.json, so the
// same source always gives the same bytes.
// Usage: node scripts/build_theme_assets.mjs [--check]
//   --check: write nothing; exit 1 naming each asset that is not the build of its source (the tests run this).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sources = path.join(root, 'theme_src');
const assets = path.join(root, 'theme_extension', 'assets');
// The oldest browsers a Shopify storefront supports: nothing newer than they read is emitted.
const TARGET = ['chrome90', 'edge90', 'firefox90', 'safari14', 'ios14'];
const check = process.argv.includes('--check');

let stale = 0;
for (const name of fs.readdirSync(sources).filter((n) => /\.(js|css)$/.test(n)).sort()) {
  const source = fs.readFileSync(path.join(sources, name), 'utf8');
  const built = transformSync(source, { loader: name.endsWith('.css') ? 'css' : 'js', minify: true, target: TARGET, sourcefile: name }).code;
  const target = path.join(assets, name);
  if (!check) fs.writeFileSync(target, built);
  else if (!fs.existsSync(target) || fs.readFileSync(target, 'utf8') !== built) {
    console.log(`theme_extension/assets/${name} is not the build of theme_src/${name}: run \`make theme-assets\``);
    stale += 1;
  }
}
process.exit(stale ? 1 : 0);
