// Returns what the runtime interface client handed over, or throws on request.
export const handler = async (event, context) => {
  if (event.fail) {
    throw new TypeError('asked to fail');
  }
  console.log('ric handling', context.awsRequestId);
  return {
    echo: event,
    functionName: context.functionName,
    remainingMs: context.getRemainingTimeInMillis(),
    arn: context.invokedFunctionArn,
  };
};
