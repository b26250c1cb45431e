import { execFile } from 'node:child_process';
import { openSync, readSync, closeSync, realpathSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { LambdaCraftError } from '../errors.js';
import type { RuntimeId } from '../functions/runtimes.js';

const execFileAsync = promisify(execFile);

export interface PythonInterpreter {
  path: string;
  version: [number, number, number];
  /** It can import boto3, which Lambda's Python runtimes include. Unknown when undefined. */
  hasBoto3?: boolean;
  /** It is the interpreter that LAMBDACRAFT_PYTHON names. */
  fromOverride?: boolean;
}

export interface InterpreterChoice {
  interpreter: PythonInterpreter;
  /** Set when the interpreter's version differs from the one the runtime identifier names. */
  warning: string | undefined;
}

const OLDEST_PYTHON_MINOR = 9;

/**
 * Finds the Python interpreters on this machine once. Version managers' shims (pyenv,
 * asdf) are shell scripts that cost 60-90 ms per spawn, so only real binaries count:
 * files named python3 or python3.N in PATH and the usual system folders.
 * LAMBDACRAFT_PYTHON, when set, names the one interpreter to use for every Python runtime.
 */
export async function findPythonInterpreters(
  env: NodeJS.ProcessEnv = process.env,
): Promise<PythonInterpreter[]> {
  const override = env.LAMBDACRAFT_PYTHON;
  const candidates = override
    ? [override]
    : [...candidatePaths((env.PATH ?? '').split(path.delimiter)), ...pyenvVersions(env)];

  const seen = new Set<string>();
  const found: PythonInterpreter[] = [];

  const binaries: string[] = [];
  for (const candidate of candidates) {
    const real = realBinary(candidate);
    if (real === undefined || seen.has(real)) continue;
    seen.add(real);
    binaries.push(real);
  }
  // Each check starts an interpreter; run them side by side, keep the PATH order.
  const probes = await Promise.all(binaries.map((binary) => probePython(binary)));
  for (const [index, probe] of probes.entries()) {
    const binary = binaries[index];
    if (probe !== undefined && binary !== undefined) {
      found.push({ path: binary, ...probe, ...(override ? { fromOverride: true } : {}) });
    }
  }
  if (override && found.length === 0) {
    throw new LambdaCraftError(
      'RuntimeNotAvailable',
      `LAMBDACRAFT_PYTHON='${override}' is not a Python interpreter that runs; set it to the path of a python3 binary (3.9 or later) or unset it`,
      { status: 500, userFault: true },
    );
  }
  return found;
}

/** Lists the interpreters pyenv installed, whose shims on PATH are skipped. */
function pyenvVersions(env: NodeJS.ProcessEnv): string[] {
  const root = env.PYENV_ROOT ?? (env.HOME ? path.join(env.HOME, '.pyenv') : undefined);
  if (root === undefined) return [];
  let versions: string[];
  try {
    versions = readdirSync(path.join(root, 'versions'));
  } catch {
    return [];
  }
  return versions.flatMap((version) =>
    candidatePaths([path.join(root, 'versions', version, 'bin')], false),
  );
}

function candidatePaths(pathDirs: string[], withSystemDirs = true): string[] {
  const system = withSystemDirs ? ['/usr/local/bin', '/usr/bin', '/bin'] : [];
  const dirs = [...pathDirs, ...system].filter((dir) => dir !== '');
  const result: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (/^python3(\.\d+)?$/.test(name)) result.push(path.join(dir, name));
    }
  }
  return result;
}

/** Resolves symlinks; returns undefined for scripts (shims) and non-executables. */
function realBinary(candidate: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(candidate);
    if (!statSync(real).isFile()) return undefined;
  } catch {
    return undefined;
  }

  const head = Buffer.alloc(2);
  const fd = openSync(real, 'r');
  try {
    readSync(fd, head, 0, 2, 0);
  } finally {
    closeSync(fd);
  }
  return head.toString('latin1') === '#!' ? undefined : real;
}

