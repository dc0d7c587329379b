import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { behavioursOf, discoveryMessages } from './home-assistant.js';

const square = [[0, 0], [1, 0], [1, 1], [0, 1]];
const { cameras } = parseConfig({
  site: 'store-001',
  cameras: [
    { id: 'atmcam', source: '/dev/video0', zones: [{ id: 'atm-front', kind: 'atm', atmId: 'atm1', polygon: square }] },
    { id: 'both', source: '/dev/video1', zones: [
      { id: 'cards', kind: 'emoney_rack', polygon: square },
      { id: 'atm-2', kind: 'atm', atmId: 'atm2', polygon: square },
      { id: 'cards-2', kind: 'emoney_rack', polygon: square },
    ] },
    { id: 'door', source: '/dev/video2', zones: [{ id: 'entrance', kind: 'entrance', polygon: square }] },
  ],
});

describe('Home Assistant discovery configs', () => {
  it('has one sensor per camera and behaviour its zones can raise, and none for cameras without one', () => {
    expect(cameras.map((c) => behavioursOf(c))).toEqual([['phone_at_atm'], ['phone_at_atm', 'emoney_lingering'], []]);
    const topics = discoveryMessages('store-001', cameras, { discoveryPrefix: 'ha/discovery', swVersion: '1.2.3' }).map((m) => m.topic);
    expect(topics).toEqual([
      'ha/discovery/binary_sensor/mimamori_store-001/agent/config',
      'ha/discovery/binary_sensor/mimamori_store-001/atmcam_phone_at_atm/config',
      'ha/discovery/binary_sensor/mimamori_store-001/both_phone_at_atm/config',
      'ha/discovery/binary_sensor/mimamori_store-001/both_emoney_lingering/config',
    ]);
  });

  it('gives every entity a unique id and a device linked to the site', () => {
    const configs = discoveryMessages('store-001', cameras, { discoveryPrefix: 'homeassistant', swVersion: '1.2.3' }).map((m) => m.config);
    const ids = configs.map((c) => c.unique_id);
    expect(new Set(ids).size).toBe(ids.length);
    const lingering = configs.find((c) => c.unique_id === 'mimamori_store-001_both_emoney_lingering')!;
    expect(lingering).toMatchObject({
      name: 'Lingering at e-money cards',
      state_topic: 'mimamori/store-001/both/emoney_lingering/state',
      device: { identifiers: ['mimamori_store-001_both'], via_device: 'mimamori_store-001' },
      origin: { name: 'Mimamori', sw_version: '1.2.3' },
    });
    // Only the connectivity sensor is without availability: it is the availability.
    expect(configs.filter((c) => c.availability === undefined).map((c) => c.unique_id)).toEqual(['mimamori_store-001_agent']);
  });
});
