// The lp-ft strategy (Kumar et al. 2022, "Fine-Tuning can Distort Pretrained Features and
// Underperform Out-of-Distribution"): the linear strategy's probe on the chosen layer trains first
// (on cached embeddings, cheap); then the network, cut at that layer, is fine-tuned by finetune's
// machinery starting from the probe's head. A random head's large early gradients would otherwise
// distort the pretrained features before the head is any good. The probe is also epoch 0 of the
// model selection on validation loss (keep-probe.ts).

import type { DataSource } from '../../data/types.js';
import { runFitPlan } from '../run-template.js';
import { DEFAULT_LR, DEFAULT_PROBE_EPOCHS, type TrainConfig } from './config.js';
import { keepProbeUnlessBeaten } from './keep-probe.js';
import { linearProbe } from './linear-strategy.js';
import { prepareNetwork } from './network-strategy.js';
import { initHeadFromProbe } from './probe-head.js';
import type { RunSplits } from './splits.js';
import type { Prepared } from './strategy.js';

export async function prepareLpFt(
  config: TrainConfig,
  source: DataSource,
  splits: RunSplits,
  log: (line: string) => void,
): Promise<Prepared> {
  const probe = await linearProbe(config, source, splits, log, {
    lr: DEFAULT_LR.linear,
    epochs: config.probeEpochs ?? DEFAULT_PROBE_EPOCHS,
  });
  try {
    const { plan } = probe.head;
    const { history, bestEpoch } = await runFitPlan(plan);
    const best = history[(bestEpoch ?? history.length) - 1];
    const acc = best?.val_accuracy;
    log(
      `linear probe on ${probe.backboneConfig.embeddingLayer}: ${history.length} ${plan.solve ? 'fits' : 'epochs'}` +
        (typeof acc === 'number' ? `, val accuracy ${(acc * 100).toFixed(1)}%` : ''),
    );
    const network = await prepareNetwork(config, source, splits, log, {
      embeddingLayer: probe.backboneConfig.embeddingLayer,
      layerChoice: probe.layerChoice,
      initHead: (network) => initHeadFromProbe(network, probe.head.model),
    });
    return await keepProbeUnlessBeaten(network, log);
  } finally {
    probe.head.plan.optimizer.dispose();
    probe.head.model.dispose();
    probe.embed.dispose();
  }
}
