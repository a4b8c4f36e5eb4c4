/** A random source that replays the given values and fails loudly if asked for more. */
export function sequence(...values: number[]): () => number {
  return () => {
    const value = values.shift();
    if (value === undefined) throw new Error('random() called more often than expected');
    return value;
  };
}

/** For rules that must decide without rolling. */
export const noRandom = sequence();
