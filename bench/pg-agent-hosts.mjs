#!/usr/bin/env node
/**
 * Scale-out throughput on PostgreSQL: the same workload with 1 and then 2 agent processes (each its own "host":
 * own task root, own slots) against `batchite serve --store postgres://… --no-local-nodes`.
 *
 *   node bench/pg-agent-hosts.mjs [tasks=400] [slots=2]
 *
 * Prints tasks/s for 1 and 2 agents and their ratio. On one 2-core machine both "hosts" share the same cores,
 * so the ratio shows the coordination overhead of a second node, not the gain of a second machine.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { BatchClient } from '@batchite/client';
import { DEFAULT_BIN_PATH } from '@batchite/cli';
import { joinToken } from './lib/server.mjs';

const require = createRequire(import.meta.url);
const pg = require('pg');

const TASKS = Number(process.argv[2] ?? 400);
const SLOTS = Number(process.argv[3] ?? 2);
const ADMIN = process.env.BATCHITE_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const ACCOUNT = { name: 'bench', key: randomBytes(64).toString('base64') };
const env = { ...process.env, BATCHITE_ACCOUNT_NAME: ACCOUNT.name, BATCHITE_ACCOUNT_KEY: ACCOUNT.key };

function cli(args) {
  return spawn(process.execPath, [DEFAULT_BIN_PATH, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
}

/** An agent: no account key in its environment, its pool's join token on stdin (docs/node-api.md). */
function agentCli(args, token) {
  const agentEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('BATCHITE_')),
  );
  const child = spawn(process.execPath, [DEFAULT_BIN_PATH, ...args, '--join-token-file', '-'], {
    env: agentEnv,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end(`${token}\n`);
  return child;
}

function ready(child, marker) {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes(marker)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited (${code}): ${out}`)));
  });
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

async function admin(sql) {
  const client = new pg.Client(ADMIN);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function run(agentCount, port, dir) {
  const database = `batchite_bench_${process.pid}_${agentCount}`;
  await admin(`DROP DATABASE IF EXISTS ${database}`);
  await admin(`CREATE DATABASE ${database}`);
  const store = new URL(ADMIN);
  store.pathname = `/${database}`;
  const server = cli([
    'serve',
    '--port',
    String(port),
    '--data',
    join(dir, `s${agentCount}`),
    '--store',
    store.toString(),
    '--no-local-nodes',
    '--log-level',
    'silent',
  ]);
  await ready(server, 'endpoint:');
  const url = `http://127.0.0.1:${port}`;
  const client = new BatchClient({ endpoint: url, accountName: ACCOUNT.name, accountKey: ACCOUNT.key });
  await client.createPool({ id: 'hosts', vmSize: 'bench', taskSlotsPerNode: SLOTS });
  const agents = [];
  const token = await joinToken(url, 'hosts', ACCOUNT);
  for (let index = 0; index < agentCount; index++) {
    agents.push(
      agentCli(
        [
          'agent',
          '--server',
          url,
          '--pool',
          'hosts',
          '--root',
          join(dir, `a${agentCount}-${index}`),
          '--node-id',
          `host${index}`,
        ],
        token,
      ),
    );
  }
  for (;;) {
    let idle = 0;
    for await (const node of client.listNodes('hosts')) if (node.state === 'idle') idle++;
    if (idle === agentCount) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await client.createJob({ id: 'b', poolInfo: { poolId: 'hosts' } });
  await client.disableJob('b', 'requeue');
  await client.createTasks(
    'b',
    Array.from({ length: TASKS }, (_, i) => ({ id: `t${i}`, commandLine: '/bin/sh -c "exit 0"' })),
  );
  const started = performance.now();
  await client.enableJob('b');
  for (;;) {
    const { taskCounts } = await client.getJobTaskCounts('b');
    if (taskCounts.completed === TASKS) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(agents.map(stop));
  await stop(server);
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  return TASKS / seconds;
}

const dir = mkdtempSync(join(tmpdir(), 'batchite-bench-pg-'));
try {
  const port = 21000 + (process.pid % 5000);
  const one = await run(1, port, dir);
  const two = await run(2, port + 1, dir);
  console.log(
    `PostgreSQL store, ${TASKS} tasks /bin/sh -c "exit 0", ${SLOTS} slots per agent, ${cpus().length} cores`,
  );
  console.log(`  1 agent host : ${one.toFixed(1)} tasks/s`);
  console.log(`  2 agent hosts: ${two.toFixed(1)} tasks/s  (ratio ${(two / one).toFixed(2)}x)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
