import { text } from 'drizzle-orm/pg-core';
import { games } from './games.js';

/** The `game_id` column every game-scoped table carries; deleting a game deletes its rows. */
export const gameIdColumn = () =>
  text('game_id')
    .notNull()
    .references(() => games.id, { onDelete: 'cascade' });
