/**
 * The dispatcher on a real SQLite store, driven through the EventRecorder as the camera pipeline
 * drives it; what it decided is read back from the outbox as it would go on the wire. Time comes
 * from the steps and from tick(t), so reminders and the interlock's limit are tested to the
 * millisecond without waiting.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../config/load.js';
import { createLogger } from '../log/logger.js';
import type { Store } from '../store/store.js';
import { episode } from '../../test/event-steps.js';
import { useTempStores } from '../../test/temp-store.js';
import { EventRecorder } from '../pipeline/events/event-recorder.js';
import { AlertDispatcher } from './alert-dispatcher.js';
import { wirePayload } from '../mqtt/outbox-publisher.js';

const openStore = useTempStores('mimamori-dispatch-');
const SITE = 'store-001';
const T0 = Date.UTC(2026, 10, 25, 5, 0, 0);
const logLines: Record<string, unknown>[] = [];
const log = createLogger('dispatch-test', { level: 'info', write: (l) => logLines.push(JSON.parse(l) as Record<string, unknown>) });

const dispatchers: AlertDispatcher[] = [];
afterEach(() => {
  for (const d of dispatchers.splice(0)) d.close();
  logLines.length = 0;
  vi.useRealTimers();
});

interface Rig {
  store: Store;
  alerts: AlertDispatcher;
  recorder: EventRecorder;
  /** Everything enqueued on a topic, as published: JSON parsed, plain text as is. */
  on(topic: string): { payload: unknown; retain: boolean }[];
}

function rig(alerts: Record<string, unknown> = {}, now: () => number = () => T0): Rig {
  const store = openStore();
  const config = parseConfig({ site: SITE, alerts }).alerts;
  const dispatcher = new AlertDispatcher(SITE, store.outbox, config, log, { now });
  dispatchers.push(dispatcher);
  const recorder = new EventRecorder(store, log, (e) => dispatcher.handle(e));
  return {
    store,
    alerts: dispatcher,
    recorder,
    on: (topic) => store.outbox.pending(10_000).filter((m) => m.topic === `mimamori/${SITE}/${topic}`).map((m) => {
      const wire = wirePayload(m.payload);
      let payload: unknown = wire;
      try {
        payload = JSON.parse(wire);
      } catch {
        // plain text (on/off) stays a string
      }
      return { payload, retain: m.retain };
    }),
  };
}

const idOf = (r: Rig): string => (r.on('clerk/alerts')[0]!.payload as { eventId: string }).eventId;

describe('clerk relay signal', () => {
  it('is off (retained) at start, on while an alert is unacknowledged, off when all are acknowledged or ended', async () => {
    const r = rig();
    r.alerts.start();
    expect(r.on('clerk/signal')).toEqual([{ payload: 'off', retain: true }]);
    const a = episode(T0);
    const b = episode(T0, { behaviour: 'emoney_lingering' });
    await r.recorder.handle(a.start(), null);
    await r.recorder.handle(b.start('medium'), null);
    const [idA, idB] = r.on('clerk/alerts').map((m) => (m.payload as { eventId: string }).eventId);
    r.alerts.acknowledged(idA!);
    expect(r.on('clerk/signal').map((m) => m.payload)).toEqual(['off', 'on']);
    r.alerts.acknowledged(idB!);
    await r.recorder.handle(b.end(T0 + 20_000), null);
    await r.recorder.handle(a.end(T0 + 30_000), null);
    expect(r.on('clerk/signal')).toEqual([
      { payload: 'off', retain: true }, { payload: 'on', retain: true }, { payload: 'off', retain: true },
    ]);
    // A new alert turns it on again; its end turns it off.
    const c = episode(T0 + 60_000);
    await r.recorder.handle(c.start(), null);
    await r.recorder.handle(c.end(T0 + 70_000), null);
    expect(r.on('clerk/signal').map((m) => m.payload)).toEqual(['off', 'on', 'off', 'on', 'off']);
    expect(logLines.filter((l) => l.msg === 'clerk signal').map((l) => l.why)).toEqual([
      'agent started', `event ${idA!} alerted`, `event ${idB!} acknowledged`, expect.stringMatching(/alerted$/), expect.stringMatching(/ended$/),
    ]);
  });
});

