#!/usr/bin/env node
// Rewrites the generated tables of docs/retry.md (defaults, classification) from the compiled code, then formats
// the file with Prettier. Build first: npx tsc -b packages/retry && node packages/retry/scripts/gen-docs.mjs
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const tables = await import('../dist/test/docs-tables.js');
const file = fileURLToPath(tables.DOCS_FILE);
let docs = readFileSync(file, 'utf8');
docs = tables.replaceRegion(docs, 'defaults', tables.renderDefaultsTable());
docs = tables.replaceRegion(docs, 'classification', tables.renderClassificationTable());
writeFileSync(file, docs);
execFileSync('npx', ['prettier', '--write', file], { stdio: 'inherit' });
