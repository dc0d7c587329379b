/**
 * Builds small TFJS graph models in memory (model.json object + weight bytes), for converter tests
 * that run the same graph through tfjs and through the ONNX conversion.
 */
import type { TfNodeJson, WeightSpec } from '../../src/tfjs/model-json.js';

const b64 = (s: string): string => Buffer.from(s, 'latin1').toString('base64');

/** TF NodeDef attribute values in the JSON form tfjs-converter writes. */
export const tfAttr = {
  i: (v: number) => ({ i: String(v) }),
  f: (v: number) => ({ f: v }),
  b: (v: boolean) => ({ b: v }),
  s: (v: string) => ({ s: b64(v) }),
  type: (v: string) => ({ type: v }),
  ints: (v: readonly number[]) => ({ list: { i: v.map(String) } }),
  strings: (v: readonly string[]) => ({ list: { s: v.map(b64) } }),
};

/** Nearest float16 bits of a value (ties away from zero is fine here: fixtures use exactly representable values). */
function float16Bits(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (value === 0) return sign;
  if (exp <= 0) return sign | Math.round((mant | 0x800000) / 2 ** (14 - exp));
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | Math.round(mant / 8192);
}

export class TfGraphFixture {
  private readonly nodes: TfNodeJson[] = [];
  private readonly specs: WeightSpec[] = [];
  private readonly chunks: Uint8Array[] = [];

  placeholder(name: string, dtype: 'DT_FLOAT' | 'DT_INT32', shape: readonly number[]): string {
    this.nodes.push({ name, op: 'Placeholder', attr: { dtype: tfAttr.type(dtype), shape: { shape: { dim: shape.map((s) => ({ size: String(s) })) } } } });
    return name;
  }

  /** A float32 constant, stored as float16 (as human's models are) when `asFloat16`. */
  floats(name: string, shape: readonly number[], values: readonly number[], asFloat16 = false): string {
    this.nodes.push({ name, op: 'Const', attr: { dtype: tfAttr.type('DT_FLOAT') } });
    if (asFloat16) {
      this.specs.push({ name, shape: [...shape], dtype: 'float32', quantization: { dtype: 'float16', original_dtype: 'float32' } });
      this.chunks.push(new Uint8Array(Uint16Array.from(values, float16Bits).buffer));
    } else {
      this.specs.push({ name, shape: [...shape], dtype: 'float32' });
      this.chunks.push(new Uint8Array(Float32Array.from(values).buffer));
    }
    return name;
  }

  ints(name: string, shape: readonly number[], values: readonly number[]): string {
    this.nodes.push({ name, op: 'Const', attr: { dtype: tfAttr.type('DT_INT32') } });
    this.specs.push({ name, shape: [...shape], dtype: 'int32' });
    this.chunks.push(new Uint8Array(Int32Array.from(values).buffer));
    return name;
  }

  node(name: string, op: string, inputs: readonly string[], attr: TfNodeJson['attr'] = {}): string {
    this.nodes.push({ name, op, input: [...inputs], attr });
    return name;
  }

  toParts(): { json: object; weightData: Uint8Array } {
    return {
      json: {
        format: 'graph-model',
        generatedBy: 'test',
        convertedBy: 'test',
        modelTopology: { node: this.nodes, library: {}, versions: {} },
        weightsManifest: [{ paths: ['fixture.bin'], weights: this.specs }],
      },
      weightData: Buffer.concat(this.chunks),
    };
  }
}