describe('clerk alert reminders', () => {
  it('re-sends an unacknowledged alert every clerkResendSeconds up to clerkResendMax, until acknowledged', async () => {
    const r = rig({ clerkResendSeconds: 30, clerkResendMax: 2 });
    const a = episode(T0);
    await r.recorder.handle(a.start(), null);
    r.alerts.tick(T0 + 29_999);
    expect(r.on('clerk/alerts')).toHaveLength(1);
    r.alerts.tick(T0 + 30_000);
    await r.recorder.handle(a.update(T0 + 45_000), null);
    r.alerts.tick(T0 + 60_000);
    r.alerts.tick(T0 + 90_000);
    const sent = r.on('clerk/alerts').map((m) => m.payload as Record<string, unknown>);
    expect(sent.map((p) => p.resend)).toEqual([0, 1, 2]);
    expect(sent.map((p) => Date.parse(p.at as string))).toEqual([T0, T0 + 30_000, T0 + 60_000]);
    expect(new Set(sent.map((p) => p.eventId)).size).toBe(1);
    expect(new Set(sent.map((p) => p.seq)).size).toBe(3);
    expect(sent[2]).toMatchObject({ behaviour: 'phone_at_atm', severity: 'high', camera: 'atmcam', zone: 'atm-front', lang: 'ja' });
    expect(logLines.filter((l) => l.msg === 'clerk alert re-sent')).toHaveLength(2);
  });

  it('stops re-sending on an ack and when the event ends', async () => {
    const r = rig({ clerkResendSeconds: 30, clerkResendMax: 5 });
    const a = episode(T0);
    const b = episode(T0, { atmId: 'atm2' });
    await r.recorder.handle(a.start(), null);
    await r.recorder.handle(b.start(), null);
    const [idA] = r.on('clerk/alerts').map((m) => (m.payload as { eventId: string }).eventId);
    r.alerts.acknowledged(idA!);
    r.alerts.tick(T0 + 30_000);
    await r.recorder.handle(b.end(T0 + 40_000), null);
    r.alerts.tick(T0 + 60_000);
    r.alerts.tick(T0 + 600_000);
    const resent = r.on('clerk/alerts').map((m) => m.payload as { eventId: string; resend: number }).filter((p) => p.resend > 0);
    expect(resent).toHaveLength(1);
    expect(resent[0]!.eventId).not.toBe(idA);
    expect(logLines.some((l) => l.msg === 'clerk alert acknowledged, reminders stopped' && l.event === idA)).toBe(true);
  });

  it('runs its reminders from a timer on the injected clock after start(), and stops on close()', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'], now: T0 });
    const r = rig({ clerkResendSeconds: 30, clerkResendMax: 3 }, Date.now);
    r.alerts.start();
    await r.recorder.handle(episode(T0).start(), null);
    vi.advanceTimersByTime(30_000);
    expect(r.on('clerk/alerts').map((m) => (m.payload as { resend: number }).resend)).toEqual([0, 1]);
    r.alerts.close();
    vi.advanceTimersByTime(120_000);
    expect(r.on('clerk/alerts')).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('ATM interlock advice', () => {
  it('is off by default: no interlock topic at all', async () => {
    const r = rig();
    const a = episode(T0);
    await r.recorder.handle(a.start(), null);
    await r.recorder.handle(a.end(T0 + 10_000), null);
    expect(r.store.outbox.pending(1000).some((m) => m.topic.endsWith('/interlock'))).toBe(false);
    expect(r.alerts.suspendedAtms()).toEqual([]);
  });

  it('suspends when the event reaches a call and resumes on the ack (default), with the documented payload', async () => {
    let now = T0;
    const r = rig({ interlock: { enabled: true } }, () => now);
    const a = episode(T0, { atmId: 'atm3' });
    await r.recorder.handle(a.start('medium'), null);
    expect(r.on('atm/atm3/interlock')).toEqual([]);
    await r.recorder.handle(a.update(T0 + 4_000, 'high'), null);
    const id = idOf(r);
    expect(r.alerts.suspendedAtms()).toEqual(['atm3']);
    now = T0 + 50_000;
    r.alerts.acknowledged(id);
    await r.recorder.handle(a.end(T0 + 90_000), null);
    const advice = r.on('atm/atm3/interlock');
    expect(advice.map((m) => m.retain)).toEqual([false, false]);
    const [suspend, resume] = advice.map((m) => m.payload as Record<string, unknown>);
    expect(Object.keys(suspend!).sort()).toEqual(['action', 'at', 'eventId', 'reason', 'seq', 'until']);
    expect(suspend).toMatchObject({ action: 'suspend', eventId: id, reason: 'phone_call' });
    expect(Date.parse(suspend!.at as string)).toBe(T0 + 4_000);
    expect(Date.parse(suspend!.until as string)).toBe(T0 + 4_000 + 300_000);
    expect(suspend!.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
    expect(resume).toMatchObject({ action: 'resume', eventId: id, reason: 'acknowledged', until: null });
    expect(Date.parse(resume!.at as string)).toBe(T0 + 50_000);
    expect(logLines.filter((l) => l.msg === 'atm interlock').map((l) => [l.atm, l.action, l.reason])).toEqual([
      ['atm3', 'suspend', 'phone_call'], ['atm3', 'resume', 'acknowledged'],
    ]);
  });

  it('with resumeOn "end" holds through the ack until the event ends; maxSuspendSeconds caps it', async () => {
    const r = rig({ interlock: { enabled: true, resumeOn: 'end', maxSuspendSeconds: 60 } });
    const a = episode(T0);
    await r.recorder.handle(a.start(), null);
    r.alerts.acknowledged(idOf(r));
    r.alerts.tick(T0 + 59_999);
    expect(r.alerts.suspendedAtms()).toEqual(['atm1']);
    r.alerts.tick(T0 + 60_000);
    await r.recorder.handle(a.end(T0 + 70_000), null);
    expect(r.on('atm/atm1/interlock').map((m) => (m.payload as { reason: string }).reason)).toEqual(['phone_call', 'max_duration']);

    const b = episode(T0 + 100_000);
    await r.recorder.handle(b.start(), null);
    await r.recorder.handle(b.end(T0 + 110_000), null);
    expect(r.on('atm/atm1/interlock').map((m) => (m.payload as { reason: string }).reason)).toEqual(['phone_call', 'max_duration', 'phone_call', 'event_ended']);
  });

  it('resumes ATMs whose call events a crashed run left open', async () => {
    const r = rig({ interlock: { enabled: true } });
    const a = episode(T0, { atmId: 'atm9' });
    await r.recorder.handle(a.start(), null);
    const leftOpen = r.store.events.list({ open: true, limit: 10 });
    const fresh = new AlertDispatcher(SITE, r.store.outbox, parseConfig({ site: SITE, alerts: { interlock: { enabled: true } } }).alerts, log, { now: () => T0 + 1_000 });
    fresh.resumeAfterRestart([...leftOpen, ...leftOpen.map((e) => ({ ...e, behaviour: 'emoney_lingering' as const }))]);
    expect(r.on('atm/atm9/interlock').map((m) => m.payload as Record<string, unknown>)).toEqual([
      expect.objectContaining({ action: 'suspend' }),
      expect.objectContaining({ action: 'resume', eventId: leftOpen[0]!.id, reason: 'agent_restart' }),
    ]);
  });
});
