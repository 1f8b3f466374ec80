/**
 * Support for the bounds suites (dependency ranges, node quota): a real server with its options, a node launcher
 * that counts the agent processes it has alive, and an in-process event-loop delay monitor.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { childProcessNodeLauncher } from '@batchite/cli';
import {
  startServer,
  type LaunchedNode,
  type NodeLauncher,
  type RunningServer,
  type ServerOptions,
} from '@batchite/server';

/** Real `batchite agent` processes, counted: how many were launched and the most alive at once. */
export class CountingLauncher implements NodeLauncher {
  launches = 0;
  maxAlive = 0;
  private readonly alive = new Set<LaunchedNode>();
  private readonly inner = childProcessNodeLauncher({ stdio: 'ignore' });

  get aliveNow(): number {
    return this.alive.size;
  }

  launch(request: Parameters<NodeLauncher['launch']>[0]): LaunchedNode {
    const node = this.inner.launch(request);
    this.launches++;
    this.alive.add(node);
    this.maxAlive = Math.max(this.maxAlive, this.alive.size);
    void node.exited.then(() => this.alive.delete(node));
    return node;
  }
}

/** A server on port 0 with no logs; the caller owns `dataDir`. */
export function startBoundsServer(dataDir: string, options: ServerOptions = {}): Promise<RunningServer> {
  return startServer({ port: 0, dataDir, logLevel: false, ...options });
}

/** Delay of this process's event loop, sampled every `resolutionMs`; max/percentiles in ms. */
export class LoopDelay {
  private readonly histogram: IntervalHistogram;

  constructor(resolutionMs = 5) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.histogram.enable();
  }

  reset(): void {
    this.histogram.reset();
  }

  stop(): { maxMs: number; p99Ms: number; p50Ms: number } {
    this.histogram.disable();
    const ms = (ns: number) => ns / 1e6;
    return {
      maxMs: ms(this.histogram.max),
      p99Ms: ms(this.histogram.percentile(99)),
      p50Ms: ms(this.histogram.percentile(50)),
    };
  }
}
