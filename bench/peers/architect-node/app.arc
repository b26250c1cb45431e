# Architect sandbox peer of the HTTP gateway benchmark (Node.js). The harness copies this folder
# into its working folder with the hello handler in src/http/get-hello and starts the sandbox.
@app
lambdacraft-bench-node

@http
get /hello
