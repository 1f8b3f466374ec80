/** OData `$filter` and `$select` support for list operations (Azure Batch REST reference). */
export type {
  ComparisonOperator,
  FilterExpression,
  FilterOperator,
  FilterProperty,
  FilterSchema,
  FilterTarget,
  FilterValueType,
} from './odata-filter-types.js';
export { COMPARISON_OPERATORS, FilterError } from './odata-filter-types.js';
export { parseFilter } from './odata-filter-parser.js';
export { evaluateFilter, filterEquals } from './odata-filter-eval.js';
export {
  FILE_FILTER_SCHEMA,
  JOB_FILTER_SCHEMA,
  JOB_PREP_RELEASE_FILTER_SCHEMA,
  JOB_SCHEDULE_FILTER_SCHEMA,
  NODE_FILTER_SCHEMA,
  POOL_FILTER_SCHEMA,
  POOL_NODE_COUNTS_FILTER_SCHEMA,
  POOL_USAGE_METRICS_FILTER_SCHEMA,
  SUPPORTED_IMAGE_FILTER_SCHEMA,
  NODE_AGENT_SKU_FILTER_SCHEMA,
  TASK_FILTER_SCHEMA,
} from './odata-filter-schemas.js';
export { applySelect, parseSelect } from './odata-select.js';
