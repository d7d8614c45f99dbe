import { buildStaticTool } from './static-tool.js';

/**
 * buildUsock builds test/support/usock.c (busybox's nc cannot speak Unix sockets, and the image
 * has nothing else that can). Returns its path, or why it cannot.
 */
export function buildUsock(dir: string): { path: string } | { skip: string } {
  return buildStaticTool('usock', dir, 'the in-container socket client');
}
