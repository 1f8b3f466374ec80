/**
 * `GET /supportedimages` (Account_ListSupportedImages): the one image Batchite's nodes run — the machine's own
 * operating system, read from `/etc/os-release` — named the way Azure names a Linux image and its node agent SKU
 * (`batch.node.debian 12`, image `debian` / `debian-12` / `12` / `latest`). Pools may name it (or any other
 * image: their nodes run on this machine whatever the image says).
 */
import { readFileSync } from 'node:fs';
import type { ImageInformation, NodeAgentSku } from '@batchite/protocol';

const OS_RELEASE_FILES = ['/etc/os-release', '/usr/lib/os-release'];

/** The `KEY=value` lines of an os-release file (values may be quoted). */
export function parseOsRelease(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match === null) continue;
    const [, key = '', raw = ''] = match;
    fields.set(key, raw.replace(/^(["'])(.*)\1$/, '$2'));
  }
  return fields;
}

/** The image an os-release describes; `linux 0` style names when it lacks ID or VERSION_ID. */
export function imageFromOsRelease(fields: ReadonlyMap<string, string>): ImageInformation {
  const distro = (fields.get('ID') ?? 'linux').toLowerCase();
  const version = fields.get('VERSION_ID') ?? '0';
  return {
    nodeAgentSKUId: `batch.node.${distro} ${version}`,
    imageReference: { publisher: distro, offer: `${distro}-${version}`, sku: version, version: 'latest' },
    osType: 'linux',
    verificationType: 'verified',
  };
}

function readOsRelease(): string {
  for (const file of OS_RELEASE_FILES) {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      // try the next location (os-release(5) names both)
    }
  }
  return '';
}

let cached: ImageInformation | undefined;

/** The images this server's nodes run (read once per process). */
export function supportedImages(): ImageInformation[] {
  cached ??= imageFromOsRelease(parseOsRelease(readOsRelease()));
  return [cached];
}

/** The same images grouped by node agent SKU, as `GET /nodeagentskus` of the older api-versions lists them. */
export function nodeAgentSkus(): NodeAgentSku[] {
  const bySku = new Map<string, NodeAgentSku>();
  for (const image of supportedImages()) {
    if (image.verificationType !== 'verified') continue;
    const sku = bySku.get(image.nodeAgentSKUId);
    if (sku === undefined) {
      const first = {
        id: image.nodeAgentSKUId,
        verifiedImageReferences: [image.imageReference],
        osType: image.osType,
      };
      bySku.set(image.nodeAgentSKUId, first);
    } else sku.verifiedImageReferences.push(image.imageReference);
  }
  return [...bySku.values()];
}
