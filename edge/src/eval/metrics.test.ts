import { describe, expect, it } from 'vitest';
import { evaluate, formatReport } from './metrics.js';

describe('evaluate', () => {
  it('counts the confusion matrix and precision/recall per class', () => {
    const r = evaluate([
      { truth: 'phone_call', predicted: 'phone_call' },
      { truth: 'phone_call', predicted: 'phone_call' },
      { truth: 'phone_call', predicted: 'no_phone_person' },
      { truth: 'no_phone_person', predicted: 'phone_call' },
      { truth: 'no_phone_person', predicted: 'no_phone_person' },
      { truth: 'no_person', predicted: 'no_person' },
    ]);
    expect(r.matrix.phone_call.phone_call).toBe(2);
    expect(r.matrix.no_phone_person.phone_call).toBe(1);
    expect(r.call).toEqual({ precision: 2 / 3, recall: 2 / 3, truePositives: 2, falsePositives: 1, falseNegatives: 1 });
    const hand = r.perClass.find((c) => c.label === 'phone_in_hand');
    expect(hand).toMatchObject({ support: 0, predicted: 0, precision: null, recall: null });
    expect(formatReport(r)).toMatch(/call vs not call: precision 0\.67, recall 0\.67/);
  });
});
