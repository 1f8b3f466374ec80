/** The nesting bound of request bodies, on the raw bytes: counted outside strings only, escapes understood. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../src/http/json-depth.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('exceedsJsonDepth', () => {
  it('accepts MAX_JSON_DEPTH levels and refuses one more, for arrays and objects alike', () => {
    assert.equal(exceedsJsonDepth(bytes(nested(MAX_JSON_DEPTH))), false);
    assert.equal(exceedsJsonDepth(bytes(nested(MAX_JSON_DEPTH + 1))), true);
    const objects = (depth: number) => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
    assert.equal(exceedsJsonDepth(bytes(objects(MAX_JSON_DEPTH))), false);
    assert.equal(exceedsJsonDepth(bytes(objects(MAX_JSON_DEPTH + 1))), true);
  });

  it('counts depth, not the number of brackets: siblings do not add up', () => {
    const wide = `[${Array.from({ length: 10_000 }, () => '[[1]]').join(',')}]`;
    assert.equal(exceedsJsonDepth(bytes(wide)), false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    assert.equal(exceedsJsonDepth(bytes(`{"a":"${'['.repeat(500)}"}`)), false);
    assert.equal(exceedsJsonDepth(bytes(`{"a":"\\"${'{'.repeat(500)}"}`)), false);
    // A string ending in an escaped backslash closes there: the brackets after it count.
    assert.equal(exceedsJsonDepth(bytes(`["\\\\",${nested(MAX_JSON_DEPTH)}]`)), true);
  });

  it('takes a small limit as given', () => {
    assert.equal(exceedsJsonDepth(bytes('[[1]]'), 2), false);
    assert.equal(exceedsJsonDepth(bytes('[[[1]]]'), 2), true);
  });
});
