/** ONNX tensor element types this project emits, with their TensorProto.DataType codes. */

export const ONNX_DATA_TYPES = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
} as const;

export type OnnxDataType = keyof typeof ONNX_DATA_TYPES;

/** Typed array that holds a tensor of each element type (float16 as raw bits, bool as 0/1 bytes). */
export interface TensorDataByType {
  float32: Float32Array;
  uint8: Uint8Array;
  int8: Int8Array;
  int32: Int32Array;
  int64: BigInt64Array;
  bool: Uint8Array;
  float16: Uint16Array;
  float64: Float64Array;
}

export type TensorData = TensorDataByType[OnnxDataType];

export function onnxDataTypeCode(dtype: OnnxDataType): number {
  return ONNX_DATA_TYPES[dtype];
}

const BYTES_PER_ELEMENT: Record<OnnxDataType, number> = {
  float32: 4,
  uint8: 1,
  int8: 1,
  int32: 4,
  int64: 8,
  bool: 1,
  float16: 2,
  float64: 8,
};

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Little-endian bytes of `data` as ONNX's raw_data wants them. Written through a DataView so the
 * file is the same on any host byte order (the manifest pins its SHA-256).
 */
export function toLittleEndianBytes(dtype: OnnxDataType, data: TensorData): Uint8Array {
  const size = BYTES_PER_ELEMENT[dtype];
  if (data.BYTES_PER_ELEMENT !== size) {
    throw new TypeError(`tensor of ${dtype} needs ${size}-byte elements, got ${data.constructor.name}`);
  }
  if (size === 1 || HOST_IS_LITTLE_ENDIAN) {
    return new Uint8Array(data.buffer, data.byteOffset, data.length * size).slice();
  }
  const out = new Uint8Array(data.length * size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    const off = i * size;
    switch (dtype) {
      case 'float32':
        view.setFloat32(off, data[i] as number, true);
        break;
      case 'float64':
        view.setFloat64(off, data[i] as number, true);
        break;
      case 'int32':
        view.setInt32(off, data[i] as number, true);
        break;
      case 'float16':
        view.setUint16(off, data[i] as number, true);
        break;
      case 'int64':
        view.setBigInt64(off, data[i] as bigint, true);
        break;
      default:
        throw new TypeError(`no little-endian writer for ${dtype}`);
    }
  }
  return out;
}
