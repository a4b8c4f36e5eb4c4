/** `nyx/scenarios`: the scenario file format (its zod schema and types) and its loader. */
export * from '../conflict/scenarios/index.js';
