import { describe, expect, it } from 'vitest';
import { atFromCron, atFromInt, readCyrusInt, readCyrusSwitch } from '../../../src/convert/values.js';

describe('readCyrusSwitch reads a value as masterconf_getswitch does', () => {
  it.each([
    ['0', false], ['n', false], ['no', false], ['off', false], ['false', false], ['f', false],
    ['1', true], ['y', true], ['yes', true], ['on', true], ['true', true], ['t', true],
    ['2', undefined], ['Yes', undefined], ['', undefined], ['o', undefined],
  ])('%j -> %j', (value, expected) => {
    expect(readCyrusSwitch(value)).toBe(expected);
  });
});

describe('readCyrusInt reads a value as masterconf_getint (atoi) does', () => {
  it.each([
    ['30', { n: 30, exact: true }],
    ['-1', { n: -1, exact: true }],
    ['0400', { n: 400, exact: true }],
    ['10x', { n: 10, exact: false }],
    ['x10', undefined],
    ['+5', undefined],
    ['', undefined],
  ])('%j -> %j', (value, expected) => {
    expect(readCyrusInt(value)).toEqual(expected);
  });
});

describe('daily times', () => {
  it.each([
    [400, '0400'], [401, '0401'], [0, '0000'], [2359, '2359'], [2400, undefined], [1260, undefined], [-1, undefined],
  ])('at=%i -> %j', (at, expected) => {
    expect(atFromInt(at)).toBe(expected);
  });

  it.each([
    ['00 04 * * *', '0400'], ['30 4 * * *', '0430'], ['0,30 * * * *', undefined], ['*/30 * * * *', undefined],
    ['0 4 * * 1', undefined], ['60 4 * * *', undefined],
  ])('cron=%j -> %j', (spec, expected) => {
    expect(atFromCron(spec)).toBe(expected);
  });
});
