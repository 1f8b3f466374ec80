import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { DEFAULT_RETRY_OPTIONS } from '../src/index.js';
import {
  DOCS_FILE,
  flatDefaults,
  formatValue,
  optionComments,
  region,
  renderClassificationTable,
  renderDefaultsTable,
  tableCells,
} from './docs-tables.js';

const FIX = 'run `node packages/retry/scripts/gen-docs.mjs` after building';

describe('docs stay in sync with the code', () => {
  it('every @defaultValue tag in src/options.ts states the value of DEFAULT_RETRY_OPTIONS', () => {
    const values = new Map<string, unknown>([
      ...flatDefaults().map(([k, v]) => [k.replace(/^budget\./, ''), v] as [string, unknown]),
      ['budget', DEFAULT_RETRY_OPTIONS.budget],
    ]);
    const tagged = optionComments().filter((c) => c.defaultValue !== undefined && values.has(c.name));
    for (const comment of tagged) {
      assert.equal(
        comment.defaultValue,
        formatValue(values.get(comment.name)),
        `@defaultValue of ${comment.name}`,
      );
    }
    // The option interfaces and the constant both document every top-level default; budget fields once.
    for (const name of values.keys()) {
      const count = tagged.filter((c) => c.name === name).length;
      const expected = name in DEFAULT_RETRY_OPTIONS ? 2 : 1;
      assert.equal(count, expected, `@defaultValue tags for ${name}`);
    }
  });

  it('docs/retry.md has the current defaults table', () => {
    const docs = readFileSync(DOCS_FILE, 'utf8');
    const table = region(docs, 'defaults');
    assert.ok(table !== undefined, 'docs/retry.md lacks the defaults region');
    assert.deepEqual(tableCells(table), tableCells(renderDefaultsTable()), FIX);
  });

  it('docs/retry.md has the current classification table', () => {
    const docs = readFileSync(DOCS_FILE, 'utf8');
    const table = region(docs, 'classification');
    assert.ok(table !== undefined, 'docs/retry.md lacks the classification region');
    assert.deepEqual(tableCells(table), tableCells(renderClassificationTable()), FIX);
  });

  it('docs/retry.md keeps the heading the client fills in', () => {
    assert.match(readFileSync(DOCS_FILE, 'utf8'), /^## Per-operation policies \(client\)$/m);
  });
});
