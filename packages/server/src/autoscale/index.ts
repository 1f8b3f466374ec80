export { parseFormula, MAX_STATEMENTS } from './parser.js';
export { evaluateFormula, READ_ONLY_VARIABLES } from './evaluator.js';
export type { EvaluationInput, EvaluationOutcome } from './evaluator.js';
export { FormulaSyntaxError, FormulaEvaluationError, describePosition } from './errors.js';
export { SampleRing, fixedMetrics, SAMPLE_PERIOD_MS, type MetricSource, type Sample } from './samples.js';
export type { Formula } from './ast.js';
