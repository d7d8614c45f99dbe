import { describe, expect, it } from 'vitest';
import { startedDuring, trackPending } from './pending-work.js';

describe('pending work of a create', () => {
  it('startedDuring returns only what fn started, settled even when it rejects', async () => {
    let release = (): void => undefined;
    trackPending(new Promise<void>((r) => (release = r))); // another create's, still running
    let done = false;
    const { value, work } = startedDuring(() => {
      trackPending(new Promise((r) => setTimeout(r, 20)).then(() => (done = true)));
      trackPending(Promise.reject(new Error('relay down')));
      return 7;
    });
    expect(value).toBe(7);
    expect(work).toHaveLength(2);
    await Promise.all(work);
    expect(done).toBe(true);
    release();
  });
});
