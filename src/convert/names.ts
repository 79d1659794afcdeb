// Entry names: cyrus.conf lets START and EVENTS repeat a name and lets a name appear in several
// sections; quiesce names every child by its entry name alone (logs, control socket), so its
// names are unique across the whole file.
import type { CyrusEntry, CyrusSectionName } from './parse.js';

/** An entry to name; `convertible` is false when it is dropped anyway (it then takes no name). */
export interface NameRequest {
  readonly section: CyrusSectionName;
  readonly entry: CyrusEntry;
  readonly convertible: boolean;
}

/** The YAML key of an entry, or why it is dropped; `note` says why it was renamed. */
export type NameDecision =
  | { readonly kind: 'named'; readonly name: string; readonly note: string | undefined }
  | { readonly kind: 'dropped'; readonly note: string };

/**
 * Who keeps a shared name. A SERVICES or DAEMON name is its children's CYRUS_SERVICE, which
 * also selects service-specific imapd.conf options (`imaps_...`), so it never changes; an EVENTS
 * name shows in every periodic log line; a START name is seen once.
 */
const KEEPS_NAME_FIRST: readonly CyrusSectionName[] = ['SERVICES', 'DAEMON', 'EVENTS', 'START', 'SHUTDOWN'];

const SUFFIX: Readonly<Record<CyrusSectionName, string>> = { START: 'start', SERVICES: 'service', EVENTS: 'event', DAEMON: 'daemon', SHUTDOWN: 'shutdown' };

/** Names every entry; requests come in file order, and each section keeps its file order. */
export function assignNames(requests: readonly NameRequest[]): Map<CyrusEntry, NameDecision> {
  const decisions = new Map<CyrusEntry, NameDecision>();
  const owner = new Map<string, CyrusSectionName>();
  for (const section of KEEPS_NAME_FIRST) {
    for (const { entry, convertible } of requests.filter((r) => r.section === section)) {
      const earlier = owner.get(entry.name);
      if (earlier === section && (section === 'SERVICES' || section === 'DAEMON')) {
        decisions.set(entry, { kind: 'dropped', note: `a second ${section} entry named \`${entry.name}\` is refused by Cyrus master, dropped` });
        continue;
      }
      if (!convertible) continue;
      let name = entry.name;
      let note: string | undefined;
      if (earlier === section) {
        for (let n = 2; owner.has(name); n++) name = `${entry.name}${n}`;
        note = `a second ${section} entry named \`${entry.name}\` is renamed \`${name}\`, as YAML keys are unique`;
      } else if (earlier !== undefined) {
        name = `${entry.name}-${SUFFIX[section]}`;
        for (let n = 2; owner.has(name); n++) name = `${entry.name}-${SUFFIX[section]}${n}`;
        note = `\`${entry.name}\` also names an entry in ${earlier} and quiesce names are unique across sections: renamed \`${name}\``;
      }
      owner.set(name, section);
      decisions.set(entry, { kind: 'named', name, note });
    }
  }
  return decisions;
}
