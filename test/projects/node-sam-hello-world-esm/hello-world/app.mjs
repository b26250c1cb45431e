// Returns the GET /hello response with a JSON greeting, as the sam init Node.js template does.
export const lambdaHandler = async (event, context) => ({
  statusCode: 200,
  body: JSON.stringify({ message: 'hello world' }),
});
