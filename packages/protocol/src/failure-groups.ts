/**
 * Failed tasks grouped by what went wrong: exit code plus the first line of stderr (or, for a task that never
 * produced output, its failure code and message). `batchite run`'s summary and the dashboard both group with
 * this one function, so a group means the same in both places.
 */

/** What is known about one failed task. */
export interface FailedTaskSample {
  id: string;
  exitCode?: number;
  /** `executionInfo.failureInfo` (e.g. FailureExitCode, TaskEnded). */
  failureCode?: string;
  failureMessage?: string;
  /** The first non-blank line of stderr.txt; absent when it was empty, missing or not read. */
  stderrFirstLine?: string;
}

export interface FailureGroup {
  exitCode?: number;
  /** The line that identifies the group: stderr's first line, else `failureCode: failureMessage`. */
  line: string;
  /** Whether `line` came from stderr (else from the failure info). */
  fromStderr: boolean;
  count: number;
  /** A few task ids of the group, in id order. */
  exampleIds: string[];
}

/** Longest group line kept; longer lines are cut with an ellipsis. */
export const FAILURE_LINE_CHARS = 200;
/** Task ids kept per group by default. */
export const FAILURE_EXAMPLES = 3;

export function clipLine(line: string, max = FAILURE_LINE_CHARS): string {
  const trimmed = line.trim();
  return trimmed.length > max ? `${trimmed.slice(0, max - 1)}…` : trimmed;
}

/** The first non-blank line of a stderr head, clipped; undefined when there is none. */
export function firstLine(text: string): string | undefined {
  const line = text.split(/\r?\n/).find((candidate) => candidate.trim() !== '');
  return line === undefined ? undefined : clipLine(line);
}

function groupLine(sample: FailedTaskSample): { line: string; fromStderr: boolean } {
  if (sample.stderrFirstLine !== undefined && sample.stderrFirstLine !== '')
    return { line: clipLine(sample.stderrFirstLine), fromStderr: true };
  const code = sample.failureCode ?? 'Failure';
  const message = sample.failureMessage === undefined ? '' : `: ${sample.failureMessage}`;
  return { line: clipLine(`${code}${message}`), fromStderr: false };
}

/** Groups, largest first (ties: by their first task id); example ids in id order. */
export function groupFailures(
  samples: readonly FailedTaskSample[],
  examples = FAILURE_EXAMPLES,
): FailureGroup[] {
  const groups = new Map<string, FailureGroup & { ids: string[] }>();
  for (const sample of samples) {
    const { line, fromStderr } = groupLine(sample);
    const key = `${sample.exitCode ?? ''}\n${fromStderr ? 'e' : 'f'}\n${line}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { line, fromStderr, count: 0, exampleIds: [], ids: [] };
      if (sample.exitCode !== undefined) group.exitCode = sample.exitCode;
      groups.set(key, group);
    }
    group.count++;
    group.ids.push(sample.id);
  }
  const result: FailureGroup[] = [];
  for (const { ids, ...group } of groups.values()) {
    ids.sort((a, b) => a.localeCompare(b));
    result.push({ ...group, exampleIds: ids.slice(0, examples) });
  }
  return result.sort(
    (a, b) => b.count - a.count || (a.exampleIds[0] ?? '').localeCompare(b.exampleIds[0] ?? ''),
  );
}
