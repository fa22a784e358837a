/**
 * Parley's public contract (CONTRACT.md) in one module: message and frame types, error codes, limits, event detail
 * types, the valibot schemas (with the types inferred from them) and the web client's runtime config.
 *
 * Handlers import VALUES from the file that holds them (./frames, ./rest, ./events, ./limits...), not from here:
 * a module's top-level schema calls are not provably pure, so a bundle that imported this index would carry every
 * schema. Types may come from here freely (`import type` is erased). The web client re-exports the types from here
 * (web/src/types.ts) and takes values only from ./limits, which imports nothing.
 */
export * from './errors';
export * from './event-types';
export * from './events';
export * from './fields';
export * from './frames';
export * from './identity';
export * from './limits';
export * from './messages';
export * from './rest';
export * from './validate';
export type * from './web-config';
