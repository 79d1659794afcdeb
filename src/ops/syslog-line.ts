// One syslog datagram (RFC 3164 as glibc's syslog(3) writes it to /dev/log) as a record.
//
//   <PRI>Mmm dd hh:mm:ss [hostname ]prog[pid]: message
//
// glibc writes no hostname on the local socket; logger --rfc3164 and remote relays do.

/** syslog(3) severities, index = numeric value. */
export const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

export type Severity = (typeof SEVERITIES)[number];

/** One line a Cyrus program logged. */
export interface SyslogRecord {
  /** The tag (`imapd`, `ctl_cyrusdb`), undefined when the line has none. */
  readonly program: string | undefined;
  readonly pid: number | undefined;
  readonly severity: Severity;
  /** 2 = mail, 16..23 = local0..7. */
  readonly facility: number;
  /** `Nov 23 07:34:56`, as the sender wrote it (no year, sender's local time). */
  readonly timestamp: string | undefined;
  readonly message: string;
}

const HEADER = /^<(\d{1,3})>(?:([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) )?/;
const TAG = /^([^\s[\]:]+)(?:\[(\d+)\])?: ?/;

/** Parses a datagram; anything unrecognised is kept whole as the message with severity `notice` (pure). */
export function parseSyslogLine(datagram: string): SyslogRecord {
  const text = datagram.replace(/[\0\n]+$/, '');
  const head = HEADER.exec(text);
  const pri = head === null ? 13 : Math.min(Number(head[1]), 191); // 13 = user.notice, syslog's default
  let rest = head === null ? text : text.slice(head[0].length);
  let tag = TAG.exec(rest);
  if (tag === null) {
    // A hostname before the tag: skip one word and try again.
    const afterHost = rest.replace(/^\S+ /, '');
    const retry = TAG.exec(afterHost);
    if (retry !== null) {
      rest = afterHost;
      tag = retry;
    }
  }
  return {
    program: tag?.[1],
    pid: tag?.[2] === undefined ? undefined : Number(tag[2]),
    severity: SEVERITIES[pri & 7] ?? 'notice',
    facility: pri >> 3,
    timestamp: head?.[2],
    message: tag === null ? rest : rest.slice(tag[0].length),
  };
}
