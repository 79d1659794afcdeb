// The control socket's wire format: one JSON object per line, requests one way, replies the other.
//
//   client ── {"request":"status"} ──────────────▶ server ── {"type":"status","status":{...}} ──▶ (closes)
//   client ── {"request":"stop","mode":"fast"} ──▶ server ── {"type":"accepted",...}
//                                                         ── {"type":"event","event":{...}} x N
//                                                         ── {"type":"done","exitCode":0,"verdict":"..."} ──▶ (closes)
import { err, ok, type Result } from '../errors.js';
import type { LogEvent } from '../log.js';
import type { Action, StopMode } from '../supervisor/phase.js';
import type { StatusSnapshot } from '../supervisor/status.js';

/** What a client may ask. */
export type ControlRequest =
  | { readonly request: 'status' }
  | { readonly request: 'stop'; readonly mode: StopMode }
  | { readonly request: 'reload' }
  | { readonly request: 'escalate' };

export type ControlRequestName = ControlRequest['request'];

/** What the server answers. */
export type ControlReply =
  | { readonly type: 'status'; readonly status: StatusSnapshot }
  /** The request became a supervisor event; `action` is what the phase at that moment makes of it. */
  | { readonly type: 'accepted'; readonly request: ControlRequestName; readonly phase: string; readonly action: Action }
  /** A log event published while a `stop` is in progress. */
  | { readonly type: 'event'; readonly event: LogEvent }
  /** The supervisor finished: its exit code and the shutdown verdict. */
  | { readonly type: 'done'; readonly exitCode: number; readonly verdict: string }
  | { readonly type: 'error'; readonly message: string };

/** Longest request line the server reads before it gives up on a client. */
export const MAX_REQUEST_BYTES = 4096;

/** One line of the wire format. */
export const encodeLine = (value: ControlRequest | ControlReply): string => `${JSON.stringify(value)}\n`;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A request line, checked. */
export function parseRequest(line: string): Result<ControlRequest, string> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return err('request is not JSON');
  }
  if (!isRecord(v)) return err('request is not a JSON object');
  switch (v.request) {
    case 'status':
    case 'reload':
    case 'escalate':
      return ok({ request: v.request });
    case 'stop': {
      const mode = v.mode ?? 'graceful';
      if (mode !== 'graceful' && mode !== 'fast') return err(`stop: mode must be "graceful" or "fast", got ${JSON.stringify(mode)}`);
      return ok({ request: 'stop', mode });
    }
    default:
      return err(`unknown request ${JSON.stringify(v.request)}; expected status, stop, reload or escalate`);
  }
}

const REPLY_TYPES = new Set(['status', 'accepted', 'event', 'done', 'error']);

/** A reply line; only its `type` is checked (the server is trusted, the framing is not). */
export function parseReply(line: string): Result<ControlReply, string> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return err(`reply is not JSON: ${line.slice(0, 80)}`);
  }
  if (!isRecord(v) || typeof v.type !== 'string' || !REPLY_TYPES.has(v.type)) return err(`unexpected reply: ${line.slice(0, 80)}`);
  return ok(v as unknown as ControlReply);
}

export { lineSplitter } from '../lines.js';
