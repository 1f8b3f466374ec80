export * from './errors.js';
export * from './ids.js';
export * from './shared-key.js';
export * from './duration.js';
export * from './models/index.js';
export * from './validate.js';
export * from './datetime.js';
export * from './odata.js';
