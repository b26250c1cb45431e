export const handler = async () => ({ loaded: 'index.mjs' });
