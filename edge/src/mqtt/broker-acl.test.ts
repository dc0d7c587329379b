/**
 * The embedded broker's roles and deploy/mosquitto/acl are one set of rules: the shipped file is
 * parsed here and must say, user for user and line for line, what broker-acl.ts says for its site
 * (store-001, ATM atm1, discovery prefix homeassistant).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { aclFor, filtersOverlap, maySubscribe, siteUsernames, topicMatches, usernameForSessionRole, type AclRule } from './broker-acl.js';

const ACL_FILE = path.resolve(import.meta.dirname, '../../../deploy/mosquitto/acl');
const CTX = { site: 'store-001', discoveryPrefix: 'homeassistant' };

/** mosquitto's acl format: `user <name>` starts a block, `topic [read|write|readwrite] <filter>` lines follow. */
function parseMosquittoAcl(text: string): Map<string, AclRule[]> {
  const users = new Map<string, AclRule[]>();
  let current: AclRule[] | null = null;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const words = line.split(/\s+/);
    if (words[0] === 'user' && words.length === 2) {
      current = [];
      users.set(words[1]!, current);
    } else if (words[0] === 'topic' && words.length === 3 && ['read', 'write', 'readwrite'].includes(words[1]!) && current) {
      current.push({ access: words[1] as AclRule['access'], topic: words[2]! });
    } else {
      throw new Error(`${ACL_FILE}:${i + 1}: not understood: ${line}`);
    }
  });
  return users;
}

describe('broker ACL', () => {
  it('is the same as deploy/mosquitto/acl', () => {
    const shipped = parseMosquittoAcl(fs.readFileSync(ACL_FILE, 'utf8'));
    const users = siteUsernames('store-001', ['atm1']);
    expect([...shipped.keys()].sort()).toEqual([...users].sort());
    for (const user of users) expect(aclFor(CTX, user), user).toEqual(shipped.get(user));
  });

  it('has the usernames of the credentials contract, two per ATM', () => {
    expect(siteUsernames('s1', ['atm1', 'atm-2'])).toEqual([
      'mimamori-agent', 'atm-atm1', 'atm-atm-2', 'atmctl-atm1', 'atmctl-atm-2', 'clerk-s1', 'relay-s1', 'homeassistant', 'dashboard-s1',
    ]);
  });

  it('gives an ATM user the rules of its own ATM only, and no rules to other names', () => {
    expect(aclFor(CTX, 'atm-atm-2')).toEqual([
      { access: 'read', topic: 'mimamori/store-001/atm/atm-2/warning' }, { access: 'read', topic: 'mimamori/store-001/status' },
    ]);
    expect(aclFor(CTX, 'atmctl-x')?.[0]).toEqual({ access: 'read', topic: 'mimamori/store-001/atm/x/interlock' });
    for (const stranger of ['clerk-other', 'atm-', 'atm-a/b', 'dashboard-store-0011', 'root', '']) expect(aclFor(CTX, stranger), stranger).toBeNull();
    expect(aclFor({ site: 's', discoveryPrefix: 'ha/x' }, 'mimamori-agent')?.[1]).toEqual({ access: 'readwrite', topic: 'ha/x/binary_sensor/mimamori_s/#' });
  });

  it('maps dashboard sessions: clerk to the clerk device, admin to the dashboard, others to nothing', () => {
    expect(usernameForSessionRole('s1', 'clerk')).toBe('clerk-s1');
    expect(usernameForSessionRole('s1', 'admin')).toBe('dashboard-s1');
    expect(usernameForSessionRole('s1', 'bank')).toBeNull();
    expect(usernameForSessionRole('s1', 'investigator')).toBeNull();
  });

  it.each([
    ['a/b', 'a/b', true], ['a/+', 'a/b', true], ['a/+', 'a/b/c', false], ['a/#', 'a', true], ['a/#', 'a/b/c', true],
    ['#', '$SYS/x', false], ['+/x', '$SYS/x', false], ['$SYS/#', '$SYS/x', true], ['a/+/c', 'a/b/d', false], ['a/b', 'a/b/c', false],
  ])('topicMatches(%s, %s) is %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });

  it.each([
    ['a/b', 'a/+', true], ['a/#', '#', true], ['a/+/c', 'a/b/+', true], ['a/b', 'a/c', false], ['a/b', 'a/b/c', false],
    ['a/b/#', 'a/b', true], ['a/+', 'a/b/c', false], ['#', '$SYS/#', false], ['$SYS/+', '$SYS/#', true],
  ])('filtersOverlap(%s, %s) is %s, either way round', (a, b, expected) => {
    expect(filtersOverlap(a, b)).toBe(expected);
    expect(filtersOverlap(b, a)).toBe(expected);
  });

  it('grants a subscription only when it can deliver something readable', () => {
    const atm = aclFor(CTX, 'atm-atm1')!;
    expect(maySubscribe(atm, 'mimamori/store-001/#')).toBe(true);
    expect(maySubscribe(atm, 'mimamori/store-001/atm/+/warning')).toBe(true);
    expect(maySubscribe(atm, 'mimamori/store-001/atm/atm2/warning')).toBe(false);
    // write-only rules do not grant reading: a clerk cannot listen to other clerks' acks.
    expect(maySubscribe(aclFor(CTX, 'clerk-store-001')!, 'mimamori/store-001/clerk/alerts/+/ack')).toBe(false);
  });
});
