// The no-op Node.js function of the benchmark. It is TypeScript so that the project's build
// and lint cover it; tsc compiles it to dist/bench/project/node/index.mjs, an ES module
// handler as Lambda loads it, which the harness copies into its temporary project.

/** Returns a small constant result; the benchmark times everything around this call. */
export function handler(): Promise<{ ok: boolean }> {
  return Promise.resolve({ ok: true });
}
