/**
 * Limiter runs at most `limit` tasks at once; urgent tasks jump the queue. The relay opens
 * netns sockets through it: each costs a short-lived Node child, and a restarted relay
 * re-opens one per container (a query waiting on its container's socket is urgent).
 */
export class Limiter {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** run starts task when a slot is free and resolves with its result. */
  run<T>(task: () => Promise<T>, urgent = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        this.running++;
        task()
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            this.queue.shift()?.();
          });
      };
      if (this.running < this.limit) start();
      else if (urgent) this.queue.unshift(start);
      else this.queue.push(start);
    });
  }
}
