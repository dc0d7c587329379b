/** Which handler converts which TF op. */
import type { OpHandler } from './op-handler.js';
import { convolutionHandlers } from './ops/convolution.js';
import { elementwiseHandlers } from './ops/elementwise.js';
import { gatherHandlers } from './ops/gather.js';
import { reductionHandlers } from './ops/reduction.js';
import { resizeHandlers } from './ops/resize.js';
import { shapeHandlers } from './ops/shape.js';

const handlers: ReadonlyMap<string, OpHandler> = new Map(
  Object.entries({
    ...convolutionHandlers,
    ...elementwiseHandlers,
    ...gatherHandlers,
    ...reductionHandlers,
    ...resizeHandlers,
    ...shapeHandlers,
  }),
);

export function handlerFor(op: string): OpHandler | undefined {
  return handlers.get(op);
}

export function supportedOps(): string[] {
  return [...handlers.keys()].sort();
}
