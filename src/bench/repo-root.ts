import { fileURLToPath } from 'node:url';

/** repoRoot is the checkout this benchmark runs from (dist/bench/ → ../../). */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
