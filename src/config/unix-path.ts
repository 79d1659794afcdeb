// Whether a path fits in a Unix socket address: the kernel refuses a longer one at bind(2).
import { quoted } from './describe.js';
import { LIMITS } from './limits.js';

/** undefined when `path` can be bound, else what is wrong ("is 140 bytes long, ..."). */
export function unixPathProblem(path: string): string | undefined {
  const bytes = Buffer.byteLength(path);
  return bytes > LIMITS.unixPathBytes ? `${quoted(path)} is ${bytes} bytes long, more than the ${LIMITS.unixPathBytes} a Unix socket path can have (sockaddr_un)` : undefined;
}
