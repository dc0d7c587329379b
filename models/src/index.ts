/**
 * What the rest of the project may use of models/: the manifest, model preparation and the ONNX
 * graph builder (for the fitted phone head). Everything else under models/src is this package's own.
 */
export { defaultManifestPath, loadManifest, manifestModel, type Manifest, type ManifestModel } from './manifest.js';
export { ensureModels, fileSha256, resolveFittedModel, resolveModelPath, sha256, writeAtomically } from './prepare.js';
export { attr, GraphBuilder } from './onnx/graph-builder.js';
export { packageRoot } from './package-root.js';
