export * from './states.js';
export * from './time.js';
export * from './size.js';
export * from './wire.js';
export * from './create-request.js';
export * from './webhooks.js';
export * from './image-limits.js';
export * from './error-codes.js';
