import { describe, expect, it } from 'vitest';
import { attr, GraphBuilder } from '../src/onnx/graph-builder.js';
import { ProtoWriter } from '../src/onnx/proto-writer.js';
import { bytesOf, packedVarints, readFields, stringsOf, varintsOf } from './helpers/proto-reader.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('ProtoWriter', () => {
  it('encodes varints as the protobuf spec examples do', () => {
    expect(hex(new ProtoWriter().int(1, 150).finish())).toBe('089601');
    expect(hex(new ProtoWriter().int(1, 0).finish())).toBe('0800');
    expect(hex(new ProtoWriter().int(2, 2 ** 40).finish())).toBe('10808080808020');
  });

  it('encodes negative int64 as ten-byte two’s complement', () => {
    const bytes = new ProtoWriter().int(3, -1).finish();
    expect(hex(bytes)).toBe('18ffffffffffffffffff01');
    expect(BigInt.asIntN(64, varintsOf(readFields(bytes), 3)[0] ?? 0n)).toBe(-1n);
    expect(BigInt.asIntN(64, varintsOf(readFields(new ProtoWriter().int(3, -(2n ** 63n)).finish()), 3)[0] ?? 0n)).toBe(-(2n ** 63n));
  });

  it('encodes strings, fixed32 floats, nested messages and packed lists', () => {
    const bytes = new ProtoWriter()
      .string(2, 'testing')
      .float(4, 0.5)
      .message(7, (m) => m.int(1, 5).string(2, 'x'))
      .packedInts(8, [3, 270, -1])
      .finish();
    expect(hex(bytes.subarray(0, 9))).toBe('120774657374696e67');
    const fields = readFields(bytes);
    expect(stringsOf(fields, 2)).toEqual(['testing']);
    expect(fields.find((f) => f.field === 4)?.value).toMatchObject({ wire: 5, value: 0.5 });
    const nested = readFields(bytesOf(fields, 7)[0] ?? new Uint8Array());
    expect(varintsOf(nested, 1)).toEqual([5n]);
    expect(stringsOf(nested, 2)).toEqual(['x']);
    expect(packedVarints(bytesOf(fields, 8)[0] ?? new Uint8Array()).map((v) => BigInt.asIntN(64, v))).toEqual([3n, 270n, -1n]);
  });

  it('omits empty packed lists and rejects bad field numbers and unsafe integers', () => {
    expect(new ProtoWriter().packedInts(1, []).packedFloats(2, []).finish().length).toBe(0);
    expect(() => new ProtoWriter().int(0, 1)).toThrow(/field number/);
    expect(() => new ProtoWriter().int(1, 2 ** 60)).toThrow(/safe integer/);
    expect(() => new ProtoWriter().int(1, 2n ** 64n)).toThrow(/64-bit range/);
  });

  it('grows its buffer past the initial capacity', () => {
    const big = new Uint8Array(100_000).fill(7);
    const bytes = new ProtoWriter(4).bytes(9, big).finish();
    expect(Buffer.from(bytesOf(readFields(bytes), 9)[0] ?? []).equals(Buffer.from(big))).toBe(true);
  });
});

describe('ONNX encoding', () => {
  it('writes the ModelProto fields onnx.proto defines, decodable field by field', () => {
    const g = new GraphBuilder({ name: 'decode-me', producerName: 'test' });
    const x = g.input('x', 'float32', ['batch', 4]);
    g.initializer('w', 'int64', [2], BigInt64Array.from([7n, -3n]));
    g.setMetadata('k', 'v');
    g.output(g.op('Cast', [x], { to: attr.int(7) }, 'y'), 'int64', ['batch', 4]);
    const model = readFields(g.toBytes());
    expect(varintsOf(model, 1)).toEqual([8n]); // ir_version for opset 17
    const opset = readFields(bytesOf(model, 8)[0] ?? new Uint8Array());
    expect(varintsOf(opset, 2)).toEqual([17n]);
    expect(stringsOf(model, 2)).toEqual(['test']);
    const meta = readFields(bytesOf(model, 14)[0] ?? new Uint8Array());
    expect([stringsOf(meta, 1), stringsOf(meta, 2)]).toEqual([['k'], ['v']]);

    const graph = readFields(bytesOf(model, 7)[0] ?? new Uint8Array());
    expect(stringsOf(graph, 2)).toEqual(['decode-me']);
    const node = readFields(bytesOf(graph, 1)[0] ?? new Uint8Array());
    expect([stringsOf(node, 1), stringsOf(node, 2), stringsOf(node, 4)]).toEqual([['x'], ['y'], ['Cast']]);
    const attribute = readFields(bytesOf(node, 5)[0] ?? new Uint8Array());
    expect(stringsOf(attribute, 1)).toEqual(['to']);
    expect(varintsOf(attribute, 20)).toEqual([2n]); // AttributeProto.INT
    expect(varintsOf(attribute, 3)).toEqual([7n]);

    const tensor = readFields(bytesOf(graph, 5)[0] ?? new Uint8Array());
    expect(packedVarints(bytesOf(tensor, 1)[0] ?? new Uint8Array())).toEqual([2n]);
    expect(varintsOf(tensor, 2)).toEqual([7n]); // INT64
    const raw = bytesOf(tensor, 9)[0] ?? new Uint8Array();
    expect(Array.from(new BigInt64Array(raw.slice().buffer))).toEqual([7n, -3n]);

    const input = readFields(bytesOf(graph, 11)[0] ?? new Uint8Array());
    const tensorType = readFields(bytesOf(readFields(bytesOf(input, 2)[0] ?? new Uint8Array()), 1)[0] ?? new Uint8Array());
    expect(varintsOf(tensorType, 1)).toEqual([1n]); // FLOAT
    const dims = bytesOf(readFields(bytesOf(tensorType, 2)[0] ?? new Uint8Array()), 1).map((d) => readFields(d));
    expect(stringsOf(dims[0] ?? [], 2)).toEqual(['batch']);
    expect(varintsOf(dims[1] ?? [], 1)).toEqual([4n]);
  });
});
