/** Words the screens show, Japanese first and English after, as on the login page. */
import type { EventItem, ZoneKind } from './types.js';

export const BEHAVIOUR_LABEL: Record<EventItem['behaviour'], string> = {
  phone_at_atm: 'ATMで携帯電話 / Phone at ATM',
  emoney_lingering: '電子マネー売場で滞留 / Lingering at e-money cards',
};

export const SEVERITY_LABEL: Record<EventItem['severity'], string> = { high: '高 / High', medium: '中 / Medium', low: '低 / Low' };

export const PHONE_LABEL: Record<EventItem['phone'], string> = { call: '通話中 / on a call', hand: '操作中 / phone in hand', none: 'なし / no phone' };

export const ZONE_KIND_LABEL: Record<ZoneKind, string> = {
  atm: 'ATM前 / ATM',
  emoney_rack: '電子マネー売場 / E-money rack',
  register: 'レジ / Register',
  entrance: '入口 / Entrance',
};

/** Same colours as the agent draws on the live picture (pipeline/draw/live-overlay.ts). */
export const ZONE_COLOUR: Record<ZoneKind, string> = { atm: '#ff8c00', emoney_rack: '#d05cff', register: '#3ddc84', entrance: '#bdbdbd' };

export function localTime(iso: string): string {
  return new Date(iso).toLocaleString('ja-JP', { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
