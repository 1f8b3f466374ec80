/**
 * Dependency ranges as the store answers them: `dependsOn.taskIdRanges` name the tasks whose ids are the integers
 * start..end written in canonical decimal (`7`, not `07`), as in Batch. A range can span 0..2^31-1, so the store
 * answers with counts over an index of those numbers — the cost follows the tasks that exist, never the width.
 */

/** The canonical decimal ids a range can name: 0..2147483647, no sign, no leading zero. */
export const NUMERIC_TASK_ID = /^(0|[1-9][0-9]{0,9})$/;

/** How the tasks of one range stand as parents. */
export interface TaskRangeSummary {
  /** Tasks that exist in the range. */
  present: number;
  /** Completed and satisfying dependants: succeeded, or failed with `dependencyAction: satisfy`. */
  satisfied: number;
  /** Completed but blocking dependants: failed without `dependencyAction: satisfy`. */
  blocking: number;
}

/**
 * Which tasks of a range to list: all that exist, those not completed yet (`open`), those completed that block
 * for good. Open and blocking tasks together are the ones that do not satisfy.
 */
export type TaskRangeSelection = 'present' | 'open' | 'blocking';

export function rangeWidth(start: number, end: number): number {
  return end - start + 1;
}

/** Whether every id of the range names a task that lets dependants run. */
export function rangeSatisfied(summary: TaskRangeSummary, start: number, end: number): boolean {
  return summary.satisfied === rangeWidth(start, end);
}

/** One answer per range within a claim: candidates that name the same range cost one count. */
export function memoizedRanges(
  check: (start: number, end: number) => boolean,
): (start: number, end: number) => boolean {
  const known = new Map<string, boolean>();
  return (start, end) => {
    const key = `${start}:${end}`;
    let answer = known.get(key);
    if (answer === undefined) {
      answer = check(start, end);
      known.set(key, answer);
    }
    return answer;
  };
}
