// The LambdaCraft benchmark (`npm run bench`): starts each target fresh, measures it, stops
// it, and prints the figures of all targets side by side. Figures from different runs are
// not comparable on a shared machine, so every comparison happens inside one run.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { readConfig } from './config.js';
import { chooseLoadTool, loadToolVersion, stopLoadTools } from './load.js';
import { describeMachine } from './machine.js';
import { measureColdStarts, measureWarmTarget, type RoundResult } from './measure.js';
import { SYSTEM_PYTHON } from './paths.js';
import {
  countColdFunctions,
  prepareProject,
  presentBootstraps,
  snapshotPlatform,
} from './project.js';
import { measureObjects, type ObjectsResult } from './objects/measure.js';
import { measureScaling, type ScalingResult } from './scaling/measure.js';
import { formatSchedules, measureSchedules, type SchedulesResult } from './schedules.js';
import { timeSpawns } from './spawn-time.js';
import { measureTables, type TablesResult } from './table-service/measure.js';
import { buildReport } from './summary.js';
import { RunningTarget, targetDefinitions, type TargetDefinition } from './targets.js';

const config = readConfig();
const tool = chooseLoadTool(config.loadTool);
const workDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-bench-'));
const logDir = path.join(workDir, 'logs');
mkdirSync(logDir);
const projectDir = prepareProject(path.join(workDir, 'project'));
const coldFunctionCount = countColdFunctions(projectDir);
const platformDir = path.join(workDir, 'platform');
const platformMain = snapshotPlatform(platformDir);
const definitions = targetDefinitions(projectDir, platformMain).filter((item) =>
  config.targets.includes(item.id),
);
const machine = describeMachine(loadToolVersion(tool));

progress(`LambdaCraft benchmark: ${config.rounds} rounds, load tool ${tool}`);
progress(`working folder (copies of the platform and project, target logs): ${workDir}`);
const bootstraps = presentBootstraps(platformDir);
progress(`runtime bootstraps: ${bootstraps.length === 0 ? 'none found' : bootstraps.join(', ')}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // A second signal of the same kind ends the harness at once (Node's default action).
  process.once(signal, () => {
    progress(`${signal}: stopping the load tool and the running target; no results are written`);
    stopLoadTools();
    void RunningTarget.stopAll().finally(() => {
      rmSync(projectDir, { recursive: true, force: true });
      rmSync(platformDir, { recursive: true, force: true });
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  });
}

// With only `scaling`, `schedules`, `objects` or `tables` selected there is no target to run
// in rounds.
const rounds: RoundResult[] = [];
for (let round = 1; definitions.length > 0 && round <= config.rounds; round += 1) {
  rounds.push(await runRound(round));
}
let scaling: ScalingResult | undefined;
if (config.targets.includes('scaling')) {
  scaling = await measureScaling({
    config: config.scaling,
    platformMain,
    workDir,
    logDir,
    progress,
  });
}

let schedules: SchedulesResult | undefined;
if (config.targets.includes('schedules')) {
  schedules = await measureSchedules({
    platformMain,
    workDir,
    logDir,
    fires: config.schedulesFires,
    progress,
  });
}

let objects: ObjectsResult | undefined;
if (config.targets.includes('objects')) {
  objects = await measureObjects({
    config: config.objects,
    platformMain,
    workDir,
    logDir,
    progress,
  });
}

let tables: TablesResult | undefined;
if (config.targets.includes('tables')) {
  tables = await measureTables({
    config: config.tables,
    rounds: config.rounds,
    platformMain,
    workDir,
    logDir,
    progress,
  });
}

const report = buildReport({
  config,
  machine,
  tool,
  workDir,
  coldFunctionCount,
  rounds,
  scaling,
  objects,
  tables,
});
process.stdout.write(`${report.text}\n`);
if (schedules !== undefined)
  process.stdout.write(`\n## Schedules\n\n${formatSchedules(schedules)}\n`);
mkdirSync(path.dirname(config.outFile), { recursive: true });
// buildReport's JSON is an object; the schedules section joins it as one more key.
const json = { ...(report.json as Record<string, unknown>), schedules };
writeFileSync(config.outFile, `${JSON.stringify(json, null, 2)}\n`);
rmSync(projectDir, { recursive: true, force: true });
rmSync(platformDir, { recursive: true, force: true });
process.stdout.write(`\nResults (JSON): ${config.outFile}\nTarget logs: ${logDir}\n`);
if (report.problems.length > 0) process.exitCode = 1;

async function runRound(round: number): Promise<RoundResult> {
  progress(`round ${round}/${config.rounds}: bare spawn times`);
  const spawnPythonMs = await timeSpawns(SYSTEM_PYTHON, ['-c', 'pass'], config.spawnSamples);
  const spawnNodeMs = await timeSpawns(process.execPath, ['-e', '0'], config.spawnSamples);

  const result: RoundResult = {
    round,
    spawnPythonMs,
    spawnNodeMs,
    warm: [],
    cold: undefined,
    failedTargets: [],
  };
  for (const definition of definitions) {
    progress(`round ${round}/${config.rounds}: ${definition.label}`);
    try {
      await measureTarget(definition, round, result);
    } catch (error) {
      result.failedTargets.push({ id: definition.id, error: String(error) });
      progress(`  not measured: ${String(error)}`);
    }
  }
  return result;
}

async function measureTarget(
  definition: TargetDefinition,
  round: number,
  result: RoundResult,
): Promise<void> {
  const run = {
    definition,
    logPrefix: path.join(logDir, `${definition.id}-round${round}`),
    dataDir: path.join(workDir, `data-${definition.id}-round${round}`),
  };
  if (definition.id === 'lambdacraft-cold') {
    result.cold = await measureColdStarts(run, coldFunctionCount);
  } else {
    result.warm.push(await measureWarmTarget(run, config, tool));
  }
}

function progress(text: string): void {
  process.stderr.write(`${text}\n`);
}
