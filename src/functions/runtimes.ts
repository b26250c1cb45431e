import { invalidConfig } from '../errors.js';

/** The runtime families LambdaCraft runs; each has its own way to start an environment. */
export type RuntimeFamily = 'python' | 'nodejs' | 'provided';

export interface RuntimeId {
  id: string;
  family: RuntimeFamily;
  /** The language version the identifier names (`[3, 12]` for python3.12, `[20]` for nodejs20.x). */
  version: number[];
}

const PYTHON_MINORS = [9, 10, 11, 12, 13, 14];
const NODE_MAJORS = [18, 20, 22, 24];
const PROVIDED = ['provided', 'provided.al2', 'provided.al2023'];

/** Runtime identifiers Lambda has retired; AWS rejects new functions with them. */
const DEPRECATED = new Set([
  'python2.7',
  'python3.6',
  'python3.7',
  'python3.8',
  'nodejs',
  'nodejs4.3',
  'nodejs6.10',
  'nodejs8.10',
  'nodejs10.x',
  'nodejs12.x',
  'nodejs14.x',
  'nodejs16.x',
]);

export const SUPPORTED_RUNTIMES: readonly string[] = [
  ...PYTHON_MINORS.map((minor) => `python3.${minor}`),
  ...NODE_MAJORS.map((major) => `nodejs${major}.x`),
  ...PROVIDED,
];

export function parseRuntime(id: string): RuntimeId {
  if (PROVIDED.includes(id)) {
    return { id, family: 'provided', version: [] };
  }

  const python = /^python3\.(\d+)$/.exec(id);
  if (python && PYTHON_MINORS.includes(Number(python[1]))) {
    return { id, family: 'python', version: [3, Number(python[1])] };
  }

  const node = /^nodejs(\d+)\.x$/.exec(id);
  if (node && NODE_MAJORS.includes(Number(node[1]))) {
    return { id, family: 'nodejs', version: [Number(node[1])] };
  }

  if (DEPRECATED.has(id)) {
    throw invalidConfig(
      `runtime '${id}' is deprecated and no longer supported by Lambda; use one of ${SUPPORTED_RUNTIMES.join(', ')}`,
    );
  }
  throw invalidConfig(`unknown runtime '${id}'; use one of ${SUPPORTED_RUNTIMES.join(', ')}`);
}
