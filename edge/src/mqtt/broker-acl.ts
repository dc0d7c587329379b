/**
 * Who may read and write which topics: the one definition of the site's MQTT roles. The embedded
 * broker enforces it, and deploy/mosquitto/acl is the same rules written out for mosquitto (a test
 * parses that file and compares it with this one), so a site keeps its device rights when it moves
 * from the embedded broker to its own mosquitto. Topic layout: docs/mqtt.md.
 */
import type { Role } from '../store/store.js';
import { topicMatches as filterMatches } from './mqtt-connection.js';

export type Access = 'read' | 'write' | 'readwrite';

export interface AclRule {
  readonly access: Access;
  /** A topic filter (`+` and `#` as in MQTT). */
  readonly topic: string;
}

export interface AclContext {
  readonly site: string;
  /** Home Assistant's discovery prefix (mqtt.homeAssistant.discoveryPrefix). */
  readonly discoveryPrefix: string;
}

/** `{site}`, `{atmId}` and `{prefix}` are filled in per site, ATM and discovery prefix. */
interface RoleTemplate {
  readonly user: string;
  readonly rules: readonly (readonly [Access, string])[];
}

const ROLE_TEMPLATES: readonly RoleTemplate[] = [
  // The agent: the only publisher of status, events, warnings, alerts, signals and interlocks.
  { user: 'mimamori-agent', rules: [['readwrite', 'mimamori/{site}/#'], ['readwrite', '{prefix}/binary_sensor/mimamori_{site}/#']] },
  // An ATM display reads only its own ATM's warnings (the text it shows the customer).
  { user: 'atm-{atmId}', rules: [['read', 'mimamori/{site}/atm/{atmId}/warning'], ['read', 'mimamori/{site}/status']] },
  // A bank's ATM controller reads only its ATM's interlock advice, and status to distrust old advice.
  { user: 'atmctl-{atmId}', rules: [['read', 'mimamori/{site}/atm/{atmId}/interlock'], ['read', 'mimamori/{site}/status']] },
  {
    user: 'clerk-{site}',
    rules: [['read', 'mimamori/{site}/clerk/alerts'], ['write', 'mimamori/{site}/clerk/alerts/+/ack'], ['read', 'mimamori/{site}/status']],
  },
  { user: 'relay-{site}', rules: [['read', 'mimamori/{site}/clerk/signal'], ['read', 'mimamori/{site}/status']] },
  {
    user: 'homeassistant',
    rules: [['read', '{prefix}/#'], ['write', '{prefix}/status'], ['read', 'mimamori/{site}/status'], ['read', 'mimamori/{site}/+/+/state']],
  },
  { user: 'dashboard-{site}', rules: [['read', 'mimamori/{site}/#'], ['write', 'mimamori/{site}/clerk/alerts/+/ack']] },
];

export const AGENT_USER = 'mimamori-agent';

function fill(template: string, ctx: AclContext, atmId: string | null): string {
  return template.replaceAll('{site}', ctx.site).replaceAll('{prefix}', ctx.discoveryPrefix).replaceAll('{atmId}', atmId ?? '{atmId}');
}

/** Every username the site's broker knows: one per role, and two per ATM (display and controller). */
export function siteUsernames(site: string, atmIds: readonly string[]): string[] {
  const ctx: AclContext = { site, discoveryPrefix: '' };
  return ROLE_TEMPLATES.flatMap((t) => (t.user.includes('{atmId}') ? atmIds.map((atm) => fill(t.user, ctx, atm)) : [fill(t.user, ctx, null)]));
}

/** The rules of `username` on this site, or null for a name that is no role of it. */
export function aclFor(ctx: AclContext, username: string): AclRule[] | null {
  for (const t of ROLE_TEMPLATES) {
    const [before, after = ''] = fill(t.user, ctx, null).split('{atmId}');
    let atmId: string | null = null;
    if (t.user.includes('{atmId}')) {
      if (!username.startsWith(before!) || !username.endsWith(after) || username.length <= before!.length + after.length) continue;
      atmId = username.slice(before!.length, username.length - after.length);
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(atmId)) continue;
    } else if (username !== before) {
      continue;
    }
    return t.rules.map(([access, topic]) => ({ access, topic: fill(topic, ctx, atmId) }));
  }
  return null;
}

/**
 * The broker user a dashboard session acts as over the WebSocket: a clerk's session has a clerk
 * device's rights, an admin's the dashboard's. Other roles (bank, investigator) have no business
 * on the site's live topics.
 */
export function usernameForSessionRole(site: string, role: Role): string | null {
  if (role === 'clerk') return `clerk-${site}`;
  if (role === 'admin') return `dashboard-${site}`;
  return null;
}

/** Whether `topic` (no wildcards) matches `filter`; as in MQTT, `$` topics never match a leading wildcard. */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  return filterMatches(filter, topic);
}

/** Whether some topic matches both filters (a subscription that can deliver something allowed). */
export function filtersOverlap(a: string, b: string): boolean {
  const x = a.split('/');
  const y = b.split('/');
  const wildcard = (level: string | undefined): boolean => level === '+' || level === '#';
  if ((a.startsWith('$') && wildcard(y[0])) || (b.startsWith('$') && wildcard(x[0]))) return false;
  for (let i = 0; ; i++) {
    const p = x[i];
    const q = y[i];
    if (p === '#' || q === '#') return true;
    if (p === undefined || q === undefined) return p === q;
    if (p !== '+' && q !== '+' && p !== q) return false;
  }
}

const reads = (r: AclRule): boolean => r.access !== 'write';
const writes = (r: AclRule): boolean => r.access !== 'read';

export function mayPublish(rules: readonly AclRule[], topic: string): boolean {
  return rules.some((r) => writes(r) && topicMatches(r.topic, topic));
}

export function mayReceive(rules: readonly AclRule[], topic: string): boolean {
  return rules.some((r) => reads(r) && topicMatches(r.topic, topic));
}

/**
 * A subscription is granted when it can deliver something the user may read; what it delivers is
 * still checked per message (mayReceive), as mosquitto does, so `mimamori/<site>/#` from an ATM
 * display brings it its own warnings and nothing else.
 */
export function maySubscribe(rules: readonly AclRule[], filter: string): boolean {
  return rules.some((r) => reads(r) && filtersOverlap(r.topic, filter));
}
