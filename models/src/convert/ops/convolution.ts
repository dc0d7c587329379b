/** Conv2D, DepthwiseConv2dNative and tfjs's fused variants (BiasAdd + activation), and MaxPool. */
import { attr, type Attributes } from '../../onnx/graph-builder.js';
import type { TfNode } from '../../tfjs/tf-node.js';
import type { ConversionContext } from '../context.js';
import { conv2dFilterToOihw, depthwiseFilterToOihw } from '../filter-layout.js';
import { nchwToNhwc, nhwcToNchw, spatialPair } from '../layout.js';
import type { OpHandler } from '../op-handler.js';

/** TF padding → ONNX padding attributes. TF 'SAME' puts the odd pixel at the end, as SAME_UPPER does. */
function paddingAttributes(node: TfNode): Attributes {
  const padding = node.string('padding');
  switch (padding) {
    case 'SAME':
      return { auto_pad: attr.string('SAME_UPPER') };
    case 'VALID':
      return { auto_pad: attr.string('VALID') };
    case 'EXPLICIT': {
      const p = node.ints('explicit_paddings');
      if (p.length !== 8) throw node.error(`explicit_paddings must have 8 entries, got ${p.length}`);
      const [, , top, bottom, left, right] = p;
      return { pads: attr.ints([top ?? 0, left ?? 0, bottom ?? 0, right ?? 0]) };
    }
    default:
      throw node.error(`padding ${padding} is not supported`);
  }
}

/** Splits fused_ops into the bias flag and the activation that follows it. */
function fusedOps(node: TfNode): { bias: boolean; activation: string | undefined } {
  const ops = node.has('fused_ops') ? node.strings('fused_ops') : [];
  const [first, second, ...rest] = ops;
  if (ops.length === 0) return { bias: false, activation: undefined };
  if (first !== 'BiasAdd' || rest.length > 0) throw node.error(`fused_ops [${ops.join(', ')}] are not supported (BiasAdd[, activation] only)`);
  return { bias: true, activation: second };
}

/** Activation in NCHW, before transposing back, so onnxruntime can fuse it into the Conv. */
function applyActivation(ctx: ConversionContext, node: TfNode, x: string, activation: string | undefined): string {
  switch (activation) {
    case undefined:
      return x;
    case 'Relu':
      return ctx.emit(node, 'Relu', [x], undefined, 'relu');
    case 'Relu6':
      return ctx.emit(node, 'Clip', [x, ctx.scalarFloat(0), ctx.scalarFloat(6)], undefined, 'relu6');
    default:
      throw node.error(`fused activation ${activation} is not supported`);
  }
}

function convolution(depthwise: boolean): OpHandler {
  return (ctx, node) => {
    const x = ctx.input(node, 0);
    const filter = ctx.requireConstant(node, 1);
    if (filter.dtype !== 'float32') throw node.error(`filter must be float32, got ${filter.dtype}`);
    const { bias, activation } = fusedOps(node);
    const layout = depthwise ? depthwiseFilterToOihw(filter.data, filter.shape) : { ...conv2dFilterToOihw(filter.data, filter.shape), groups: 1 };
    const weights = ctx.g.initializer(ctx.freshName(`${node.name}/weights_oihw`), 'float32', layout.dims, layout.data);
    const inputs = [nhwcToNchw(ctx, node, x.name), weights];
    if (bias) inputs.push(ctx.input(node, 2).name);
    const conv = ctx.emit(node, 'Conv', inputs, {
      ...paddingAttributes(node),
      dilations: attr.ints(spatialPair(node, 'dilations', node.ints('dilations', [1, 1, 1, 1]))),
      group: attr.int(layout.groups),
      kernel_shape: attr.ints([layout.dims[2] ?? 1, layout.dims[3] ?? 1]),
      strides: attr.ints(spatialPair(node, 'strides', node.ints('strides'))),
    }, 'conv');
    const activated = applyActivation(ctx, node, conv, activation);
    ctx.bind(node, 0, { name: nchwToNhwc(ctx, node, activated), dtype: 'float32' });
  };
}

const maxPool: OpHandler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const pooled = ctx.emit(node, 'MaxPool', [nhwcToNchw(ctx, node, x.name)], {
    ...paddingAttributes(node),
    kernel_shape: attr.ints(spatialPair(node, 'ksize', node.ints('ksize'))),
    strides: attr.ints(spatialPair(node, 'strides', node.ints('strides'))),
  }, 'pool');
  ctx.bind(node, 0, { name: nchwToNhwc(ctx, node, pooled), dtype: x.dtype });
};

export const convolutionHandlers: Readonly<Record<string, OpHandler>> = {
  Conv2D: convolution(false),
  _FusedConv2D: convolution(false),
  DepthwiseConv2dNative: convolution(true),
  FusedDepthwiseConv2dNative: convolution(true),
  MaxPool: maxPool,
};
