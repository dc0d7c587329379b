/**
 * The parts of a TensorFlow.js graph-model `model.json` the converter reads, validated with zod so
 * that a changed file fails with the path of the field that moved rather than deep in an op handler.
 */
import { z } from 'zod';

/** One AttrValue of a TF NodeDef, as tfjs-converter writes it to JSON (int64 as strings, bytes as base64). */
const tfAttrValueSchema = z
  .object({
    i: z.union([z.string(), z.number()]).optional(),
    f: z.number().optional(),
    b: z.boolean().optional(),
    s: z.string().optional(),
    type: z.string().optional(),
    shape: z.unknown().optional(),
    tensor: z.unknown().optional(),
    list: z
      .object({
        i: z.array(z.union([z.string(), z.number()])).optional(),
        f: z.array(z.number()).optional(),
        s: z.array(z.string()).optional(),
        b: z.array(z.boolean()).optional(),
        type: z.array(z.string()).optional(),
        shape: z.array(z.unknown()).optional(),
      })
      .optional(),
  })
  .loose();

export type TfAttrValue = z.infer<typeof tfAttrValueSchema>;

const tfNodeSchema = z
  .object({
    name: z.string(),
    op: z.string(),
    input: z.array(z.string()).optional(),
    attr: z.record(z.string(), tfAttrValueSchema).optional(),
  })
  .loose();

export type TfNodeJson = z.infer<typeof tfNodeSchema>;

const quantizationSchema = z
  .object({
    dtype: z.string(),
    original_dtype: z.string().optional(),
    scale: z.number().optional(),
    min: z.number().optional(),
  })
  .loose();

const weightSpecSchema = z
  .object({
    name: z.string(),
    shape: z.array(z.number().int().nonnegative()),
    dtype: z.string(),
    quantization: quantizationSchema.optional(),
  })
  .loose();

export type WeightSpec = z.infer<typeof weightSpecSchema>;

export const graphModelJsonSchema = z
  .object({
    format: z.literal('graph-model'),
    generatedBy: z.string().optional(),
    convertedBy: z.string().optional(),
    modelTopology: z.object({ node: z.array(tfNodeSchema) }).loose(),
    weightsManifest: z.array(z.object({ paths: z.array(z.string()), weights: z.array(weightSpecSchema) }).loose()),
  })
  .loose();

export type GraphModelJson = z.infer<typeof graphModelJsonSchema>;
