// Diagnostics of a domain-adaptation run, computed on features (backbone embeddings before
// adaptation, the adapted bottleneck after) for the report: how far apart the domains are
// (proxy A-distance) and what that looks like (PCA scatter of both domains on shared axes).
export { type SymmetricEigen, symmetricEigen } from './jacobi.js';
export { fitLogistic, type LogisticModel, type LogisticOptions } from './logistic.js';
export type { FeatureRows } from './matrix.js';
export { type Pca2d, pca2d } from './pca.js';
export {
  type ProxyADistance,
  type ProxyADistanceOptions,
  proxyADistance,
} from './proxy-a-distance.js';
export { type DomainScatterOptions, domainScatter } from './scatter.js';
