/**
 * Timestamps as Batch writes them in bodies: ISO-8601 UTC with up to 7 fractional digits
 * (`2016-09-06T06:59:15.1161429Z`). JavaScript dates stop at milliseconds, so comparisons that must be exact use the
 * canonical form below: always UTC, always 7 fractional digits, which sorts lexicographically in time order.
 */

const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|z|[+-]\d{2}:?\d{2})?$/;

/**
 * Canonical UTC form of an ISO-8601 date or date-time (a missing zone means UTC) or of a `Date`;
 * undefined when the input is not a valid timestamp.
 */
export function canonicalInstant(value: unknown): string | undefined {
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? undefined : `${value.toISOString().slice(0, 23)}0000Z`;
  }
  if (typeof value !== 'string') return undefined;
  const match = ISO_PATTERN.exec(value.trim());
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone = 'Z'] = match;
  const fields = [year, month, day, hour, minute, second].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [y, mo, d, h, mi, s] = fields;
  const local = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  local.setUTCFullYear(y); // Date.UTC maps years 0..99 to 1900..1999
  const valid =
    local.getUTCMonth() === mo - 1 && local.getUTCDate() === d && h < 24 && mi < 60 && s < 60 && y > 0;
  if (!valid) return undefined;
  const utc = new Date(local.getTime() - zoneOffsetMinutes(zone) * 60_000);
  if (Number.isNaN(utc.getTime())) return undefined;
  return `${utc.toISOString().slice(0, 19)}.${fraction.slice(0, 7).padEnd(7, '0')}Z`;
}

function zoneOffsetMinutes(zone: string): number {
  if (zone === 'Z' || zone === 'z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return zone.startsWith('-') ? -minutes : minutes;
}

/** Formats epoch milliseconds the way the service writes timestamps (7 fractional digits). */
export function formatInstant(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}0000Z`;
}
