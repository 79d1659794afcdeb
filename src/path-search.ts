// Looking a program up in PATH, the one way quiesce does it: absolute directories only (a relative
// entry such as `.` or an empty one would make the result depend on the working directory).
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** An executable regular file. */
export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The absolute path of `name` in the directories of `pathEnv` for which `accept` holds (an executable file by default). */
export function findInPath(name: string, pathEnv: string | undefined, accept: (path: string) => boolean = isExecutableFile): string | undefined {
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (accept(candidate)) return candidate;
  }
  return undefined;
}
