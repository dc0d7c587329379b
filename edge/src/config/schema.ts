/**
 * The one config schema: defaults, validation, types and documentation come from here.
 * Parsing does no I/O; probing cameras and loading models belong to runtime.
 */
import { z } from 'zod';
import { DEFAULT_PHONE_RULE } from '../pipeline/phone/classify.js';

const score = z.number().min(0).max(1);

export const phoneRuleSchema = z
  .object({
    minKeypointScore: score.default(DEFAULT_PHONE_RULE.minKeypointScore)
      .describe('Pose keypoints below this score are ignored'),
    nearHead: z.number().positive().default(DEFAULT_PHONE_RULE.nearHead)
      .describe('A wrist this close to the head (head sizes) counts fully towards a call'),
    farFromHead: z.number().positive().default(DEFAULT_PHONE_RULE.farFromHead)
      .describe('A wrist farther than this from the head (head sizes) counts nothing towards a call'),
    phoneHeadRadius: z.number().positive().default(DEFAULT_PHONE_RULE.phoneHeadRadius)
      .describe('A phone box within this many head sizes of the head is at the head'),
    phoneHandRadius: z.number().positive().default(DEFAULT_PHONE_RULE.phoneHandRadius)
      .describe('A phone box within this many head sizes of a wrist is in the hand'),
    minPhoneScore: score.default(DEFAULT_PHONE_RULE.minPhoneScore)
      .describe('Detector score a phone box needs to count as evidence'),
    phoneFullScore: score.default(DEFAULT_PHONE_RULE.phoneFullScore)
      .describe('A phone box with this detector score counts fully (phones at the ear rarely score higher)'),
    callThreshold: score.default(DEFAULT_PHONE_RULE.callThreshold).describe('Call score that means "on a call"'),
    handThreshold: score.default(DEFAULT_PHONE_RULE.handThreshold).describe('Hand score that means "handling a phone"'),
  })
  .strict()
  .refine((r) => r.farFromHead > r.nearHead, { message: 'farFromHead must be greater than nearHead', path: ['farFromHead'] });

export const detectorSchema = z
  .object({
    model: z.string().min(1).default('centernet')
      .describe('A model name from models/models.json, or a path to your own .onnx file'),
    decoder: z.enum(['centernet', 'yolo']).optional()
      .describe('Output decoder; required for your own .onnx file (YOLOv8/YOLO11 layout [1, 4+C, N] is "yolo")'),
    labels: z.array(z.string().min(1)).min(1).optional()
      .describe('Class names in output order, for your own .onnx file; must include "person"'),
    inputSize: z.int().min(32).max(4096).optional().describe('Square input size of your own .onnx file'),
    inputName: z.string().min(1).default('images').describe('Input tensor name of your own .onnx file (Ultralytics exports use "images")'),
    personThreshold: score.default(0.4).describe('Minimum score of a person box'),
    objectThreshold: score.default(0.3).describe('Minimum score of other objects reported in output'),
    phoneCandidateThreshold: score.default(0.1)
      .describe('Minimum score of a "cell phone" box passed to the phone rule (phones at the ear are small and half hidden)'),
    nmsIou: score.default(0.5).describe('IoU above which overlapping boxes of one class are merged'),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (!d.model.endsWith('.onnx')) return;
    if (!d.decoder) ctx.addIssue({ code: 'custom', path: ['decoder'], message: 'required when model is an .onnx file' });
    if (!d.labels) ctx.addIssue({ code: 'custom', path: ['labels'], message: 'required when model is an .onnx file' });
    else if (!d.labels.includes('person')) ctx.addIssue({ code: 'custom', path: ['labels'], message: 'must include "person"' });
    if (!d.inputSize) ctx.addIssue({ code: 'custom', path: ['inputSize'], message: 'required when model is an .onnx file' });
  });

export const perceptionSchema = z
  .object({
    detector: detectorSchema.default(detectorSchema.parse({})),
    pose: z.object({ model: z.string().min(1).default('movenet-lightning') }).strict().default({ model: 'movenet-lightning' }),
    phone: phoneRuleSchema.default(phoneRuleSchema.parse({})),
    closeUpFallback: z.boolean().default(true)
      .describe('When the detector finds nobody, look for one person filling the frame by pose alone (customers close to an ATM camera)'),
    maxPeople: z.int().min(1).max(50).default(6).describe('Pose is run on at most this many people per frame, largest first'),
    threads: z.int().min(1).max(64).default(1).describe('onnxruntime intra-op threads per worker'),
    workers: z.int().min(1).max(16).default(1).describe('Inference worker threads'),
  })
  .strict();

export const configSchema = z
  .object({
    version: z.literal(1).default(1).describe('Config format version'),
    site: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "-" and "_" only (used in MQTT topics and file names)').default('site'),
    dataDir: z.string().min(1).default('./data'),
    ffmpeg: z
      .object({
        ffmpegPath: z.string().min(1).optional().describe('ffmpeg binary; default FFMPEG_PATH, then PATH, then the npm package'),
        ffprobePath: z.string().min(1).optional().describe('ffprobe binary; default FFPROBE_PATH, then PATH, then the npm package'),
      })
      .strict()
      .default({}),
    perception: perceptionSchema.default(perceptionSchema.parse({})),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type PerceptionConfig = z.infer<typeof perceptionSchema>;
export type DetectorConfig = z.infer<typeof detectorSchema>;
