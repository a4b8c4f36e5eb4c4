/**
 * `promise`, or `onTimeout()` once `ms` pass first (`ms` undefined: no deadline). The timer is
 * cleared either way, so a settled race leaves no handle behind.
 */
export async function raceDeadline<T, F>(promise: Promise<T>, ms: number | undefined, onTimeout: () => F): Promise<T | F> {
  if (ms === undefined) return promise;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<F>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onTimeout());
      } catch (error) {
        reject(error);
      }
    }, ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