/** Reads an interpreter's version, and whether its site packages have boto3. */
async function probePython(
  binary: string,
): Promise<{ version: [number, number, number]; hasBoto3: boolean } | undefined> {
  const script = [
    'import sys, importlib.util',
    'print("%d.%d.%d" % sys.version_info[:3])',
    'print(importlib.util.find_spec("boto3") is not None)',
  ].join('; ');
  try {
    const { stdout } = await execFileAsync(binary, ['-c', script], { timeout: 10_000 });
    const [versionLine, boto3Line] = stdout.trim().split('\n');
    const parts = (versionLine ?? '').split('.').map(Number);
    if (parts.length !== 3 || parts.some(Number.isNaN)) return undefined;
    return { version: parts as [number, number, number], hasBoto3: boto3Line === 'True' };
  } catch {
    return undefined;
  }
}

/**
 * Picks the interpreter for a Python runtime: the first one of the same minor version that
 * has boto3, else the first one of that version, else the newest one that can run the
 * bootstrap (3.9 or later), with a warning. Lambda's Python runtimes include boto3, so a
 * choice without it also warns, naming the interpreters that have it.
 */
export function choosePythonInterpreter(
  runtime: RuntimeId,
  interpreters: PythonInterpreter[],
): InterpreterChoice {
  const wantedMinor = runtime.version[1];
  const sameMinor = interpreters.filter((candidate) => candidate.version[1] === wantedMinor);
  const exact = sameMinor.find((candidate) => candidate.hasBoto3 !== false) ?? sameMinor[0];
  if (exact) return { interpreter: exact, warning: boto3Warning(runtime, exact, interpreters) };

  const usable = interpreters
    .filter(
      (candidate) => candidate.version[0] === 3 && candidate.version[1] >= OLDEST_PYTHON_MINOR,
    )
    .sort((a, b) => b.version[1] - a.version[1] || b.version[2] - a.version[2]);
  const newest = usable[0];
  if (newest === undefined) {
    const seen = interpreters.map(
      (candidate) => `${candidate.path} (${candidate.version.join('.')})`,
    );
    throw new LambdaCraftError(
      'RuntimeNotAvailable',
      `no Python interpreter for runtime '${runtime.id}': found ${seen.length === 0 ? 'no python3 on PATH' : seen.join(', ')}, and the bootstrap needs Python 3.${OLDEST_PYTHON_MINOR} or later; install python3 (apt-get install python3) or set LAMBDACRAFT_PYTHON to an interpreter path`,
      { status: 500, userFault: true },
    );
  }

  const withBoto3 = usable.find((candidate) => candidate.hasBoto3 !== false) ?? newest;
  const reason =
    withBoto3.fromOverride === true
      ? 'since LAMBDACRAFT_PYTHON names it'
      : `since no Python 3.${wantedMinor} was found`;
  const versionWarning = `runtime '${runtime.id}' runs on Python ${withBoto3.version.join('.')} at ${withBoto3.path}, ${reason}; code that needs Python 3.${wantedMinor} features may fail`;
  const missing = boto3Warning(runtime, withBoto3, interpreters);
  return {
    interpreter: withBoto3,
    warning: missing === undefined ? versionWarning : `${versionWarning}. ${missing}`,
  };
}

/** Says what fails when the chosen interpreter cannot import boto3, and the way out. */
function boto3Warning(
  runtime: RuntimeId,
  chosen: PythonInterpreter,
  interpreters: PythonInterpreter[],
): string | undefined {
  if (chosen.hasBoto3 !== false) return undefined;
  const others = interpreters
    .filter((candidate) => candidate.hasBoto3 === true)
    .map((candidate) => candidate.path);
  const fix =
    others.length > 0
      ? `start LambdaCraft with LAMBDACRAFT_PYTHON set to one that has it (${others.join(', ')})`
      : `install boto3 for it (on Debian: apt-get install python3-boto3)`;
  return `runtime '${runtime.id}' runs on ${chosen.path}, which cannot import boto3, so handlers that use the AWS SDK fail there (Lambda's Python runtimes include it); ${fix}`;
}
