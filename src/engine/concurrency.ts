// At most n tasks at a time; the rest wait their turn in order (downloads, uploads).

export type Limiter = <T>(task: () => Promise<T>, onQueued?: () => void) => Promise<T>;

export function limitConcurrency(n: number): Limiter {
  let running = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    running--;
    queue.shift()?.();
  };
  return <T>(task: () => Promise<T>, onQueued?: () => void) =>
    new Promise<T>((resolve, reject) => {
      const start = () => {
        running++;
        task().then(resolve, reject).finally(next);
      };
      if (running < n) start();
      else {
        onQueued?.();
        queue.push(start);
      }
    });
}
