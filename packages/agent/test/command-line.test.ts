import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandLineError, splitCommandLine } from '../src/command-line.js';

/** Every expectation below was checked against Python's `shlex.split` (posix mode). */
const CASES: ReadonlyArray<readonly [string, string[]]> = [
  // Command lines as Batch users write them.
  ['/bin/sh -c "echo $X"', ['/bin/sh', '-c', 'echo $X']],
  ["/bin/bash -c 'set -e; cmd1; cmd2'", ['/bin/bash', '-c', 'set -e; cmd1; cmd2']],
  [`/usr/bin/env -S "\${A}/x -i '<url>'"`, ['/usr/bin/env', '-S', "${A}/x -i '<url>'"]],
  ['echo $AZ_BATCH_POOL_ID', ['echo', '$AZ_BATCH_POOL_ID']],
  // Empty and blank.
  ['', []],
  [' \t\n ', []],
  // Whitespace of every kind separates; runs count once.
  ['a\t b\n  c', ['a', 'b', 'c']],
  // Mixed and touching quotes form one word.
  ['a"b c"d', ['ab cd']],
  [`'it'"'"'s'`, ["it's"]],
  [`"say 'hi'" 'and "bye"'`, ["say 'hi'", 'and "bye"']],
  // Empty quotes are an empty argument.
  ['a "" b', ['a', '', 'b']],
  ["''", ['']],
  // Backslashes: escape anything outside quotes, only " and \ inside "…", nothing inside '…'.
  ['a\\ b', ['a b']],
  ['"a\\$b"', ['a\\$b']],
  ['"x\\"y\\\\z"', ['x"y\\z']],
  ["'a\\b'", ['a\\b']],
  // Shell operators and comments are ordinary text.
  ['a|b > c; d && e', ['a|b', '>', 'c;', 'd', '&&', 'e']],
  ['x#y #z', ['x#y', '#z']],
  ['ls *.txt ~', ['ls', '*.txt', '~']],
];

describe('splitCommandLine', () => {
  for (const [text, expected] of CASES) {
    it(`splits ${JSON.stringify(text)}`, () => {
      assert.deepEqual(splitCommandLine(text), expected);
    });
  }

  it('rejects an unterminated double quote', () => {
    assert.throws(
      () => splitCommandLine('/bin/sh -c "echo hi'),
      (error: unknown) => error instanceof CommandLineError && error.code === 'UnterminatedQuote',
    );
  });

  it('rejects an unterminated single quote', () => {
    assert.throws(
      () => splitCommandLine("echo 'it"),
      (error: unknown) => error instanceof CommandLineError && error.code === 'UnterminatedQuote',
    );
  });

  it('rejects a trailing lone backslash', () => {
    assert.throws(
      () => splitCommandLine('echo a\\'),
      (error: unknown) => error instanceof CommandLineError && error.code === 'TrailingBackslash',
    );
  });
});
