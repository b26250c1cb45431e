// An ES module handler with top-level await, which completes during Init.
const loadedAt = await Promise.resolve(Date.now());

export const handler = async (event) => ({ module: 'esm', loadedAt, event });
