import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** which resolves a command name on PATH (or checks a path) and returns its absolute path. */
export function which(command: string, path: string = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'): string | undefined {
  const executable = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (command.includes('/')) {
    const abs = isAbsolute(command) ? command : resolve(command);
    return executable(abs) ? abs : undefined;
  }
  for (const dir of path.split(delimiter)) {
    // A relative PATH entry (".", "bin") would make the answer depend on the working directory.
    if (isAbsolute(dir) && executable(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

/**
 * whichSystem is which on PATH, else the first of `dirs` that holds the command: a runtime called
 * by a daemon whose PATH lacks the sbin directories still finds Debian's nft, tc and ip.
 */
export function whichSystem(command: string, dirs: readonly string[] = ['/usr/sbin', '/sbin']): string | undefined {
  return which(command) ?? dirs.map((d) => join(d, command)).find((p) => which(p));
}
