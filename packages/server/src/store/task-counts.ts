import type { TaskStateCounts } from './store.js';

export function emptyTaskCounts(): TaskStateCounts {
  return {
    active: 0,
    running: 0,
    completed: 0,
    succeeded: 0,
    failed: 0,
    activeSlots: 0,
    runningSlots: 0,
    completedSlots: 0,
    succeededSlots: 0,
    failedSlots: 0,
  };
}

/** Adds one `GROUP BY state, result` row to the counts; `preparing` counts as running (Azure Batch REST reference). */
export function addCounts(
  counts: TaskStateCounts,
  state: string,
  result: string | null,
  n: number,
  slots: number,
): void {
  if (state === 'active') {
    counts.active += n;
    counts.activeSlots += slots;
  } else if (state === 'running' || state === 'preparing') {
    counts.running += n;
    counts.runningSlots += slots;
  } else if (state === 'completed') {
    counts.completed += n;
    counts.completedSlots += slots;
    if (result === 'success') {
      counts.succeeded += n;
      counts.succeededSlots += slots;
    } else {
      counts.failed += n;
      counts.failedSlots += slots;
    }
  }
}
