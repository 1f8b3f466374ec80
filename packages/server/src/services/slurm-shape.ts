/**
 * A pool whose `vmSize` is `slurm:<partition>:<cpus>[:<memory>]` gets its nodes from Slurm: each node is one
 * Slurm job in `<partition>` asking for `<cpus>` CPUs (the node's task slots) and, when given, `<memory>`
 * (as sbatch's `--mem` takes it: a number with an optional K, M, G or T suffix; megabytes without one).
 */
import { apiError, propertyValues, type ApiError } from '../http/api-error.js';

export interface SlurmShape {
  partition: string;
  cpus: number;
  /** sbatch `--mem` value, when the shape names one. */
  memory?: string;
}

const PREFIX = 'slurm:';
const PARTITION = /^[A-Za-z0-9_.-]{1,64}$/;
const MEMORY = /^[1-9][0-9]{0,9}[KMGT]?$/;

export function isSlurmVmSize(vmSize: string | undefined): boolean {
  return vmSize !== undefined && vmSize.toLowerCase().startsWith(PREFIX);
}

/** The shape a `slurm:` vmSize names, or undefined when it is malformed. */
export function parseSlurmShape(vmSize: string): SlurmShape | undefined {
  if (!isSlurmVmSize(vmSize)) return undefined;
  const [partition = '', cpusText = '', memory, ...rest] = vmSize.slice(PREFIX.length).split(':');
  const cpus = Number(cpusText);
  if (rest.length > 0 || !PARTITION.test(partition)) return undefined;
  if (!/^[1-9][0-9]{0,3}$/.test(cpusText) || !Number.isSafeInteger(cpus)) return undefined;
  if (memory !== undefined && !MEMORY.test(memory)) return undefined;
  return { partition, cpus, ...(memory === undefined ? {} : { memory }) };
}

/** 400 InvalidPropertyValue for a `slurm:` vmSize that does not parse; undefined for any other vmSize. */
export function refuseSlurmShape(vmSize: string | undefined): ApiError | undefined {
  if (vmSize === undefined || !isSlurmVmSize(vmSize) || parseSlurmShape(vmSize) !== undefined)
    return undefined;
  return apiError('InvalidPropertyValue', {
    values: propertyValues(
      'vmSize',
      vmSize,
      'A Slurm vmSize is slurm:<partition>:<cpus>[:<memory>], e.g. slurm:batch:4 or slurm:batch:4:8G.',
    ),
  });
}
