/** Confusion matrix and per-class precision/recall for the labelled evaluation. */

export const EVAL_LABELS = ['phone_call', 'phone_in_hand', 'no_phone_person', 'no_person'] as const;
export type EvalLabel = (typeof EVAL_LABELS)[number];

export interface ClassMetrics {
  label: EvalLabel;
  support: number;
  predicted: number;
  truePositives: number;
  precision: number | null;
  recall: number | null;
}

export interface EvalReport {
  total: number;
  /** matrix[truth][predicted] */
  matrix: Record<EvalLabel, Record<EvalLabel, number>>;
  perClass: ClassMetrics[];
  /** The product's question: on a call, or not? */
  call: { precision: number | null; recall: number | null; truePositives: number; falsePositives: number; falseNegatives: number };
}

export function evaluate(pairs: readonly { truth: EvalLabel; predicted: EvalLabel }[]): EvalReport {
  const matrix = Object.fromEntries(
    EVAL_LABELS.map((t) => [t, Object.fromEntries(EVAL_LABELS.map((p) => [p, 0]))]),
  ) as EvalReport['matrix'];
  for (const { truth, predicted } of pairs) matrix[truth][predicted] += 1;

  const ratio = (num: number, den: number): number | null => (den === 0 ? null : num / den);
  const perClass = EVAL_LABELS.map((label): ClassMetrics => {
    const support = EVAL_LABELS.reduce((s, p) => s + matrix[label][p], 0);
    const predicted = EVAL_LABELS.reduce((s, t) => s + matrix[t][label], 0);
    const tp = matrix[label][label];
    return { label, support, predicted, truePositives: tp, precision: ratio(tp, predicted), recall: ratio(tp, support) };
  });
  const callRow = perClass[0]!;
  return {
    total: pairs.length,
    matrix,
    perClass,
    call: {
      precision: callRow.precision,
      recall: callRow.recall,
      truePositives: callRow.truePositives,
      falsePositives: callRow.predicted - callRow.truePositives,
      falseNegatives: callRow.support - callRow.truePositives,
    },
  };
}

export function formatReport(report: EvalReport): string {
  const pct = (v: number | null): string => (v === null ? '   -' : v.toFixed(2).padStart(4));
  const short: Record<EvalLabel, string> = { phone_call: 'call', phone_in_hand: 'hand', no_phone_person: 'nophone', no_person: 'noperson' };
  const lines = [`images: ${report.total}`, '', 'class            support  predicted  precision  recall'];
  for (const c of report.perClass) {
    lines.push(`${c.label.padEnd(16)} ${String(c.support).padStart(7)}  ${String(c.predicted).padStart(9)}  ${pct(c.precision).padStart(9)}  ${pct(c.recall).padStart(6)}`);
  }
  lines.push('', `call vs not call: precision ${pct(report.call.precision)}, recall ${pct(report.call.recall)} ` +
    `(TP ${report.call.truePositives}, FP ${report.call.falsePositives}, FN ${report.call.falseNegatives})`);
  lines.push('', `confusion (rows: truth, columns: predicted)`, `${''.padEnd(16)} ${EVAL_LABELS.map((l) => short[l].padStart(9)).join('')}`);
  for (const t of EVAL_LABELS) lines.push(`${t.padEnd(16)} ${EVAL_LABELS.map((p) => String(report.matrix[t][p]).padStart(9)).join('')}`);
  return lines.join('\n');
}

/** A proportion with its Wilson 95% score interval (sound for small counts and for 0 or 1). */
export interface Rate {
  value: number | null;
  interval: [number, number] | null;
  count: number;
  of: number;
}

export function wilson(count: number, of: number, z = 1.96): Rate {
  if (of === 0) return { value: null, interval: null, count, of };
  const p = count / of;
  const z2 = z * z;
  const centre = (p + z2 / (2 * of)) / (1 + z2 / of);
  const half = (z * Math.sqrt((p * (1 - p)) / of + z2 / (4 * of * of))) / (1 + z2 / of);
  return { value: p, interval: [Math.max(0, centre - half), Math.min(1, centre + half)], count, of };
}

/** "0.86 [0.78–0.91] (43/50)" */
export function formatRate(r: Rate): string {
  if (r.value === null || r.interval === null) return `   - (0/0)`;
  return `${r.value.toFixed(2)} [${r.interval[0].toFixed(2)}–${r.interval[1].toFixed(2)}] (${r.count}/${r.of})`;
}
