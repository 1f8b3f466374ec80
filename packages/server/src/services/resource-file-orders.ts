/**
 * A task's `resourceFiles` as the agent downloads them: `autoStorageContainerName` becomes the linked storage
 * account's container URL with a short-lived read+list SAS (the node never gets the account key). A task added
 * while a linked account was configured, claimed after the server restarted without one, gets an order that
 * fails with the error Batch gives for it instead of silently downloading nothing.
 */
import type { ResourceFile, ResourceFileOrder } from '@batchite/protocol';
import { apiError, type ApiError } from '../http/api-error.js';
import type { LinkedStorage } from './linked-storage.js';

function common(file: ResourceFile): Omit<ResourceFileOrder, 'httpUrl' | 'storageContainerUrl'> {
  const order: ResourceFileOrder = {};
  if (file.blobPrefix !== undefined) order.blobPrefix = file.blobPrefix;
  if (file.filePath !== undefined) order.filePath = file.filePath;
  if (file.fileMode !== undefined) order.fileMode = file.fileMode;
  return order;
}

export function resourceFileOrders(
  files: readonly ResourceFile[],
  storage: LinkedStorage | undefined,
  nowMs: number,
): ResourceFileOrder[] {
  return files.map((file) => {
    if (file.httpUrl !== undefined) return { ...common(file), httpUrl: file.httpUrl };
    if (file.storageContainerUrl !== undefined)
      return { ...common(file), storageContainerUrl: file.storageContainerUrl };
    const container = file.autoStorageContainerName ?? '';
    if (storage === undefined) {
      return {
        ...common(file),
        failure: {
          category: 'usererror',
          code: 'AccountNotEnabledForAutoStorage',
          message: 'The specified account is not enabled for auto storage.',
          details: [{ name: 'AutoStorageContainerName', value: container }],
        },
      };
    }
    return { ...common(file), storageContainerUrl: storage.containerUrl(container, nowMs) };
  });
}

/** 409 AccountNotEnabledForAutoStorage when a resource file names a container and no storage is linked. */
export function refuseAutoStorage(
  storage: LinkedStorage | undefined,
  files: readonly ResourceFile[] | undefined,
): ApiError | undefined {
  if (storage !== undefined) return undefined;
  const named = (files ?? []).some((file) => file.autoStorageContainerName !== undefined);
  return named ? apiError('AccountNotEnabledForAutoStorage') : undefined;
}
