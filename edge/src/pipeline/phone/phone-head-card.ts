/**
 * The card that travels with a fitted phone head (`phone-head.json` beside `phone-head.onnx`): what
 * its input means, the operating thresholds chosen by cross-validation, and how it was fitted. The
 * analyzer refuses a head whose features version or count differs from the code's, so a head
 * fitted on other features is never misread.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const score = z.number().min(0).max(1);
const interval = z.tuple([z.number(), z.number()]);

export const PHONE_HEAD_FORMAT = 'mimamori-phone-head/1';
export const PHONE_CLASSES = ['call', 'hand', 'none'] as const;

const rateSchema = z.strictObject({
  value: z.number().nullable(),
  interval: interval.nullable(),
  count: z.int().min(0),
  of: z.int().min(0),
});

const classFiguresSchema = z.strictObject({
  precision: rateSchema,
  recall: rateSchema,
  precisionAtReference: z.number().nullable().describe('precision had the people come in the reference composition'),
});

const figuresSchema = z.strictObject({
  people: z.int().min(0),
  call: classFiguresSchema,
  hand: classFiguresSchema,
  falseCallsHandsAway: rateSchema.describe('people not on a call, with a wrist seen farther than farFromHead from the head, said to be on a call'),
  confusion: z.record(z.string(), z.record(z.string(), z.int().min(0))),
});

export const phoneHeadCardSchema = z.strictObject({
  format: z.literal(PHONE_HEAD_FORMAT),
  features: z.strictObject({
    version: z.string().min(1),
    count: z.int().positive(),
    channels: z.int().positive().describe('channels of the detector feature map pooled'),
    classes: z.int().positive().describe('classes of the detector heatmap pooled'),
    poseChannels: z.int().min(0).describe('channels of the pose model feature map pooled (0: none)'),
    detector: z.string().regex(/^[0-9a-f]{64}$/).describe('SHA-256 of the detector ONNX file the features came from'),
    pose: z.string().regex(/^[0-9a-f]{64}$/).describe('SHA-256 of the pose ONNX file the features came from'),
  }),
  classes: z.tuple([z.literal('call'), z.literal('hand'), z.literal('none')]),
  model: z.strictObject({
    kind: z.enum(['logistic', 'mlp']),
    hidden: z.int().min(0),
    l2: z.number().min(0),
    epochs: z.int().positive(),
  }),
  decision: z.strictObject({
    callThreshold: score.describe('p(call) at or above which a person is on a call'),
    handThreshold: score.describe('p(hand) at or above which a person who is not on a call is handling a phone'),
  }),
  training: z.strictObject({
    data: z.string().min(1),
    photos: z.int().min(0),
    people: z.record(z.string(), z.int().min(0)),
    augment: z.array(z.string()),
    seed: z.int(),
    folds: z.int().min(2),
    groups: z.int().min(1),
    composition: z.record(z.string(), z.number()).describe('reference composition the thresholds were chosen for'),
  }),
  crossValidation: z.strictObject({
    unit: z.string(),
    callAveragePrecision: z.number(),
    learned: figuresSchema,
    /** The same head with perception.phone.head.requireHandAtHead on, at the same thresholds. */
    learnedRequiringHandAtHead: figuresSchema,
    rule: figuresSchema,
    variants: z.record(z.string(), z.strictObject({ callRecall: rateSchema, callPrecision: rateSchema })),
    candidates: z.array(z.strictObject({ hidden: z.int().min(0), l2: z.number(), callAveragePrecision: z.number() })),
  }),
});

export type PhoneHeadCard = z.infer<typeof phoneHeadCardSchema>;

/** The card file that goes with a head file: same name, `.json` instead of `.onnx`. */
export function cardPathFor(onnxPath: string): string {
  return onnxPath.replace(/\.onnx$/i, '') + '.json';
}

export async function loadPhoneHeadCard(file: string): Promise<PhoneHeadCard> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`phone head card ${file}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`phone head card ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = phoneHeadCardSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`phone head card ${file} is invalid: ${issues.join('; ')}`);
  }
  return parsed.data;
}
