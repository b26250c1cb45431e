export const handler = async () => ({ style: 'esm-mjs', isModule: typeof require === 'undefined' });
