/**
 * GET /jobs/{jobId}/tasks/{taskId}/subtasksinfo: the subtasks of a multi-instance task's current (or last)
 * run, numbered 1..n-1 as Batch numbers them (the primary, 0, is the task itself). A subtask runs from the
 * moment its node collected it until the task ends; its exit code is its coordination command's.
 */
import type { SubtaskInformation } from '@batchite/protocol';
import { taskRootDirectory } from '@batchite/protocol/task-files';
import type { GangInstance, TaskDoc } from '../store/documents.js';
import { onNode } from './task-lifecycle.js';

function nodeInfo(instance: GangInstance, task: TaskDoc, accountUrl: string) {
  const root = taskRootDirectory(task.jobId, task.entity.id);
  const nodeUrl = `${accountUrl}/pools/${instance.poolId}/nodes/${instance.nodeId}`;
  return {
    affinityId: `TVM:${instance.nodeId}`,
    nodeUrl,
    poolId: instance.poolId,
    nodeId: instance.nodeId,
    taskRootDirectory: root,
    taskRootDirectoryUrl: `${nodeUrl}/files/${root}`,
  };
}

function subtaskOf(
  task: TaskDoc,
  instance: GangInstance,
  id: number,
  accountUrl: string,
): SubtaskInformation {
  const ended = !onNode(task);
  const item: SubtaskInformation = { id, nodeInfo: nodeInfo(instance, task, accountUrl) };
  if (instance.startTime !== undefined) item.startTime = instance.startTime;
  if (!ended) {
    item.state = instance.state === 'placed' ? 'preparing' : 'running';
    item.stateTransitionTime = instance.startTime ?? task.entity.stateTransitionTime ?? '';
    return item;
  }
  const endTime = task.entity.executionInfo?.endTime ?? task.entity.stateTransitionTime ?? '';
  item.state = 'completed';
  item.stateTransitionTime = endTime;
  item.previousState = 'running';
  if (instance.startTime !== undefined) item.previousStateTransitionTime = instance.startTime;
  item.endTime = instance.coordinationEndTime ?? endTime;
  if (instance.exitCode !== undefined) item.exitCode = instance.exitCode;
  if (instance.failureInfo !== undefined) item.failureInfo = instance.failureInfo;
  item.result = instance.failureInfo === undefined && instance.exitCode === 0 ? 'success' : 'failure';
  return item;
}

/** The subtasks (empty for a task that is not multi-instance or was never placed). */
export function listSubtasks(task: TaskDoc, accountUrl: string): SubtaskInformation[] {
  const instances = task.internal.gang?.instances ?? [];
  return instances.slice(1).map((instance, index) => subtaskOf(task, instance, index + 1, accountUrl));
}
