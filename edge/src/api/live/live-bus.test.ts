/**
 * The live bus on the real alert path: a real AlertDispatcher enqueueing through the tee into a
 * real SQLite outbox, driven by the EventRecorder with behaviour steps, as the agent wires it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { createLogger } from '../../log/logger.js';
import { AlertDispatcher } from '../../alerts/alert-dispatcher.js';
import { rawMessage } from '../../mqtt/outbox-publisher.js';
import { EventRecorder } from '../../pipeline/events/event-recorder.js';
import { episode } from '../../../test/event-steps.js';
import { useTempStores } from '../../../test/temp-store.js';
import { LiveBus, type LiveMessage } from './live-bus.js';

const openStore = useTempStores('mimamori-live-');
const SITE = 'store-001';
const T0 = Date.parse('2026-11-25T14:00:00+09:00');
const logLines: string[] = [];
const log = createLogger('live-test', { level: 'warn', write: (l) => logLines.push(l) });
const dispatchers: AlertDispatcher[] = [];
afterEach(() => {
  for (const d of dispatchers.splice(0)) d.close();
  logLines.length = 0;
});

function rig(now: () => number = () => T0, busOptions: ConstructorParameters<typeof LiveBus>[1] = {}) {
  const store = openStore();
  const config = parseConfig({ site: SITE, alerts: { atmLanguages: ['ja', 'en'], warningSeconds: 60 } }).alerts;
  const bus = new LiveBus(SITE, { atmLanguages: config.atmLanguages, now, log, ...busOptions });
  const outbox = bus.tee(store.outbox);
  const alerts = new AlertDispatcher(SITE, outbox, config, log, { now });
  dispatchers.push(alerts);
  alerts.start();
  const recorder = new EventRecorder(store, log, (e) => alerts.handle(e));
  const seen: LiveMessage[] = [];
  bus.subscribe((m) => seen.push(m));
  return { store, bus, outbox, alerts, recorder, seen };
}

describe('live bus', () => {
  it('sees every alert message the dispatcher enqueues, in outbox order, with its seq', async () => {
    const { store, recorder, seen, bus } = rig();
    const atm = episode(T0, { atmId: 'atm1' });
    await recorder.handle(atm.start('high'), null);
    const pending = store.outbox.pending(100);
    const kinds = seen.map((m) => m.kind);
    expect(kinds).toEqual(['event', 'atm_warning', 'clerk_alert', 'signal']);
    // The signal `off` from start() came before the subscription; the bus remembers it anyway.
    expect(seen.map((m) => m.seq)).toEqual(pending.slice(1).map((m) => m.seq));
    expect(seen[1]).toMatchObject({ atmId: 'atm1', data: { action: 'show', languages: ['ja', 'en'], seq: pending[2]!.seq } });
    expect(seen[3]!.data).toEqual({ state: 'on', seq: pending[4]!.seq });
    expect(bus.state().signal).toBe('on');
  });

  it('keeps what a reconnecting screen needs: open alerts, handled ones, the warning while it shows', async () => {
    let now = T0;
    const { recorder, bus, outbox } = rig(() => now);
    const atm = episode(T0, { atmId: 'atm1' });
    const rack = episode(T0, { behaviour: 'emoney_lingering' });
    await recorder.handle(atm.start('high'), null);
    await recorder.handle(rack.start('medium'), null);
    const atmEvent = bus.state().clerkAlerts[0]!.alert.eventId as string;
    const rackEvent = bus.state().clerkAlerts[1]!.alert.eventId as string;
    expect(bus.state().clerkAlerts.map((a) => a.status)).toEqual(['open', 'open']);
    expect(Object.keys(bus.state().atmWarnings)).toEqual(['atm1']);

    // The dashboard's ack goes out as the raw MQTT ack; a device's ack comes from the AckListener.
    outbox.enqueue(rawMessage(`mimamori/${SITE}/clerk/alerts/${atmEvent}/ack`, JSON.stringify({ by: 'clerk1', at: '2026-11-25T14:00:05.000+09:00' }), { qos: 1, retain: false }));
    await recorder.handle(rack.end(T0 + 10_000), null);
    const state = bus.state();
    expect(state.clerkAlerts.find((a) => a.alert.eventId === atmEvent)).toMatchObject({ status: 'acked', ack: { by: 'clerk1', at: '2026-11-25T14:00:05.000+09:00' }, ended: false });
    expect(state.clerkAlerts.find((a) => a.alert.eventId === rackEvent)).toMatchObject({ status: 'ended', ack: null, ended: true });

    // The warning drops out of the state once its `until` has passed, without a clear.
    now = T0 + 61_000;
    expect(bus.state().atmWarnings).toEqual({});
    // Handled alerts are kept for 30 minutes only.
    now = T0 + 31 * 60_000;
    expect(bus.state().clerkAlerts).toEqual([]);
  });

  it('does not announce an ack twice when the dashboard\'s own ack comes back from the broker', async () => {
    const { recorder, bus, outbox, seen } = rig();
    const atm = episode(T0, { atmId: 'atm1' });
    await recorder.handle(atm.start('high'), null);
    const eventId = bus.state().clerkAlerts[0]!.alert.eventId as string;
    outbox.enqueue(rawMessage(`mimamori/${SITE}/clerk/alerts/${eventId}/ack`, JSON.stringify({ by: 'clerk1', at: '2026-11-25T14:00:05.000+09:00' }), { qos: 1, retain: false }));
    bus.acknowledged({ eventId, by: 'clerk1', ackedAt: Date.parse('2026-11-25T14:00:05.000+09:00') });
    expect(seen.filter((m) => m.kind === 'ack')).toHaveLength(1);
    // An ack from a clerk device for an alert nobody has acknowledged is announced.
    const rack = episode(T0, { behaviour: 'emoney_lingering' });
    await recorder.handle(rack.start('medium'), null);
    const rackEvent = bus.state().clerkAlerts[1]!.alert.eventId as string;
    bus.acknowledged({ eventId: rackEvent, by: 'register-2', ackedAt: T0 + 3000 });
    expect(seen.filter((m) => m.kind === 'ack').map((m) => m.data.by)).toEqual(['clerk1', 'register-2']);
  });

  it('clears a warning only for the event it shows, and keeps at most `keepClosed` handled alerts', async () => {
    const { recorder, bus, outbox } = rig(() => T0, { keepClosed: 2 });
    outbox.enqueue({ topic: `mimamori/${SITE}/atm/atm1/warning`, qos: 1, retain: false, payload: { action: 'show', eventId: 'e-now', until: null, texts: {}, languages: [] } });
    outbox.enqueue({ topic: `mimamori/${SITE}/atm/atm1/warning`, qos: 1, retain: false, payload: { action: 'clear', eventId: 'e-old', until: null, texts: {}, languages: [] } });
    expect(bus.state().atmWarnings.atm1).toMatchObject({ eventId: 'e-now' });
    outbox.enqueue({ topic: `mimamori/${SITE}/atm/atm1/warning`, qos: 1, retain: false, payload: { action: 'clear', eventId: 'e-now', until: null, texts: {}, languages: [] } });
    expect(bus.state().atmWarnings).toEqual({});

    for (let i = 0; i < 4; i++) {
      const rack = episode(T0, { behaviour: 'emoney_lingering', trackId: i + 1 });
      await recorder.handle(rack.start('medium'), null);
      await recorder.handle(rack.end(T0 + 1000), null);
    }
    expect(bus.state().clerkAlerts).toHaveLength(2);
  });

  it('never lets a failing screen break the enqueue, and ignores topics the screens do not use', () => {
    const { bus, outbox, store } = rig();
    bus.subscribe(() => {
      throw new Error('socket gone');
    });
    const queued = outbox.enqueue({ topic: `mimamori/${SITE}/atm/atm1/warning`, qos: 1, retain: false, payload: { action: 'show', eventId: 'e1', until: null } });
    expect(store.outbox.get(queued.seq)).toBeDefined();
    expect(logLines.some((l) => l.includes('live listener failed'))).toBe(true);
    const before = bus.state();
    outbox.enqueue(rawMessage(`homeassistant/binary_sensor/mimamori_${SITE}/agent/config`, '', { qos: 1, retain: true }));
    outbox.enqueue(rawMessage(`mimamori/${SITE}/atmcam/phone_at_atm/state`, 'ON', { qos: 1, retain: true }));
    outbox.enqueue(rawMessage(`mimamori/other-site/clerk/signal`, 'on', { qos: 1, retain: true }));
    expect(bus.state()).toEqual(before);
  });
});
