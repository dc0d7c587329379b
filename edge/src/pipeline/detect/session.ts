/**
 * One onnxruntime-node session per model file, checked against the tensor contract the code relies
 * on as soon as it loads: a wrong or stale model file then fails at start-up with the file and
 * tensor named, instead of producing garbage boxes later.
 */
import * as ort from 'onnxruntime-node';

export type TensorDtype = 'float32' | 'int32' | 'int64' | 'uint8' | 'float16';

/** What the code expects of one model input or output. `null` dimensions accept any size. */
export interface TensorContract {
  name: string;
  dtype: TensorDtype;
  shape: readonly (number | null)[] | null;
}

export interface ModelContract {
  inputs: readonly TensorContract[];
  outputs: readonly TensorContract[];
}

export interface SessionOptions {
  /** Threads onnxruntime may use inside one run; 0 lets it choose. */
  intraOpNumThreads: number;
}

export interface ModelSession {
  readonly path: string;
  readonly session: ort.InferenceSession;
  /** Runs the model; `fetches` limits the outputs computed and copied out (all when omitted). */
  run(feeds: Record<string, ort.Tensor>, fetches?: readonly string[]): Promise<ort.InferenceSession.ReturnType>;
  close(): Promise<void>;
}

export async function openSession(path: string, contract: ModelContract, options: SessionOptions): Promise<ModelSession> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, {
      intraOpNumThreads: options.intraOpNumThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
    });
  } catch (err) {
    throw new Error(`Could not load model ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    checkContract(path, contract, session.inputMetadata, session.outputMetadata);
  } catch (err) {
    await session.release();
    throw err;
  }
  return {
    path,
    session,
    async run(feeds, fetches) {
      try {
        return await (fetches ? session.run(feeds, [...fetches]) : session.run(feeds));
      } catch (err) {
        throw new Error(`Inference failed for model ${path}: ${(err as Error).message}`, { cause: err });
      }
    },
    close: () => session.release(),
  };
}

/** Throws an error naming the model file and tensor at the first difference from the contract. */
export function checkContract(
  path: string,
  contract: ModelContract,
  inputMetadata: readonly ort.InferenceSession.ValueMetadata[],
  outputMetadata: readonly ort.InferenceSession.ValueMetadata[],
): void {
  checkTensors(path, 'input', contract.inputs, inputMetadata);
  checkTensors(path, 'output', contract.outputs, outputMetadata);
}

function checkTensors(
  path: string,
  kind: 'input' | 'output',
  expected: readonly TensorContract[],
  actual: readonly ort.InferenceSession.ValueMetadata[],
): void {
  for (const want of expected) {
    const got = actual.find((m) => m.name === want.name);
    if (!got) {
      const names = actual.map((m) => m.name).join(', ');
      throw new Error(`Model ${path}: expected ${kind} '${want.name}' but the model's ${kind}s are: ${names}`);
    }
    if (!got.isTensor) throw new Error(`Model ${path}: ${kind} '${want.name}' is not a tensor`);
    if (got.type !== want.dtype) {
      throw new Error(`Model ${path}: expected ${kind} '${want.name}' of type ${want.dtype} but received ${got.type}`);
    }
    if (want.shape === null) continue;
    const shape = got.shape;
    const fits =
      shape.length === want.shape.length &&
      want.shape.every((dim, i) => dim === null || typeof shape[i] === 'string' || shape[i] === dim);
    if (!fits) {
      throw new Error(
        `Model ${path}: expected ${kind} '${want.name}' of shape [${want.shape.map((d) => d ?? '?').join(', ')}] but received [${shape.join(', ')}]`,
      );
    }
  }
}
