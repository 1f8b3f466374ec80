/**
 * ISO-8601 durations as the Batch service reads and writes them (a .NET TimeSpan on the service side).
 *
 * Accepted: `P[nY][nM][nW][nD][T[nH][nM][n[.f]S]]`, non-negative, at least one component. Years and months are
 * converted the way .NET `XmlConvert.ToTimeSpan` does (1 year = 365 days, 1 month = 30 days, 12 months = 1 year);
 * `W` (weeks, 7 days) is accepted as a convenience. Seconds may carry a fraction; digits beyond the 7th (TimeSpan
 * ticks of 100 ns) are truncated. Values above TimeSpan.MaxValue are rejected.
 *
 * "Unlimited" is TimeSpan.MaxValue, written `P10675199DT2H48M5.4775807S`. In milliseconds that is
 * 922337203685477.5807; `UNLIMITED_MS` rounds it up to the integer 922337203685478. We deliberately do not use
 * `Number.MAX_SAFE_INTEGER`: `now + UNLIMITED_MS` must stay a valid `Date` (max 8.64e15 ms) and an exact integer.
 */

const TICKS_PER_MS = 10_000n;
const TICKS_PER_SECOND = 10_000_000n;
const TICKS_PER_MINUTE = 60n * TICKS_PER_SECOND;
const TICKS_PER_HOUR = 60n * TICKS_PER_MINUTE;
const TICKS_PER_DAY = 24n * TICKS_PER_HOUR;
/** .NET TimeSpan.MaxValue.Ticks. */
const MAX_TICKS = 9_223_372_036_854_775_807n;

export const UNLIMITED_DURATION = 'P10675199DT2H48M5.4775807S';

/** TimeSpan.MaxValue in milliseconds, rounded up to an integer. */
export const UNLIMITED_MS = 922_337_203_685_478;

/** Anything at or above this many milliseconds is TimeSpan.MaxValue, i.e. unlimited. */
const UNLIMITED_THRESHOLD_MS = 922_337_203_685_477;

const DURATION_PATTERN =
  /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d+))?S)?)?$/;

/** True when `ms` means "no limit" (TimeSpan.MaxValue). */
export function isUnlimitedDuration(ms: number): boolean {
  return ms >= UNLIMITED_THRESHOLD_MS;
}

/** Parses an ISO-8601 duration into milliseconds (fractional below 1 ms); undefined when invalid. */
export function parseDuration(text: string): number | undefined {
  const ticks = parseDurationTicks(text);
  if (ticks === undefined) return undefined;
  if (ticks === MAX_TICKS) return UNLIMITED_MS;
  return Number(ticks / TICKS_PER_MS) + Number(ticks % TICKS_PER_MS) / Number(TICKS_PER_MS);
}

/** Parses into 100-ns ticks; undefined when invalid or larger than TimeSpan.MaxValue. */
export function parseDurationTicks(text: string): bigint | undefined {
  if (typeof text !== 'string') return undefined;
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const [, years, months, weeks, days, hours, minutes, seconds, fraction] = match;
  const hasDate = [years, months, weeks, days].some((part) => part !== undefined);
  const hasTime = [hours, minutes, seconds].some((part) => part !== undefined);
  if (!hasDate && !hasTime) return undefined;
  if (text.trim().includes('T') && !hasTime) return undefined;

  const big = (part: string | undefined): bigint => (part === undefined ? 0n : BigInt(part));
  const monthCount = big(months);
  const totalDays =
    (big(years) + monthCount / 12n) * 365n + (monthCount % 12n) * 30n + big(weeks) * 7n + big(days);
  const fractionTicks = fraction === undefined ? 0n : BigInt(fraction.slice(0, 7).padEnd(7, '0'));
  const ticks =
    totalDays * TICKS_PER_DAY +
    big(hours) * TICKS_PER_HOUR +
    big(minutes) * TICKS_PER_MINUTE +
    big(seconds) * TICKS_PER_SECOND +
    fractionTicks;
  return ticks > MAX_TICKS ? undefined : ticks;
}

/**
 * Formats milliseconds as the service does: largest units first, zero units omitted, seconds with up to 7 trimmed
 * fractional digits (`PT1H`, `P7D`, `PT0.5S`, `P1DT2H30M`, `PT0S`). Unlimited values format as `UNLIMITED_DURATION`.
 * Throws RangeError for negative or non-finite input.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`Not a valid duration in milliseconds: ${ms}`);
  if (isUnlimitedDuration(ms)) return UNLIMITED_DURATION;
  const whole = Math.floor(ms);
  const subTicks = Math.round((ms - whole) * Number(TICKS_PER_MS));
  return formatDurationTicks(BigInt(whole) * TICKS_PER_MS + BigInt(subTicks));
}

/** Formats 100-ns ticks (see `formatDuration`). */
export function formatDurationTicks(ticks: bigint): string {
  if (ticks < 0n || ticks > MAX_TICKS) throw new RangeError(`Not a valid duration in ticks: ${ticks}`);
  const days = ticks / TICKS_PER_DAY;
  const hours = (ticks % TICKS_PER_DAY) / TICKS_PER_HOUR;
  const minutes = (ticks % TICKS_PER_HOUR) / TICKS_PER_MINUTE;
  const seconds = (ticks % TICKS_PER_MINUTE) / TICKS_PER_SECOND;
  const fraction = ticks % TICKS_PER_SECOND;

  let time = '';
  if (hours > 0n) time += `${hours}H`;
  if (minutes > 0n) time += `${minutes}M`;
  if (seconds > 0n || fraction > 0n) {
    const fractionText = fraction > 0n ? '.' + fraction.toString().padStart(7, '0').replace(/0+$/, '') : '';
    time += `${seconds}${fractionText}S`;
  }
  if (days === 0n && time === '') return 'PT0S';
  return `P${days > 0n ? `${days}D` : ''}${time === '' ? '' : `T${time}`}`;
}
