/**
 * Validates the generated files with the reference ONNX checker (Debian's python3-onnx), an
 * implementation independent of both this encoder and onnxruntime.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { attr, GraphBuilder } from '../src/onnx/graph-builder.js';
import { ensureModels } from '../src/prepare.js';
import { checkWithOnnx, pythonWithOnnx } from './helpers/python-onnx.js';

const python = pythonWithOnnx();
if (!python) console.warn('ONNX checker tests are SKIPPED: no python3 with the onnx module (apt-get install -y python3-onnx)');

describe.skipIf(!python)('onnx.checker', () => {
  it('accepts the converted models', async () => {
    const files = Object.values(await ensureModels()).map((m) => m.path);
    const result = checkWithOnnx(python as string, files);
    expect(result.output).toMatch(/ok .*opset 17 ir 8/);
    expect(result.status, result.output).toBe(0);
  });

  it('accepts a builder graph using every attribute kind', async () => {
    const g = new GraphBuilder({ name: 'attrs' });
    const x = g.input('x', 'float32', [1, 3, 8, 8]);
    const conv = g.op('Conv', [x, g.floatConstant('w', [4, 3, 3, 3], new Float32Array(108).fill(0.1))], {
      auto_pad: attr.string('SAME_UPPER'),
      kernel_shape: attr.ints([3, 3]),
      strides: attr.ints([1, 1]),
    });
    const act = g.op('LeakyRelu', [conv], { alpha: attr.float(0.1) });
    const c = g.op('Constant', [], { value: attr.tensor({ name: 'c', dtype: 'float32', dims: [1], data: new Float32Array([2]) }) });
    g.output(g.op('Mul', [act, c], undefined, 'y'), 'float32', [1, 4, 8, 8]);
    const dir = await mkdtemp(path.join(tmpdir(), 'onnx-check-'));
    try {
      const file = path.join(dir, 'attrs.onnx');
      await writeFile(file, g.toBytes());
      const result = checkWithOnnx(python as string, [file]);
      expect(result.status, result.output).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
