/**
 * Every text of the clerk page, in Japanese and English. The alert sentence itself comes from the
 * agent's catalogue (atm/catalogue.ts, keys `clerk.*`), the same text the MQTT alert carries; what
 * is here is the page around it and what to say to the customer.
 *
 * The questions follow the "声かけ" (speaking-to) sheets that the police and the franchise
 * associations hand to convenience stores for e-money buyers, and the ATM campaign
 * 「ATMでの携帯電話はしない、させない」. Not yet reviewed by a store trainer.
 *
 * `en` is typed from `ja`, so a text missing in one language fails the typecheck.
 */
export const LANGS = ['ja', 'en'] as const;
export type Lang = (typeof LANGS)[number];

const ja = {
  pageTitle: '見守り — 店員向け通知',
  heading: '店員向け通知',
  language: '言語',
  langName: '日本語',
  linkConnecting: '接続中…',
  linkOpen: '接続済み',
  linkReconnecting: '再接続中…',
  linkStopped: '切断されました',
  linkWarning: '通知を受け取れていない可能性があります。再接続を試みています。',
  soundOff: 'タップして通知音を有効にする',
  soundOffUrgent: '通知音が出ません — ここをタップしてください',
  soundOn: '通知音：オン',
  soundTest: '通知音を鳴らす',
  logout: 'ログアウト',
  signedInAs: 'ログイン中：',
  empty: '現在、対応が必要な通知はありません。',
  recent: '最近の通知',
  wrongRole: 'この画面は店舗スタッフ用です。',
  severity: { high: '緊急度：高', medium: '緊急度：中', low: '緊急度：低' },
  behaviour: {
    phone_at_atm: 'ATMで携帯電話を使っているお客様',
    emoney_lingering: '電子マネー売場に長く留まっているお客様',
  },
  zone: '場所',
  camera: 'カメラ',
  at: '時刻',
  reminder: (n: number) => `再通知 ${n} 回目`,
  snapshotAlt: (zone: string) => `${zone} のカメラ画像`,
  noSnapshot: '画像はありません',
  whatToSay: '声かけ',
  sayAtm: {
    intro: 'ATMへ行き、お客様に声をかけてください：',
    questions: [
      '「お電話中ですか？ATMでお金が戻ることはありません。」',
      '「市役所・税務署・警察・銀行を名乗る人から、ATMの操作を言われていませんか？」',
      '「いったん電話を切って、ご家族や警察に相談しましょう。」',
    ],
    outro: '詐欺の疑いがあれば、店長に知らせ、警察（110番）に通報してください。',
  },
  sayEmoney: {
    intro: 'お客様に声をかけてください：',
    questions: [
      '「お電話で誰かにカードを買うよう言われていませんか？」',
      '「『未払いの料金がある』『ウイルスに感染した』などと言われていませんか？」',
      '「カードの番号を電話やメールで伝えるよう言われていませんか？」',
      '「『お金が戻る』『当選金を受け取るため』と言われていませんか？」',
    ],
    outro: '一つでも当てはまれば販売せず、店長に知らせ、警察（110番）に通報してください。',
  },
  ack: '対応します',
  // The accessible name starts with the visible text (WCAG 2.5.3), then says which alert.
  ackLabel: (zone: string) => `対応します（${zone} の通知）`,
  acking: '送信中…',
  ackFailed: '送信できませんでした：',
  handledBy: (by: string, time: string) => `対応済み（${by}、${time}）`,
  ended: 'お客様はその場を離れました',
  newAlert: (title: string, zone: string) => `新しい通知：${title}（${zone}）`,
};

type Messages = typeof ja;

const en: Messages = {
  pageTitle: 'Mimamori — Clerk alerts',
  heading: 'Clerk alerts',
  language: 'Language',
  langName: 'English',
  linkConnecting: 'Connecting…',
  linkOpen: 'Connected',
  linkReconnecting: 'Reconnecting…',
  linkStopped: 'Disconnected',
  linkWarning: 'Alerts may not be arriving. Trying to reconnect.',
  soundOff: 'Tap to turn on the alert sound',
  soundOffUrgent: 'No alert sound — tap here',
  soundOn: 'Sound: on',
  soundTest: 'Play the alert sound',
  logout: 'Log out',
  signedInAs: 'Signed in as ',
  empty: 'No alerts need attention right now.',
  recent: 'Recent alerts',
  wrongRole: 'This screen is for store staff.',
  severity: { high: 'Severity: high', medium: 'Severity: medium', low: 'Severity: low' },
  behaviour: {
    phone_at_atm: 'Customer using a phone at the ATM',
    emoney_lingering: 'Customer lingering at the e-money cards',
  },
  zone: 'Zone',
  camera: 'Camera',
  at: 'Time',
  reminder: (n: number) => `Reminder ${n}`,
  snapshotAlt: (zone: string) => `Camera image of ${zone}`,
  noSnapshot: 'No image',
  whatToSay: 'What to say',
  sayAtm: {
    intro: 'Go to the ATM and speak to the customer:',
    questions: [
      '"Are you on the phone? Money is never refunded at an ATM."',
      '"Did someone claiming to be from the city office, tax office, police or a bank tell you to use the ATM?"',
      '"Let\'s hang up for now and talk to your family or the police."',
    ],
    outro: 'If it looks like fraud, tell the manager and call the police (110).',
  },
  sayEmoney: {
    intro: 'Speak to the customer:',
    questions: [
      '"Did someone on the phone tell you to buy this card?"',
      '"Were you told you have unpaid fees, or that your computer has a virus?"',
      '"Were you asked to read out the card number by phone or email?"',
      '"Were you told you will get money back, or need it to collect a prize?"',
    ],
    outro: 'If any of these is true, do not sell the card: tell the manager and call the police (110).',
  },
  ack: "I'll handle it",
  ackLabel: (zone: string) => `I'll handle it (alert at ${zone})`,
  acking: 'Sending…',
  ackFailed: 'Could not send: ',
  handledBy: (by: string, time: string) => `Handled (${by}, ${time})`,
  ended: 'The customer has left',
  newAlert: (title: string, zone: string) => `New alert: ${title} (${zone})`,
};

export const MESSAGES: Record<Lang, Messages> = { ja, en };
export type { Messages };
