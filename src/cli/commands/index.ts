// Every visiontune subcommand, in the order `--help` lists them.
import type { Command } from 'commander';
import { backbonesCommand } from './backbones.js';
import { doctorCommand } from './doctor.js';
import { infoCommand } from './info.js';

export function registerCommands(program: Command): void {
  backbonesCommand(program);
  doctorCommand(program);
  infoCommand(program);
}
