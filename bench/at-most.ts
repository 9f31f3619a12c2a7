// Runs async jobs at most `n` at a time, in the order given (the pipe's and pgloader's "two at a time").

export async function atMost<T, R>(n: number, items: readonly T[], job: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await job(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return results;
}
