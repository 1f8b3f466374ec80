// A map step through Azure Storage: uploads N inputs to a container, runs one task per input that gets it as a
// resource file and uploads its result as an output file, waits, then reads the results back and reduces them.
// Run it against `npm start -- --with-azurite` (Batchite with Azurite linked as its storage account):
//   node examples/map-step.mjs [N]
// BATCHITE_ENDPOINT points it at another Batchite server, AZURE_STORAGE_CONNECTION_STRING at another storage
// account (it must be the server's linked storage: the inputs are named by autoStorageContainerName).
import { BatchClient } from '@batchite/client';
import { BlobServiceClient, ContainerSASPermissions } from '@azure/storage-blob';

const count = Number(process.argv[2] ?? 4);
const storage = BlobServiceClient.fromConnectionString(
  process.env.AZURE_STORAGE_CONNECTION_STRING ?? 'UseDevelopmentStorage=true',
);
const batch = new BatchClient();
const run = `map-${Date.now()}`;

// Inputs: part-<i>.txt holds the numbers i, 2i, 3i (one per line).
const inputs = storage.getContainerClient(`${run}-inputs`);
await inputs.create();
for (let i = 1; i <= count; i++) {
  const text = [i, 2 * i, 3 * i].join('\n') + '\n';
  await inputs.getBlockBlobClient(`part-${i}.txt`).upload(text, Buffer.byteLength(text));
}

// Outputs: a container the tasks may write to, given to them as a URL with a SAS (never the account key).
const outputs = storage.getContainerClient(`${run}-outputs`);
await outputs.create();
const outputsUrl = await outputs.generateSasUrl({
  permissions: ContainerSASPermissions.parse('rcw'),
  expiresOn: new Date(Date.now() + 3_600_000),
});

await batch.createJob({ id: run, poolInfo: { poolId: 'local' } });
const tasks = [];
for (let i = 1; i <= count; i++) {
  tasks.push({
    id: `part-${i}`,
    commandLine: `/bin/sh -c "awk '{ sum += $1 } END { print sum }' part-${i}.txt > sum.txt"`,
    // The linked storage account's container: the node gets a short-lived SAS for it from the server.
    resourceFiles: [{ autoStorageContainerName: inputs.containerName, blobPrefix: `part-${i}.txt` }],
    outputFiles: [
      {
        filePattern: 'sum.txt',
        destination: { container: { containerUrl: outputsUrl, path: `sums/part-${i}.txt` } },
        uploadOptions: { uploadCondition: 'taskSuccess' },
      },
    ],
  });
}
for (const outcome of await batch.createTasks(run, tasks)) {
  // A task the service refused (bad input, a property it cannot honour) is reported, not silently dropped.
  if (outcome.status === 'failed') throw outcome.error;
}
const counts = await batch.waitForJob(run, { timeoutMs: 300_000 });
console.log(`${counts.succeeded} succeeded, ${counts.failed} failed`);

// Reduce: read every uploaded result back from storage.
let total = 0;
for (let i = 1; i <= count; i++) {
  const blob = await outputs.getBlobClient(`sums/part-${i}.txt`).downloadToBuffer();
  const sum = Number(blob.toString('utf8').trim());
  total += sum;
  console.log(`part-${i}: ${sum}`);
}
console.log(`total: ${total}`);

await batch.deleteJob(run);
await inputs.delete();
await outputs.delete();
