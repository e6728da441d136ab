// Every command, in the order --help lists them. Each module declares its own options and
// imports its work only when it runs.
import { bundleCommandModule } from './bundle/command.ts';
import { calibrateCommandModule } from './calibrate/command.ts';
import type { Command } from './command.ts';
import { compareCommandModule } from './compare/command.ts';
import { doctorCommandModule } from './doctor/command.ts';
import { gateCommandModule } from './gate/command.ts';
import { headroomCommandModule } from './headroom/command.ts';
import { historyCommandModule } from './history/command.ts';
import { planCommandModule } from './plan/command.ts';
import { predictCommandModule } from './predict/command.ts';
import { profileCommandModule } from './profile/command.ts';
import { reportCommandModule } from './report/command.ts';
import { reproduceCommandModule } from './reproduce/command.ts';
import { runCommandModule } from './run/command.ts';
import { sampleCommandModule } from './sample/command.ts';
import { slurmNodeCommandModule } from './slurm-node/command.ts';
import { variantsCommandModule } from './variants/command.ts';

// Each declares its own argument type; the dispatcher only needs the shape.
export const COMMANDS: readonly Command<any>[] = [
  runCommandModule,
  profileCommandModule,
  predictCommandModule,
  reproduceCommandModule,
  planCommandModule,
  headroomCommandModule,
  doctorCommandModule,
  reportCommandModule,
  bundleCommandModule,
  compareCommandModule,
  gateCommandModule,
  historyCommandModule,
  variantsCommandModule,
  calibrateCommandModule,
  sampleCommandModule,
  slurmNodeCommandModule,
];
