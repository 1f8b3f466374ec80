/**
 * Metric samples of one pool, as the formula's sample methods read them. Batch records a sample every 30 seconds;
 * so does Batchite (autoscale-sampler.ts). The history is bounded: the oldest samples drop off once
 * `capacity` are kept (a ring buffer), so memory stays constant however long a pool lives.
 */
export const SAMPLE_PERIOD_MS = 30_000;
/** 24 hours of 30-second samples. */
export const SAMPLE_CAPACITY = 2880;

export interface Sample {
  /** Milliseconds since the epoch (the service clock). */
  time: number;
  value: number;
}

export class SampleRing {
  private readonly buffer: Sample[] = [];
  private start = 0;

  constructor(private readonly capacity = SAMPLE_CAPACITY) {}

  add(sample: Sample): void {
    if (this.buffer.length < this.capacity) {
      this.buffer.push(sample);
      return;
    }
    this.buffer[this.start] = sample;
    this.start = (this.start + 1) % this.capacity;
  }

  get size(): number {
    return this.buffer.length;
  }

  /** Oldest first. */
  all(): Sample[] {
    return [...this.buffer.slice(this.start), ...this.buffer.slice(0, this.start)];
  }

  latest(): Sample | undefined {
    if (this.buffer.length === 0) return undefined;
    return this.buffer[(this.start + this.buffer.length - 1) % this.buffer.length];
  }
}

/** What an evaluation reads about a pool: current values of the read-only variables and their samples. */
export interface MetricSource {
  /** The variable's value now (e.g. `$CurrentDedicatedNodes`), or undefined when it is not one this pool has. */
  current(name: string): number | undefined;
  /** The variable's samples, oldest first. */
  samples(name: string): readonly Sample[];
}

/** Metrics from fixed values and samples; used by the tests and by `evaluateautoscale` on a stored history. */
export function fixedMetrics(
  current: Readonly<Record<string, number>>,
  samples: Readonly<Record<string, readonly Sample[]>> = {},
): MetricSource {
  return {
    current: (name) => current[name],
    samples: (name) => samples[name] ?? [],
  };
}
