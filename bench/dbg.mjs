import { startServer } from './lib/server.mjs';
import { sleep } from './lib/stats.mjs';
const server = await startServer({ nodes: 1, slots: 2, nodeArgs: ['--import', 'file:///tmp/exp/trace.mjs'] });
const c = server.client();
await c.createJob({ id: 'j', poolInfo: { poolId: 'local' } });
for (let i = 0; i < 6; i++) {
  process.stderr.write(`--- add t${i}\n`);
  await c.createTask('j', { id: 't' + i, commandLine: '/bin/sh -c "exit 0"' });
  let t;
  for (;;) {
    t = await c.getTask('j', 't' + i);
    if (t.state === 'completed') break;
    await sleep(5);
  }
  process.stderr.write(`--- t${i} creation ${t.creationTime} start ${t.executionInfo.startTime}\n`);
  await sleep(300);
}
await server.stop();
