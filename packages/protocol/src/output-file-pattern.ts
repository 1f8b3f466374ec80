/**
 * An output file's `filePattern` (Batch REST API reference, OutputFile): relative to the task's working
 * directory (`wd/`), `/` separates directories, and a segment may hold the wildcards `*` (any characters),
 * `?` (one character), `[abc]` / `[a-c]` / `[!abc]` (one character of a set); a whole segment `**` matches any
 * number of directories. A name that starts with `.` is only matched by a segment that starts with `.`
 * (`*.gif` does not match `.a.gif`, `.*.gif` does); brackets escape a wildcard character (`abc[*]`).
 *
 * The pattern is resolved against the task directory (the one that holds `wd/`, `stdout.txt`, `stderr.txt`),
 * so `../std*.txt` names the task's output streams. Batchite keeps every pattern inside the task directory:
 * absolute patterns and `..` that climb above it (or follow a wildcard) are refused when the task is added.
 */

/** A pattern split into the literal directory it starts from and the wildcard segments below it. */
export interface OutputFilePattern {
  /** Literal segments from the task directory down (`['wd', 'out']`; `[]` is the task directory itself). */
  readonly base: readonly string[];
  /** Segments with wildcards below `base`; empty when the pattern names one file or directory. */
  readonly glob: readonly string[];
}

/** Why a pattern is refused, for the 400 answer. */
export type PatternProblem = 'absolute' | 'escapes' | 'dotsAfterWildcard';

const WILDCARD = /[*?[]/;

/** True when `segment` holds a wildcard character. */
export function hasWildcard(segment: string): boolean {
  return WILDCARD.test(segment);
}

/** The parsed pattern, or the reason it cannot be used. */
export function parseOutputFilePattern(pattern: string): OutputFilePattern | { problem: PatternProblem } {
  if (pattern.startsWith('/')) return { problem: 'absolute' };
  const base = ['wd'];
  const glob: string[] = [];
  for (const segment of pattern.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (glob.length > 0) {
      if (segment === '..') return { problem: 'dotsAfterWildcard' };
      glob.push(segment);
    } else if (segment === '..') {
      if (base.pop() === undefined) return { problem: 'escapes' };
    } else if (hasWildcard(segment)) glob.push(segment);
    else base.push(segment);
  }
  return { base, glob };
}

/** The reason text of a refused pattern. */
export function patternProblemText(problem: PatternProblem): string {
  switch (problem) {
    case 'absolute':
      return "Batchite accepts only patterns relative to the task's working directory.";
    case 'escapes':
      return 'The pattern leaves the task directory (at most one .. above the working directory).';
    case 'dotsAfterWildcard':
      return 'A .. segment may not follow a wildcard segment.';
  }
}

/**
 * A matcher for one pattern segment (not `**`): `*`, `?`, bracket sets with `!` negation and ranges; names
 * starting with `.` only when the segment itself starts with `.`.
 */
export function segmentMatcher(segment: string): (name: string) => boolean {
  let source = '';
  for (let i = 0; i < segment.length; i += 1) {
    const char = segment[i] ?? '';
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (char === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close === -1) source += '\\[';
      else {
        const body = segment.slice(i + 1, close);
        const negated = body.startsWith('!');
        const members = (negated ? body.slice(1) : body).replace(/[\\\]^]/g, (c) => `\\${c}`);
        source += `[${negated ? '^' : ''}${members}]`;
        i = close;
      }
    } else source += char.replace(/[.+^${}()|\\\]]/g, (c) => `\\${c}`);
  }
  const regex = new RegExp(`^${source}$`, 's');
  const dotsAllowed = segment.startsWith('.');
  return (name) => (dotsAllowed || !name.startsWith('.')) && regex.test(name);
}
