import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseRuntime } from '../functions/runtimes.js';
import { choosePythonInterpreter, findPythonInterpreters } from './interpreters.js';

const installed = [
  { path: '/usr/bin/python3.11', version: [3, 11, 2] as [number, number, number] },
  { path: '/opt/python3.10', version: [3, 10, 9] as [number, number, number] },
];

describe('Python interpreter choice', () => {
  it('takes the same minor version', () => {
    const choice = choosePythonInterpreter(parseRuntime('python3.10'), installed);
    assert.equal(choice.interpreter.path, '/opt/python3.10');
    assert.equal(choice.warning, undefined);
  });

  it('runs a newer runtime on the newest interpreter with a warning', () => {
    const choice = choosePythonInterpreter(parseRuntime('python3.13'), installed);
    assert.equal(choice.interpreter.path, '/usr/bin/python3.11');
    assert.match(
      choice.warning ?? '',
      /runtime 'python3\.13' runs on Python 3\.11\.2 at \/usr\/bin\/python3\.11, since no Python 3\.13 was found/,
    );
  });

  it('names LAMBDACRAFT_PYTHON as the reason', () => {
    const choice = choosePythonInterpreter(parseRuntime('python3.12'), [
      { path: '/usr/bin/python3.11', version: [3, 11, 2], hasBoto3: true, fromOverride: true },
    ]);
    assert.match(
      choice.warning ?? '',
      /runs on Python 3\.11\.2 at \/usr\/bin\/python3\.11, since LAMBDACRAFT_PYTHON names it;/,
    );
  });

  it('prefers an interpreter of the same minor version that has boto3', () => {
    const choice = choosePythonInterpreter(parseRuntime('python3.11'), [
      { path: '/opt/pyenv/python3.11', version: [3, 11, 7], hasBoto3: false },
      { path: '/usr/bin/python3.11', version: [3, 11, 2], hasBoto3: true },
    ]);
    assert.equal(choice.interpreter.path, '/usr/bin/python3.11');
    assert.equal(choice.warning, undefined);
  });

  it('warns when the interpreter of a runtime has no boto3', () => {
    const choice = choosePythonInterpreter(parseRuntime('python3.12'), [
      { path: '/opt/pyenv/python3.12', version: [3, 12, 1], hasBoto3: false },
      { path: '/usr/bin/python3.11', version: [3, 11, 2], hasBoto3: true },
    ]);
    assert.equal(choice.interpreter.path, '/opt/pyenv/python3.12');
    assert.match(
      choice.warning ?? '',
      /runs on \/opt\/pyenv\/python3\.12, which cannot import boto3, .*LAMBDACRAFT_PYTHON set to one that has it \(\/usr\/bin\/python3\.11\)/,
    );
  });

  it('names what is missing when nothing can run', () => {
    assert.throws(
      () =>
        choosePythonInterpreter(parseRuntime('python3.12'), [
          { path: '/usr/bin/python3.7', version: [3, 7, 3] },
        ]),
      /no Python interpreter for runtime 'python3\.12': found \/usr\/bin\/python3\.7 \(3\.7\.3\), and the bootstrap needs Python 3\.9 or later/,
    );
  });

  it('names a LAMBDACRAFT_PYTHON that does not run', async () => {
    await assert.rejects(
      findPythonInterpreters({ LAMBDACRAFT_PYTHON: '/nonexistent/python' }),
      /LAMBDACRAFT_PYTHON='\/nonexistent\/python' is not a Python interpreter that runs/,
    );
  });

  it('skips version-manager shims', async () => {
    const found = await findPythonInterpreters({ PATH: '/root/.pyenv/shims:/usr/bin' });
    assert.ok(found.length > 0, 'no interpreter found in /usr/bin');
    assert.ok(found.every((interpreter) => !interpreter.path.includes('/shims/')));
  });
});
