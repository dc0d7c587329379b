/** ResizeBilinear on NHWC tensors. */
import { attr } from '../../onnx/graph-builder.js';
import type { OpHandler } from '../op-handler.js';

/**
 * Emits Resize with full-rank `sizes` [N, H', W', C]: onnxruntime 1.30 refuses (at optimisation
 * level extended) a Resize that names its axes with the opset-18 `axes` attribute. N and C come
 * from Shape slices, which onnxruntime folds to constants for a fixed input shape.
 */
const resizeBilinear: OpHandler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const size = ctx.constantInts(node, 1);
  if (size.length !== 2) throw node.error(`size must be [height, width], got [${size.join(',')}]`);
  const alignCorners = node.bool('align_corners', false);
  const halfPixel = node.bool('half_pixel_centers', false);
  if (alignCorners && halfPixel) throw node.error('align_corners and half_pixel_centers are both set');
  // TF: align_corners → align_corners; half_pixel_centers → half_pixel (TF clamps like ONNX); neither → asymmetric.
  const mode = alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric';
  const batch = ctx.emit(node, 'Shape', [x.name], { start: attr.int(0), end: attr.int(1) }, 'batch');
  const channels = ctx.emit(node, 'Shape', [x.name], { start: attr.int(3) }, 'channels');
  const sizes = ctx.emit(node, 'Concat', [batch, ctx.int64(size), channels], { axis: attr.int(0) }, 'sizes');
  const out = ctx.emit(node, 'Resize', [x.name, '', '', sizes], {
    coordinate_transformation_mode: attr.string(mode),
    mode: attr.string('linear'),
  });
  ctx.bind(node, 0, { name: out, dtype: x.dtype });
};

export const resizeHandlers: Readonly<Record<string, OpHandler>> = {
  ResizeBilinear: resizeBilinear,
};
