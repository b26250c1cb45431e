// The Node.js hello function of the HTTP gateway benchmark, shared by LambdaCraft and its
// peers. tsc compiles it to dist/bench/gateway-project/handlers/hello.mjs, which the harness
// copies into each platform's project.

/** Returns the hello response in the shape an API Gateway proxy integration expects. */
export function handler(): Promise<{ statusCode: number; body: string }> {
  return Promise.resolve({ statusCode: 200, body: JSON.stringify({ message: 'hello world' }) });
}
