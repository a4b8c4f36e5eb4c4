export * from './games.js';
export * from './npcs.js';
export * from './conflicts.js';
export * from './social.js';
export * from './canon.js';
export * from './content.js';
export * from './planned-actions.js';
