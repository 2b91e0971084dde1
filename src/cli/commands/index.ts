// Every visiontune subcommand, in the order `--help` lists them.
import type { Command } from 'commander';
import { adaptCommand } from './adapt.js';
import { backbonesCommand } from './backbones.js';
import { compareCommand } from './compare.js';
import { compressCommand } from './compress.js';
import { demoCommand } from './demo.js';
import { detectCommand } from './detect.js';
import { doctorCommand } from './doctor.js';
import { embedCommand } from './embed.js';
import { evalCommand } from './eval.js';
import { exportCommand } from './export.js';
import { fewshotCommand } from './fewshot.js';
import { importCommand } from './import.js';
import { infoCommand } from './info.js';
import { mergeCommand } from './merge.js';
import { predictCommand } from './predict.js';
import { pullCommand } from './pull.js';
import { rankCommand } from './rank.js';
import { segmentCommand } from './segment.js';
import { serveCommand } from './serve.js';
import { studioCommand } from './studio.js';
import { trackCommand } from './track.js';
import { trainCommand } from './train.js';

export function registerCommands(program: Command): void {
  adaptCommand(program);
  backbonesCommand(program);
  compareCommand(program);
  compressCommand(program);
  demoCommand(program);
  detectCommand(program);
  segmentCommand(program);
  serveCommand(program);
  studioCommand(program);
  doctorCommand(program);
  embedCommand(program);
  evalCommand(program);
  exportCommand(program);
  fewshotCommand(program);
  importCommand(program);
  infoCommand(program);
  mergeCommand(program);
  predictCommand(program);
  pullCommand(program);
  rankCommand(program);
  trackCommand(program);
  trainCommand(program);
}
