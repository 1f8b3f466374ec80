// Runs three commands as a job on the local Batchite server (`npm start`) and prints how each one ended.
// Run it with `node examples/client.mjs` (Node 20 or later); BATCHITE_ENDPOINT points it at another server.
import { BatchClient, isBatchError } from '@batchite/client';

// No options: http://127.0.0.1:10100 and the well-known account, or BATCHITE_ENDPOINT / _ACCOUNT_NAME / _ACCOUNT_KEY.
const batch = new BatchClient();
const jobId = `example-${Date.now()}`;
const commands = ['echo hello', 'echo 6 times 7 is $((6 * 7))', 'echo no input.csv >&2; exit 3'];

await batch.createJob({ id: jobId, poolInfo: { poolId: 'local' } });
await batch.createTasks(
  jobId,
  commands.map((command, i) => ({ id: `t${i + 1}`, commandLine: `/bin/sh -c "${command}"` })),
);

const counts = await batch.waitForJob(jobId, {
  timeoutMs: 120_000,
  onProgress: ({ active, running, completed }) =>
    console.log(`waiting ${active}, running ${running}, completed ${completed}`),
});
console.log(`${counts.succeeded} succeeded, ${counts.failed} failed`);

for (const task of await batch.waitForTasks(jobId)) {
  const exitCode = task.executionInfo?.exitCode;
  const file = exitCode === 0 ? 'stdout.txt' : 'stderr.txt';
  try {
    const { content } = await batch.getTaskFile(jobId, task.id, file);
    console.log(`${task.id}: exit code ${exitCode}, ${file}: ${new TextDecoder().decode(content).trim()}`);
  } catch (error) {
    // Errors are BatchError: branch on `kind` (network, throttled, notFound, …), not on the message.
    if (!isBatchError(error) || error.kind !== 'notFound') throw error;
    console.log(`${task.id}: exit code ${exitCode}, no ${file}`);
  }
}
await batch.deleteJob(jobId);
