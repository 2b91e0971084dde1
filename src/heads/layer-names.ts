// How a dense head names its layers. The single-task builders keep today's names (`fpn_*`,
// `dec_*`, `aspp_*`, `head_*`, `detections`) so bundles saved before still load; a multi-task
// network gives every task's head the prefix `head_<task>_` so two heads never collide and
// freeze/blocks.ts's isHeadLayer (names starting `head`) treats the whole head as head. A local
// name that already starts `head_` drops it under a prefix (`head_cls_logits` →
// `head_det_cls_logits`, not `head_det_head_cls_logits`).
export type LayerNamer = (local: string) => string;

export function layerNamer(prefix?: string): LayerNamer {
  if (prefix === undefined) return (local) => local;
  return (local) => prefix + local.replace(/^head_/, '');
}
