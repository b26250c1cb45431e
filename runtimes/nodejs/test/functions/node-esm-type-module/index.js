// Top-level await: Init must wait for it before the first GET /next.
const startedAt = Date.now();
await new Promise((resolve) => setTimeout(resolve, 200));
const initDurationMs = Date.now() - startedAt;

export const handler = async () => ({ style: 'esm-js', initDurationMs, isModule: typeof require === 'undefined' });
