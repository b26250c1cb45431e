// Targets of the HTTP gateway benchmark: LambdaCraft's gateway and two peers that serve the
// same hello functions on GET /hello, serverless-offline and the Architect sandbox. Every
// target runs from a copy of its project inside the data folder of that start, so nothing
// the platforms write (data folders, __pycache__) lands in the repository.
import { copyFileSync, cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';

import type { TargetId } from './config.js';
import { BENCH_DIST_DIR, BENCH_SOURCE_DIR, SYSTEM_PYTHON } from './paths.js';
import { upCommand } from './project.js';
import type { TargetDefinition } from './targets.js';

/** Route of the hello function on every gateway target. */
export const GATEWAY_PATH = '/hello';

const PEERS_DIR = path.join(BENCH_SOURCE_DIR, 'peers');
const PEER_MODULES = path.join(PEERS_DIR, 'node_modules');
const SERVERLESS_MAIN = path.join(PEER_MODULES, 'serverless', 'bin', 'serverless.js');
const SERVERLESS_OFFLINE_MANIFEST = path.join(PEER_MODULES, 'serverless-offline', 'package.json');
const SANDBOX_MAIN = path.join(PEER_MODULES, '@architect', 'sandbox', 'src', 'cli', 'cli.js');

type Runtime = 'python' | 'node';
const RUNTIMES: readonly Runtime[] = ['python', 'node'];
const RUNTIME_LABELS: Record<Runtime, string> = { python: 'Python', node: 'Node' };

/** Returns the hello handler file of the runtime; tsc compiles Node's from hello.mts. */
function helloHandler(runtime: Runtime): string {
  return runtime === 'python'
    ? path.join(BENCH_SOURCE_DIR, 'gateway-project', 'handlers', 'hello.py')
    : path.join(BENCH_DIST_DIR, 'gateway-project', 'handlers', 'hello.mjs');
}

/**
 * Copies `sourceDir` to `dir` and the runtime's hello handler to `dir`/`handlerPath`, and
 * returns `dir`.
 */
function prepareApp(sourceDir: string, dir: string, runtime: Runtime, handlerPath: string): string {
  const handler = helloHandler(runtime);
  if (!existsSync(handler)) {
    throw new Error(`${handler} is missing; run npm run build (npm run bench does)`);
  }
  cpSync(sourceDir, dir, { recursive: true });
  mkdirSync(path.dirname(path.join(dir, handlerPath)), { recursive: true });
  copyFileSync(handler, path.join(dir, handlerPath));
  return dir;
}

/** Throws when a peer's entry file is missing, naming the install script to run. */
function requirePeer(file: string): void {
  if (!existsSync(file)) {
    throw new Error(`${file} is missing; install the peers with bench/peers/install.sh`);
  }
}

/**
 * Returns the peers' added environment. /usr/bin comes first on PATH because both peers start
 * the `python3` found there, and LambdaCraft runs SYSTEM_PYTHON. Update checks, telemetry and
 * notifications are off.
 */
function peerEnvironment(): Record<string, string> {
  return {
    PATH: `${path.dirname(SYSTEM_PYTHON)}:${process.env.PATH ?? ''}`,
    NO_UPDATE_NOTIFIER: '1',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_INTERACTIVE_SETUP_DISABLE: '1',
    SLS_DEPRECATION_DISABLE: '*',
  };
}

/** Returns the gateway and peer targets of both runtimes. */
export function gatewayTargetDefinitions(platformMain: string): TargetDefinition[] {
  const definitions: TargetDefinition[] = [];
  for (const runtime of RUNTIMES) {
    const name = RUNTIME_LABELS[runtime];
    const handlerFile = runtime === 'python' ? 'hello.py' : 'hello.mjs';
    definitions.push(
      {
        id: `gateway-${runtime}` as TargetId,
        label: `LambdaCraft gateway ${name} hello`,
        functionName: `Hello${name}`,
        gatewayPath: GATEWAY_PATH,
        command: (port, dataDir, sparePort) => {
          const projectDir = prepareApp(
            path.join(BENCH_SOURCE_DIR, 'gateway-project', runtime),
            path.join(dataDir, 'project'),
            runtime,
            path.join('handlers', handlerFile),
          );
          // The harness sends its requests to `port`, so the HTTP gateway listens there.
          return upCommand({
            platformMain,
            projectDir,
            port: sparePort,
            httpPort: port,
            dataDir: path.join(dataDir, 'state'),
          });
        },
      },
      {
        id: `serverless-offline-${runtime}` as TargetId,
        label: `serverless-offline ${name} hello`,
        textLog: true,
        functionName: 'hello',
        gatewayPath: GATEWAY_PATH,
        command: (port, dataDir, sparePort) => {
          requirePeer(SERVERLESS_MAIN);
          requirePeer(SERVERLESS_OFFLINE_MANIFEST);
          const appDir = prepareApp(
            path.join(PEERS_DIR, `serverless-${runtime}`),
            path.join(dataDir, 'app'),
            runtime,
            path.join('handlers', handlerFile),
          );
          symlinkSync(PEER_MODULES, path.join(appDir, 'node_modules'), 'dir');
          return {
            file: process.execPath,
            args: [
              SERVERLESS_MAIN,
              'offline',
              'start',
              '--host',
              '127.0.0.1',
              '--httpPort',
              String(port),
              '--lambdaPort',
              String(sparePort),
            ],
            cwd: appDir,
            env: peerEnvironment(),
          };
        },
      },
      {
        id: `architect-sandbox-${runtime}` as TargetId,
        label: `architect sandbox ${name} hello`,
        textLog: true,
        functionName: 'get /hello',
        gatewayPath: GATEWAY_PATH,
        command: (port, dataDir, sparePort) => {
          requirePeer(SANDBOX_MAIN);
          // The sandbox loads lambda.py for Python and index.mjs for an ES module handler.
          const handlerPath = runtime === 'python' ? 'lambda.py' : 'index.mjs';
          const appDir = prepareApp(
            path.join(PEERS_DIR, `architect-${runtime}`),
            path.join(dataDir, 'app'),
            runtime,
            path.join('src', 'http', 'get-hello', handlerPath),
          );
          return {
            file: process.execPath,
            args: [SANDBOX_MAIN, '--host', '127.0.0.1', '-p', String(port)],
            cwd: appDir,
            // The sandbox's internal service listens on ARC_INTERNAL_PORT, else near 2222.
            env: { ...peerEnvironment(), ARC_INTERNAL_PORT: String(sparePort) },
          };
        },
      },
    );
  }
  return definitions;
}
