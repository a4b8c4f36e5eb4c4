/** The rules' dice: a number in [0, 1), as `Math.random` returns. */
export type Random = () => number;
