/** Typed access to a TF node's inputs and attributes, with errors that name the node and op. */
import type { TfAttrValue, TfNodeJson } from './model-json.js';

/** A reference to one output of a node: `name` or `name:k`. Control inputs (`^name`) are dropped. */
export interface TensorRef {
  node: string;
  index: number;
}

export function parseTensorRef(ref: string): TensorRef {
  const m = /^(.*?)(?::(\d+))?$/.exec(ref);
  if (!m || m[1] === undefined) throw new Error(`malformed tensor reference ${ref}`);
  return { node: m[1], index: m[2] === undefined ? 0 : Number(m[2]) };
}

export function tensorKey(ref: TensorRef): string {
  return ref.index === 0 ? ref.node : `${ref.node}:${ref.index}`;
}

const latin1 = new TextDecoder('latin1');

export class TfNode {
  readonly name: string;
  readonly op: string;
  /** Data inputs, normalised to `node` / `node:k`. */
  readonly inputs: readonly TensorRef[];
  private readonly attrs: Readonly<Record<string, TfAttrValue>>;

  constructor(json: TfNodeJson) {
    this.name = json.name;
    this.op = json.op;
    this.inputs = (json.input ?? []).filter((i) => !i.startsWith('^')).map(parseTensorRef);
    this.attrs = json.attr ?? {};
  }

  /** Fails with node context; `what` describes the problem. */
  error(what: string): Error {
    return new Error(`${this.op} node ${this.name}: ${what}`);
  }

  input(index: number): TensorRef {
    const ref = this.inputs[index];
    if (!ref) throw this.error(`expected at least ${index + 1} inputs, got ${this.inputs.length}`);
    return ref;
  }

  has(key: string): boolean {
    return key in this.attrs;
  }

  int(key: string, fallback?: number): number {
    const v = this.attrs[key]?.i;
    if (v === undefined) return this.required(key, fallback);
    return Number(v);
  }

  float(key: string, fallback?: number): number {
    const v = this.attrs[key]?.f;
    if (v === undefined) return this.required(key, fallback);
    return v;
  }

  bool(key: string, fallback?: boolean): boolean {
    const v = this.attrs[key]?.b;
    if (v === undefined) return this.required(key, fallback);
    return v;
  }

  /** A bytes attribute decoded as text (TF stores padding, data_format, fused op names this way). */
  string(key: string, fallback?: string): string {
    const v = this.attrs[key]?.s;
    if (v === undefined) return this.required(key, fallback);
    return latin1.decode(Buffer.from(v, 'base64'));
  }

  /** A DataType attribute such as DT_FLOAT. */
  type(key: string, fallback?: string): string {
    const v = this.attrs[key]?.type;
    if (v === undefined) return this.required(key, fallback);
    return v;
  }

  ints(key: string, fallback?: readonly number[]): number[] {
    const list = this.attrs[key]?.list;
    if (list === undefined) return [...this.required(key, fallback)];
    return (list.i ?? []).map(Number);
  }

  strings(key: string, fallback?: readonly string[]): string[] {
    const list = this.attrs[key]?.list;
    if (list === undefined) return [...this.required(key, fallback)];
    return (list.s ?? []).map((s) => latin1.decode(Buffer.from(s, 'base64')));
  }

  /** A TensorShapeProto attribute as sizes (-1 = unknown), or undefined when absent or of unknown rank. */
  shape(key: string): number[] | undefined {
    const proto = this.attrs[key]?.shape as { dim?: { size?: string | number }[]; unknownRank?: boolean } | undefined;
    if (!proto || proto.unknownRank) return undefined;
    return (proto.dim ?? []).map((d) => Number(d.size ?? -1));
  }

  private required<T>(key: string, fallback: T | undefined): T {
    if (fallback === undefined) throw this.error(`missing attribute ${key}`);
    return fallback;
  }
}
