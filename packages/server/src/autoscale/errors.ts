/** Where in a formula something is, 1-based as Batch reports it ("Line 1, Col 24"). */
export interface Position {
  line: number;
  column: number;
}

export function describePosition(position: Position): string {
  return `Line ${position.line}, Col ${position.column}`;
}

/** A formula that does not parse: refused with 400 AutoScalingFormulaSyntaxError. */
export class FormulaSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly position: Position,
  ) {
    super(`${describePosition(position)}: ${reason}`);
    this.name = 'FormulaSyntaxError';
  }
}

/**
 * A formula that parsed but failed while evaluating: reported in `autoScaleRun.error`, the pool is not resized.
 * `InsufficientSampleData` is the code Batch uses when a metric lacks samples; the others are Batchite's.
 */
export type EvaluationErrorCode = 'InsufficientSampleData' | 'FormulaEvaluationError';

export class FormulaEvaluationError extends Error {
  constructor(
    readonly code: EvaluationErrorCode,
    readonly reason: string,
    readonly position: Position,
  ) {
    super(`${describePosition(position)}: ${reason}`);
    this.name = 'FormulaEvaluationError';
  }
}
