/**
 * The analyzer on the labelled development set (real photos). Bounds sit a little below the figures
 * recorded in models/README.md, so a change that makes perception worse fails here. The set is a
 * check only: nothing was fitted or chosen on it (the head and its thresholds come from
 * cross-validation on ../shared/train).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVAL_ROOT, hasEvalSet, warnIfNoEvalSet } from '../../test/fixtures.js';
import { parseConfig } from '../config/load.js';
import type { AnalyzerPool } from '../pipeline/analyze/analyzer-pool.js';
import { createPerception } from '../pipeline/analyze/perception.js';
import { decodeImageFile } from '../pipeline/decode/image-file.js';
import { DEFAULT_PHONE_RULE } from '../pipeline/phone/classify.js';
import type { FrameAnalysis } from '../pipeline/types.js';
import { imageVerdict, personPhone } from './image-verdict.js';
import { listLabelledImages } from './labelled-folder.js';
import { evaluate, type EvalLabel } from './metrics.js';

warnIfNoEvalSet();

describe.skipIf(!hasEvalSet)('analyzer on the labelled development set', () => {
  let perception: AnalyzerPool;
  const results: { truth: EvalLabel; analysis: FrameAnalysis }[] = [];

  beforeAll(async () => {
    perception = await createPerception(parseConfig({}).perception);
    for (const { file, truth } of await listLabelledImages(join(EVAL_ROOT, 'images'))) {
      const image = await decodeImageFile(file);
      results.push({ truth, analysis: await perception.analyze(image.frame) });
    }
  }, 600_000);
  afterAll(async () => {
    await perception?.close();
  });

  it('the learned phone head (the default) finds people on the phone with useful precision and recall', () => {
    const report = evaluate(results.map((r) => ({ truth: r.truth, predicted: imageVerdict(r.analysis, 'learned') })));
    console.log(JSON.stringify({ devSet: report.total, learned: report.call }));
    expect(report.call.recall).toBeGreaterThanOrEqual(LEARNED_BOUNDS.recall);
    expect(report.call.precision).toBeGreaterThanOrEqual(LEARNED_BOUNDS.precision);
  });

  it('the rule, still available as method: rule, keeps its figures from the same analysis', () => {
    const report = evaluate(results.map((r) => ({ truth: r.truth, predicted: imageVerdict(r.analysis, 'rule') })));
    console.log(JSON.stringify({ devSet: report.total, rule: report.call }));
    expect(report.call.recall).toBeGreaterThanOrEqual(0.62);
    expect(report.call.precision).toBeGreaterThanOrEqual(0.75);
  });

  it('finds a person in every photo that has one, and none in photos without', () => {
    for (const r of results) {
      if (r.truth === 'no_person') expect(r.analysis.people).toHaveLength(0);
    }
    const withPeople = results.filter((r) => r.truth !== 'no_person');
    const found = withPeople.filter((r) => r.analysis.people.length > 0).length;
    expect(found / withPeople.length).toBeGreaterThanOrEqual(0.9);
  });

  it('the rule backs every call with a hand at an ear: no rule call on a person whose hands are away from the head', () => {
    for (const r of results) {
      for (const p of r.analysis.people) {
        if (personPhone(p, 'rule') !== 'call') continue;
        expect(p.evidence.wristToHead).toBeLessThan(DEFAULT_PHONE_RULE.farFromHead);
      }
    }
  });
});

/** A little below what `npm run eval` measured for the committed head (models/README.md). */
const LEARNED_BOUNDS = { precision: 0.78, recall: 0.78 };
