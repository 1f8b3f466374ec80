/**
 * Node launchers for the pool lifecycle suites, all starting real processes:
 * - `ShellLauncher`: a shell command instead of an agent (a node that never joins: it exits or just sleeps);
 * - `GatedLauncher`: real `batchite agent` processes whose stop waits until the test opens the gate, so a state
 *   that lasts while nodes are being stopped (a pool `deleting`) can be observed without racing.
 */
import { spawn } from 'node:child_process';
import { childProcessNodeLauncher } from '@batchite/cli';
import type { LaunchedNode, NodeLauncher, NodeLaunchRequest } from '@batchite/server';

/** Whether a process with this id is alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class ShellLauncher implements NodeLauncher {
  launches = 0;
  readonly pids: number[] = [];

  constructor(private readonly command: string) {}

  launch(request: NodeLaunchRequest): LaunchedNode {
    const child = spawn('/bin/sh', ['-c', this.command], { stdio: 'ignore' });
    this.launches++;
    if (child.pid !== undefined) this.pids.push(child.pid);
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    return {
      nodeId: request.nodeId,
      ...(child.pid === undefined ? {} : { pid: child.pid }),
      exited,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
    };
  }

  /** Processes of this launcher still running. */
  running(): number[] {
    return this.pids.filter(alive);
  }
}

export class GatedLauncher implements NodeLauncher {
  private readonly inner = childProcessNodeLauncher({ stdio: 'ignore' });
  private open!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));
  readonly pids: number[] = [];
  /** Stops asked for and held at the gate. */
  stopsRequested = 0;

  launch(request: NodeLaunchRequest): LaunchedNode {
    const node = this.inner.launch(request);
    if (node.pid !== undefined) this.pids.push(node.pid);
    return {
      nodeId: node.nodeId,
      ...(node.pid === undefined ? {} : { pid: node.pid }),
      exited: node.exited,
      stop: async (mode) => {
        this.stopsRequested++;
        await this.gate;
        await node.stop(mode);
      },
    };
  }

  /** Lets every held and later stop go through. */
  release(): void {
    this.open();
  }
}
