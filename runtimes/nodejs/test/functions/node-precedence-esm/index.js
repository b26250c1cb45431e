export const handler = async () => ({ loaded: 'index.js' });
