// One pass over /proc finds real processes by the QUIESCE_TAG in their environment.
import { spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { scanTags, TAG_VARIABLE } from '../../src/child/tag-scan.js';

describe('scanTags', () => {
  it('finds a process by the exact QUIESCE_TAG it carries, among others of its environment', async () => {
    const tag = `test.${process.pid}.${Date.now()}`;
    const child = spawn('sleep', ['30'], { env: { A: 'x', [TAG_VARIABLE]: tag, B: 'y' }, stdio: 'ignore' });
    try {
      const pid = child.pid;
      expect(pid).toBeDefined();
      // The environ shows the tag once sleep has been exec'd.
      let pids: readonly number[] | undefined;
      for (let i = 0; i < 200 && pids === undefined; i++) {
        pids = scanTags().get(tag);
        if (pids === undefined) await delay(5);
      }
      expect(pids).toEqual([pid]);
      expect(scanTags().get(`${tag}0`)).toBeUndefined();
      // a pid to skip (a live child of the caller's) is not read at all
      expect(scanTags(new Set([pid ?? -1])).get(tag)).toBeUndefined();
    } finally {
      child.kill('SIGKILL');
    }
  });
});
