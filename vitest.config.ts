import { defineConfig } from 'vitest/config';

// Docker tests share one engine and one CPU pair: run files one at a time so their timings and
// container counts do not interfere; unit tests are fast enough that this costs nothing.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['verbose'],
  },
});
