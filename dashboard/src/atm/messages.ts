/**
 * The kiosk's own texts, for the installer rather than the customer (what customers read comes
 * from the agent's catalogue, atm/catalogue.ts).
 */
export const NOT_CONFIGURED = {
  ja: 'この画面は設定されていません。',
  en: 'This screen is not configured.',
} as const;
