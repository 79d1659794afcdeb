// The fatal path never throws and runs every cleanup, whatever the others do.
import { describe, expect, it } from 'vitest';
import { onFatal, reportFatalTo, runFatalPath } from '../../src/fatal.js';

describe('fatal path', () => {
  it('runs every cleanup even when the report and a cleanup throw, and only once', () => {
    const ran: string[] = [];
    reportFatalTo(() => {
      throw new Error('the log is broken too');
    });
    onFatal(() => ran.push('stop children'));
    onFatal(() => {
      throw new Error('pidfile already gone');
    });
    onFatal(() => ran.push('remove socket'));
    expect(() => runFatalPath(new Error('bug'))).not.toThrow();
    runFatalPath(new Error('a second fault while exiting'));
    expect(ran).toEqual(['stop children', 'remove socket']);
  });
});
