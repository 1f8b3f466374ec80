/** ETags look like the real service's (`0x8D3D62350711C55`): opaque, unquoted, unique per write. */
export function formatEtag(sequence: number): string {
  return `0x8DE${sequence.toString(16).toUpperCase().padStart(12, '0')}`;
}

/** Writes a fresh eTag and lastModified into the document's entity. */
export function stampDoc<D extends { entity: object }>(doc: D, eTag: string, nowMs: number): D {
  return { ...doc, entity: { ...doc.entity, eTag, lastModified: new Date(nowMs).toISOString() } };
}

export type Stamp = <D extends { entity: object }>(doc: D) => D;

/**
 * Stamps documents with consecutive eTags from the sequence value `first` on, all with the same lastModified:
 * a transaction takes its range of the sequence once instead of once per document.
 */
export function stampRange(first: number, nowMs: number): Stamp {
  let next = first;
  const lastModified = new Date(nowMs).toISOString();
  return <D extends { entity: object }>(doc: D): D => ({
    ...doc,
    entity: { ...doc.entity, eTag: formatEtag(next++), lastModified },
  });
}
