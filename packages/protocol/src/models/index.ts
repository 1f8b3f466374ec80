export * from './api-version.js';
export * from './enums.js';
export * from './common.js';
export * from './pool.js';
export * from './node.js';
export * from './job.js';
export * from './task.js';
export * from './file.js';
