import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

import { MemoryLimits } from '../src/environments/memory-limit.js';
import { validateFunctionConfig } from '../src/functions/function-config.js';
import { Platform } from '../src/platform.js';
import { CLIENT_OPTIONS, json, parseReport, testFunction } from './helpers.js';

const FUNCTION_NAME = 'python-memory';
const INIT_FUNCTION_NAME = 'python-memory-init';
const MEMORY_SIZE_MB = 128;

interface Invocation {
  functionError: string | undefined;
  payload: Record<string, unknown>;
  log: string;
}

/**
 * Runs the same cases with the mechanism this machine offers (a memory cgroup as root, else
 * polling) and with polling forced, so the fallback is tested on every machine.
 */
for (const forcePolling of [false, true]) {
  describe(`memory limit (${forcePolling ? 'polling forced' : 'detected mechanism'})`, () => {
    let platform: Platform;
    let lambda: LambdaClient;
    let dataDir: string;
    let closed = false;

    before(async () => {
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-memory-'));
      const spec = testFunction(FUNCTION_NAME, 'python3.11', 'app.allocate', {
        memorySizeMb: MEMORY_SIZE_MB,
        timeoutSeconds: 30,
      });
      const initSpec = testFunction(FUNCTION_NAME, 'python3.11', 'import_time.handler', {
        functionName: INIT_FUNCTION_NAME,
        memorySizeMb: MEMORY_SIZE_MB,
      });
      platform = await Platform.start({
        dataDir,
        functions: [validateFunctionConfig(spec), validateFunctionConfig(initSpec)],
        memoryLimits: forcePolling ? MemoryLimits.polling('forced by the test') : undefined,
      });
      const endpoint = await platform.listen(0, '127.0.0.1');
      lambda = new LambdaClient({ endpoint, ...CLIENT_OPTIONS });
    });
    after(async () => {
      if (!closed) {
        lambda.destroy();
        await platform.close();
      }
      rmSync(dataDir, { recursive: true, force: true });
    });

    async function invoke(
      event: Record<string, number>,
      functionName = FUNCTION_NAME,
    ): Promise<Invocation> {
      const result = await lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          Payload: Buffer.from(JSON.stringify(event)),
          LogType: 'Tail',
        }),
      );
      return {
        functionError: result.FunctionError,
        payload: json(result.Payload) as Record<string, unknown>,
        log: Buffer.from(result.LogResult ?? '', 'base64').toString('utf8'),
      };
    }

    it('uses the mechanism it was given', () => {
      if (forcePolling) {
        assert.equal(platform.memoryLimits.mechanism, 'polling');
      } else {
        assert.ok(['cgroup-v1', 'cgroup-v2', 'polling'].includes(platform.memoryLimits.mechanism));
      }
    });

    it('leaves a handler under its limit alone', async () => {
      const result = await invoke({ megabytes: 40, holdSeconds: 0.3 });

      assert.equal(result.functionError, undefined);
      assert.equal(result.payload.allocatedMb, 40);
      const report = parseReport(result.log);
      const usedMb = Number.parseInt(report['Max Memory Used'] ?? '', 10);
      assert.ok(usedMb >= 40, `Max Memory Used ${usedMb} MB is below the 40 MB allocated`);
      assert.ok(usedMb <= MEMORY_SIZE_MB, `Max Memory Used ${usedMb} MB is above the limit`);
      assert.equal(report.Status, undefined);
    });

    it('kills a handler that passes its memory size', async () => {
      const before = await invoke({ megabytes: 1 });
      const result = await invoke({ megabytes: 300, holdSeconds: 3 });

      assert.equal(result.functionError, 'Unhandled');
      assert.equal(result.payload.errorType, 'Runtime.OutOfMemory');
      const requestId = /^REPORT RequestId: ([0-9a-f-]{36})\t/m.exec(result.log)?.[1];
      assert.ok(requestId !== undefined, `no REPORT line in:\n${result.log}`);
      assert.equal(
        result.payload.errorMessage,
        `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`,
      );

      const report = parseReport(result.log);
      assert.equal(report['Memory Size'], `${MEMORY_SIZE_MB} MB`);
      assert.equal(report['Max Memory Used'], `${MEMORY_SIZE_MB} MB`);
      assert.equal(report.Status, 'error');
      assert.equal(report['Error Type'], 'Runtime.OutOfMemory');
      const afterReport = result.log.slice(result.log.indexOf('REPORT RequestId:')).split('\n');
      assert.equal(
        afterReport[1],
        `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`,
      );
      assert.equal(afterReport[2], 'Runtime.OutOfMemory');

      const next = await invoke({ megabytes: 1 });
      assert.equal(next.functionError, undefined);
      assert.notEqual(next.payload.pid, before.payload.pid);
      assert.ok(parseReport(next.log)['Init Duration'] !== undefined, 'expected a cold start');
    });

    it('kills an Init that passes its memory size', async (context) => {
      if (platform.memoryLimits.mechanism === 'polling') {
        context.skip('polling watches invocations only, not Init');
        return;
      }
      const result = await invoke({}, INIT_FUNCTION_NAME);

      assert.equal(result.functionError, 'Unhandled');
      assert.equal(result.payload.errorType, 'Runtime.OutOfMemory');
      assert.match(
        String(result.payload.errorMessage),
        /^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: killed$/,
      );
    });

    it('removes its cgroups on close', async (context) => {
      const parentDir = platform.memoryLimits.parentDir;
      if (parentDir === undefined) {
        context.skip(`no memory cgroup here: ${platform.memoryLimits.reason}`);
        return;
      }
      assert.ok(existsSync(parentDir), `${parentDir} is missing while the platform runs`);
      const environments = readdirSync(parentDir, { withFileTypes: true }).filter((entry) =>
        entry.isDirectory(),
      );
      assert.ok(environments.length > 0, 'expected a cgroup per live environment');

      closed = true;
      lambda.destroy();
      await platform.close();
      assert.equal(existsSync(parentDir), false, `${parentDir} is left after close`);
    });
  });
}
