export * from './helpers.js';
export * from './common.js';
export * from './errors.js';
export * from './conferences.js';
export * from './conference-tokens.js';
export * from './admin.js';
