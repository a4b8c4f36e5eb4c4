import { eq } from 'drizzle-orm';
import type { Database } from '../../runtime/db/database.js';
import { canonEvents } from './schema/canon.js';

export interface CanonApplication {
  eventId: number;
  /** True when this call wrote the event. */
  applied: boolean;
  /** True when the request id was already applied; `payload` is then the first application's. */
  replayed: boolean;
  payload: Record<string, unknown>;
}

/**
 * The canon event log (the seed's `canon.apply_event`). Applying is idempotent on the request id,
 * so a retried worker task never writes the same canon twice.
 */
export class CanonLedger {
  constructor(private readonly db: Database) {}

  async apply(gameId: string, requestId: string, payload: Record<string, unknown>): Promise<CanonApplication> {
    const [inserted] = await this.db.orm
      .insert(canonEvents)
      .values({ gameId, requestId, payload })
      .onConflictDoNothing({ target: canonEvents.requestId })
      .returning({ eventId: canonEvents.eventId, payload: canonEvents.payload });
    if (inserted) return { ...inserted, applied: true, replayed: false };

    const [first] = await this.db.orm
      .select({ eventId: canonEvents.eventId, payload: canonEvents.payload })
      .from(canonEvents)
      .where(eq(canonEvents.requestId, requestId));
    // Only a concurrent delete between the two statements could leave nothing here.
    if (!first) throw new Error(`canon event ${requestId} conflicted on insert but cannot be read`);
    return { ...first, applied: false, replayed: true };
  }
}
