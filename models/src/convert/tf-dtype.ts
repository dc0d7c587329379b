/** TensorFlow DataType enum names → ONNX element types. */
import type { OnnxDataType } from '../onnx/data-types.js';

const TF_TO_ONNX: Readonly<Record<string, OnnxDataType>> = {
  DT_FLOAT: 'float32',
  DT_DOUBLE: 'float64',
  DT_INT32: 'int32',
  DT_INT64: 'int64',
  DT_UINT8: 'uint8',
  DT_INT8: 'int8',
  DT_BOOL: 'bool',
  DT_HALF: 'float16',
};

export function onnxTypeOfTf(tfType: string, context: string): OnnxDataType {
  const t = TF_TO_ONNX[tfType];
  if (!t) throw new Error(`${context}: TF type ${tfType} has no ONNX mapping here`);
  return t;
}
