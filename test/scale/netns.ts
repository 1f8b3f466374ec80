/**
 * Test hosts as Linux network namespaces on this machine: a bridge in the root namespace (the "LAN", where the
 * API servers and PostgreSQL live) and one namespace per agent host, joined by veth pairs. Needs root and
 * `ip netns`; `netnsAvailable()` says whether this machine allows it.
 */
import { execFileSync } from 'node:child_process';

export interface TestHost {
  name: string;
  /** The host's address on the bridge. */
  address: string;
  /** The root-side end of its veth pair (set down to cut the host off). */
  link: string;
}

export interface TestNetwork {
  bridge: string;
  /** The root namespace's address on the bridge (where servers listen). */
  gateway: string;
  hosts: TestHost[];
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

export function netnsAvailable(): string | undefined {
  const probe = `btprobe${process.pid}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return undefined;
  } catch (error) {
    return `ip netns is not permitted here (${(error as Error).message.split('\n')[0]})`;
  }
}

/** Creates the bridge and `count` hosts; addresses 10.231.<subnet>.0/24, servers on .1, hosts from .11. */
export function createNetwork(prefix: string, count: number, subnet: number): TestNetwork {
  const bridge = `${prefix}br`;
  const gateway = `10.231.${subnet}.1`;
  ip('link', 'add', bridge, 'type', 'bridge');
  ip('addr', 'add', `${gateway}/24`, 'dev', bridge);
  ip('link', 'set', bridge, 'up');
  const hosts: TestHost[] = [];
  for (let index = 1; index <= count; index++) {
    const name = `${prefix}h${index}`;
    const link = `${prefix}v${index}`;
    const address = `10.231.${subnet}.${10 + index}`;
    ip('netns', 'add', name);
    ip('link', 'add', link, 'type', 'veth', 'peer', 'name', `${link}p`);
    ip('link', 'set', `${link}p`, 'netns', name);
    ip('link', 'set', link, 'master', bridge);
    ip('link', 'set', link, 'up');
    ip('netns', 'exec', name, 'ip', 'addr', 'add', `${address}/24`, 'dev', `${link}p`);
    ip('netns', 'exec', name, 'ip', 'link', 'set', `${link}p`, 'up');
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
    hosts.push({ name, address, link });
  }
  return { bridge, gateway, hosts };
}

/** Cuts a host off the network (its cable is pulled) or plugs it back. */
export function setHostConnected(host: TestHost, connected: boolean): void {
  ip('link', 'set', host.link, connected ? 'up' : 'down');
}

export function removeNetwork(network: TestNetwork): void {
  for (const host of network.hosts) {
    try {
      ip('netns', 'del', host.name);
    } catch {
      // already gone
    }
    try {
      ip('link', 'del', host.link);
    } catch {
      // deleting the namespace removed the pair
    }
  }
  try {
    ip('link', 'del', network.bridge);
  } catch {
    // already gone
  }
}
