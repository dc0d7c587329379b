/**
 * Home Assistant MQTT discovery (optional, off by default), so a store that already runs Home
 * Assistant sees each camera's behaviours as binary sensors without configuring anything.
 *
 * Layout, after the conventions of zigbee2mqtt and Frigate: one Home Assistant device per site (the
 * agent, with a diagnostic connectivity sensor on the status topic) and one per camera linked to
 * it (`via_device`); per camera one binary sensor for each behaviour its zones can raise, `ON`
 * while an event of that behaviour is open on that camera. Every entity's availability is the
 * site's status topic (`online`/`offline`, retained, with the broker's last will), so Home
 * Assistant shows them unavailable when the agent is gone rather than a stale state.
 *
 * Configs and states are retained and go through the outbox like every other message. On start the
 * states are set `OFF` (no event is open at start; an `ON` retained by a crashed run must not
 * stay), and a retained config of this site for a camera or behaviour no longer configured is
 * cleared with an empty retained message, which is how discovery removes an entity.
 */
import type { CameraConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { emoneyLingering } from '../pipeline/behaviours/emoney-lingering.js';
import { phoneAtAtm } from '../pipeline/behaviours/phone-at-atm.js';
import type { BehaviourName } from '../pipeline/behaviours/types.js';
import type { RecordedEvent } from '../pipeline/events/event-recorder.js';
import type { Outbox } from '../mqtt/outbox.js';
import type { MqttConnection } from '../mqtt/mqtt-connection.js';
import { STATUS_OFFLINE, STATUS_ONLINE } from '../mqtt/mqtt-connection.js';
import { rawMessage } from '../mqtt/outbox-publisher.js';

export const STATE_ON = 'ON';
export const STATE_OFF = 'OFF';

export const statusTopic = (site: string): string => `mimamori/${site}/status`;
export const behaviourStateTopic = (site: string, camera: string, behaviour: BehaviourName): string =>
  `mimamori/${site}/${camera}/${behaviour}/state`;

const LABELS: Record<BehaviourName, string> = {
  phone_at_atm: 'Phone at ATM',
  emoney_lingering: 'Lingering at e-money cards',
};

/** The behaviours a camera's zones can raise, in a fixed order. */
export function behavioursOf(camera: Pick<CameraConfig, 'zones'>): BehaviourName[] {
  return [phoneAtAtm, emoneyLingering].filter((rule) => camera.zones.some((z) => rule.appliesTo(z))).map((rule) => rule.behaviour);
}

export interface HomeAssistantOptions {
  readonly discoveryPrefix: string;
  /** The agent's version, shown on the device page. */
  readonly swVersion: string;
}

export interface DiscoveryMessage {
  readonly topic: string;
  readonly config: Record<string, unknown>;
}

const nodeId = (site: string): string => `mimamori_${site}`;

/** Every discovery config for the site: the agent's connectivity sensor, then camera × behaviour. */
export function discoveryMessages(site: string, cameras: readonly Pick<CameraConfig, 'id' | 'zones'>[], options: HomeAssistantOptions): DiscoveryMessage[] {
  const node = nodeId(site);
  const origin = { name: 'Mimamori', sw_version: options.swVersion };
  const agentDevice = { identifiers: [node], name: `Mimamori ${site}`, manufacturer: 'Mimamori', model: 'Edge agent', sw_version: options.swVersion };
  const availability = [{ topic: statusTopic(site), payload_available: STATUS_ONLINE, payload_not_available: STATUS_OFFLINE }];
  const topic = (objectId: string): string => `${options.discoveryPrefix}/binary_sensor/${node}/${objectId}/config`;
  const messages: DiscoveryMessage[] = [{
    topic: topic('agent'),
    config: {
      name: 'Agent',
      unique_id: `${node}_agent`,
      device_class: 'connectivity',
      entity_category: 'diagnostic',
      state_topic: statusTopic(site),
      payload_on: STATUS_ONLINE,
      payload_off: STATUS_OFFLINE,
      qos: 1,
      device: agentDevice,
      origin,
    },
  }];
  for (const camera of cameras) {
    const device = { identifiers: [`${node}_${camera.id}`], name: `Mimamori ${site} ${camera.id}`, manufacturer: 'Mimamori', model: 'Camera', via_device: node };
    for (const behaviour of behavioursOf(camera)) {
      messages.push({
        topic: topic(`${camera.id}_${behaviour}`),
        config: {
          name: LABELS[behaviour],
          unique_id: `${node}_${camera.id}_${behaviour}`,
          // "On means unsafe": someone may be being talked through a fraud right now.
          device_class: 'safety',
          state_topic: behaviourStateTopic(site, camera.id, behaviour),
          payload_on: STATE_ON,
          payload_off: STATE_OFF,
          availability,
          qos: 1,
          device,
          origin,
        },
      });
    }
  }
  return messages;
}

export class HomeAssistantDiscovery {
  private readonly messages: DiscoveryMessage[];
  private readonly current: Set<string>;
  /** Open event ids per state topic. */
  private readonly open = new Map<string, Set<string>>();
  private closed = false;

  constructor(
    private readonly site: string,
    private readonly cameras: readonly Pick<CameraConfig, 'id' | 'zones'>[],
    private readonly outbox: Outbox,
    private readonly options: HomeAssistantOptions,
    private readonly log: Logger,
    /** For clearing configs of removed cameras; without it nothing is cleared. */
    private readonly connection?: MqttConnection,
  ) {
    this.messages = discoveryMessages(site, cameras, options);
    this.current = new Set(this.messages.map((m) => m.topic));
  }

  /** Publishes the configs and `OFF` states; the subscription for stale configs completes when the broker is reachable. */
  async start(): Promise<void> {
    for (const m of this.messages) this.outbox.enqueue(rawMessage(m.topic, JSON.stringify(m.config), { qos: 1, retain: true }));
    for (const camera of this.cameras) {
      for (const behaviour of behavioursOf(camera)) this.setState(behaviourStateTopic(this.site, camera.id, behaviour), false);
    }
    this.log.info('home assistant discovery published', { prefix: this.options.discoveryPrefix, entities: this.messages.length });
    await this.connection?.subscribe(`${this.options.discoveryPrefix}/binary_sensor/${nodeId(this.site)}/+/config`, (topic, payload, retained) =>
      this.clearIfStale(topic, payload, retained));
  }

  handle({ step, record }: RecordedEvent): void {
    if (this.closed) return;
    const topic = behaviourStateTopic(this.site, record.camera, record.behaviour);
    let ids = this.open.get(topic);
    if (!ids) {
      ids = new Set();
      this.open.set(topic, ids);
    }
    const before = ids.size;
    if (step.type === 'end') ids.delete(record.id);
    else ids.add(record.id);
    if (before === 0 && ids.size > 0) this.setState(topic, true);
    if (before > 0 && ids.size === 0) this.setState(topic, false);
  }

  /** Stops reacting to events and to stale configs; idempotent. */
  close(): void {
    this.closed = true;
  }

  private setState(topic: string, on: boolean): void {
    this.outbox.enqueue(rawMessage(topic, on ? STATE_ON : STATE_OFF, { qos: 1, retain: true }));
  }

  private clearIfStale(topic: string, payload: Buffer, retained: boolean): void {
    // Only what the broker kept from before; an empty payload is a config already cleared.
    if (this.closed || !retained || payload.length === 0 || this.current.has(topic)) return;
    this.outbox.enqueue(rawMessage(topic, '', { qos: 1, retain: true }));
    this.log.info('home assistant config of a removed camera or behaviour cleared', { topic });
  }
}
