/**
 * The part of `Store.placeGangTasks` both adapters share: the pool's nodes as the transaction has written them
 * so far, and the all-or-nothing choice of hosts for one task. Pure; the adapters read and write the rows.
 */
import type { JobDoc, NodeDoc, TaskDoc } from './documents.js';
import type { GangPolicy } from './store.js';

/** Node ids are compared by key; the adapters pass the pool's nodes in key order. */
export class GangBoard {
  private readonly nodes: NodeDoc[];
  private readonly changed = new Set<number>();

  constructor(nodes: readonly NodeDoc[]) {
    this.nodes = [...nodes];
  }

  /**
   * Places the task when enough distinct nodes can host it: returns the started task and the indexes of its
   * nodes (primary first), having updated those nodes; undefined (and nothing changed) otherwise.
   */
  place(task: TaskDoc, job: JobDoc, policy: GangPolicy): { task: TaskDoc; hosts: number[] } | undefined {
    const count = policy.instances(task);
    if (count < 1) return undefined;
    const hosts: number[] = [];
    for (let index = 0; index < this.nodes.length && hosts.length < count; index++) {
      const node = this.nodes[index];
      if (node !== undefined && policy.canHost(node)) hosts.push(index);
    }
    if (hosts.length < count) return undefined;
    const placed = policy.place(
      task,
      job,
      hosts.map((index) => this.nodes[index] as NodeDoc),
    );
    if (placed.nodes.length !== hosts.length) {
      throw new Error(`a gang placement must return ${hosts.length} nodes, got ${placed.nodes.length}`);
    }
    hosts.forEach((index, position) => {
      this.nodes[index] = placed.nodes[position] as NodeDoc;
      this.changed.add(index);
    });
    return { task: placed.task, hosts };
  }

  /** Indexes of the nodes some placement changed, ascending. */
  changedIndexes(): number[] {
    return [...this.changed].sort((a, b) => a - b);
  }

  node(index: number): NodeDoc {
    const node = this.nodes[index];
    if (node === undefined) throw new Error(`no node at ${index}`);
    return node;
  }
}
