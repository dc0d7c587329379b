/**
 * An external mosquitto (Debian's) is killed with SIGKILL while the agent publishes, and comes
 * back 8 s later. What must hold: the agent runs on, /api/status says mqtt.connected false during
 * the outage and true after, every event message written to the outbox is published once the
 * broker is back and reaches a subscriber (none left behind, none lost).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Sqlite from 'better-sqlite3';
import { freePort } from '../../test/free-port.js';
import { startMosquitto, type Mosquitto } from '../../test/mosquitto.js';
import { chaosRun } from '../harness/chaos-run.js';
import { SITE } from '../harness/chaos-site.js';
import { MqttObserver } from '../harness/mqtt-observer.js';
import { killAll, processesMentioning } from '../harness/process-tree.js';
import { awaitStatus, recordRecovery } from '../harness/recovery.js';
import type { ScenarioResult } from '../harness/verdict.js';

const OUTAGE_MS = 8_000;
/**
 * Mosquitto saves sessions only every 30 minutes by default, so a SIGKILL would also wipe the
 * subscriber's session and make the subscriber, not the agent, lose messages: save every second.
 */
const PERSIST_SESSIONS = { extraConfig: ['autosave_interval 1', 'autosave_on_changes false'] };

interface OutboxRow { seq: number; topic: string; payload: string; published_at: number | null; created_at: number }

function eventMessages(dataDir: string): OutboxRow[] {
  const db = new Sqlite(join(dataDir, 'mimamori.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT seq, topic, payload, published_at, created_at FROM outbox WHERE topic LIKE '%/events' ORDER BY seq").all() as OutboxRow[];
  } finally {
    db.close();
  }
}

export async function brokerKilledDuringBurst(): Promise<ScenarioResult> {
  const dir = await mkdtemp(join(tmpdir(), 'mimamori-chaos-broker-'));
  const port = await freePort();
  let broker: Mosquitto | null = await startMosquitto(port, join(dir, 'mosquitto'), PERSIST_SESSIONS);
  return chaosRun('broker killed (SIGKILL) during a burst', {
    mqttUrl: broker.url,
    cleanup: async () => {
      await broker?.stop();
      await rm(dir, { recursive: true, force: true });
    },
  }, async (run) => {
    const { agent, verdict } = run;
    const observer = await MqttObserver.connect(broker!.url, `mimamori/${SITE}/#`, { clientId: 'chaos-burst-observer' });
    try {
      const connected = await awaitStatus(agent, (s) => s.mqtt.connected, 20_000);
      verdict.check(connected.ok, 'the agent never connected to the external broker');
      // The burst: events and their updates stream from the walkers; kill the broker mid-stream.
      await awaitStatus(agent, () => observer.messages.some((m) => m.topic.endsWith('/events')), 30_000);
      await sleep(1500); // past the next autosave: the subscriber's session is on disk
      killAll(processesMentioning(join(dir, 'mosquitto'), 'mosquitto').map((p) => p.pid));
      const killedAt = Date.now();
      const told = await awaitStatus(agent, (s) => !s.mqtt.connected, OUTAGE_MS);
      verdict.check(told.ok, `/api/status kept saying mqtt.connected: true for ${OUTAGE_MS / 1000} s after the broker was killed`);
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - killedAt)));
      await broker!.stop(); // reaps the killed child
      broker = await startMosquitto(port, join(dir, 'mosquitto'), PERSIST_SESSIONS);
      const end = Date.now();
      const back = await awaitStatus(agent, (s) => s.mqtt.connected && s.mqtt.pending === 0, 30_000, end);
      verdict.check(back.ok, `within 30 s of the broker's return the agent was not connected with an empty outbox: mqtt ${JSON.stringify(back.last?.mqtt)}`);
      await recordRecovery(agent, verdict, 'the broker coming back', end, 30_000);
      // Every event message enqueued up to now is published and reached the subscriber.
      await sleep(2000);
      const rows = eventMessages(run.site.dataDir).filter((r) => r.created_at <= end);
      const unpublished = rows.filter((r) => r.published_at === null);
      verdict.check(unpublished.length === 0, `${unpublished.length} of ${rows.length} event message(s) in the outbox were never published after the broker came back (first seq ${unpublished[0]?.seq})`);
      // Messages enqueued while the broker was down must arrive after its return (the subscriber's
      // session lives in the broker's persistence, so the connected-before ones are not counted).
      const duringOutage = rows.filter((r) => r.created_at > killedAt);
      const received = new Set(observer.messages.filter((m) => m.topic.endsWith('/events')).map((m) => m.text));
      const missing = duringOutage.filter((r) => !received.has(r.payload));
      verdict.check(missing.length === 0, `${missing.length} of ${duringOutage.length} event message(s) enqueued during the outage never reached the subscriber: seq ${missing.slice(0, 5).map((r) => r.seq).join(', ')}`);
      run.verdict.check(duringOutage.length > 0, 'no event message was enqueued during the outage: the burst did not overlap the fault');
    } finally {
      await observer.close();
    }
  });
}
