/** Wait reasons that come from a job's manager task (job-manager-scheduling.ts), for `why`. */
import { idKey, type WaitReason } from '@batchite/protocol';
import type { JobDoc, NodeDoc, TaskDoc } from '../store/documents.js';

/**
 * - `WaitingOnJobManager`: the job's other tasks wait until its manager has started;
 * - `ExclusiveNodeBusy`: the manager runs exclusively (runExclusive) and no usable node has every slot free.
 */
export function jobManagerReasons(
  task: TaskDoc,
  job: JobDoc,
  manager: TaskDoc | undefined,
  usable: readonly NodeDoc[],
): WaitReason[] {
  const reasons: WaitReason[] = [];
  const isManager = manager !== undefined && idKey(manager.entity.id) === idKey(task.entity.id);
  if (manager !== undefined && !isManager && manager.entity.state === 'active') {
    reasons.push({
      code: 'WaitingOnJobManager',
      outlook: 'will-resolve',
      message: `Job ${job.entity.id} starts its job manager task ${manager.entity.id} before its other tasks; it has not started yet.`,
      details: { jobManagerTaskId: manager.entity.id },
    });
  }
  const idle = usable.filter((node) => (node.entity.runningTaskSlotsCount ?? 0) === 0);
  if (task.internal.exclusive === true && usable.length > 0 && idle.length === 0) {
    reasons.push({
      code: 'ExclusiveNodeBusy',
      outlook: 'will-resolve',
      message: `Job manager task ${task.entity.id} runs exclusively (runExclusive) and needs a node with no other task; all ${usable.length} usable node(s) run tasks.`,
    });
  }
  return reasons;
}
