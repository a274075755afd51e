#!/usr/bin/env node
// Runs Shopify's theme-check over the theme app extension with the
// "theme-check:theme-app-extension" profile (the one `shopify app build` uses).
// Usage: node scripts/theme_check.mjs [theme_extension]
// Exits 1 if any offence is an error (severity 0), 0 otherwise.
import path from 'node:path';
import { check } from '@shopify/theme-check-node';

const SEVERITY = ['error', 'warning', 'info'];
const root = path.resolve(process.argv[2] || 'theme_extension');
const offenses = await check(root, 'theme-check:theme-app-extension');

for (const o of offenses) {
  const file = o.uri.replace(/^file:\/\//, '');
  const where = `${path.relative(root, decodeURIComponent(file))}:${o.start.line + 1}:${o.start.character + 1}`;
  console.log(`${SEVERITY[o.severity] || o.severity} ${o.check} ${where} ${o.message}`);
}
const errors = offenses.filter((o) => o.severity === 0).length;
console.log(`theme-check: ${offenses.length} offence(s), ${errors} error(s) in ${root}`);
process.exit(errors ? 1 : 0);
