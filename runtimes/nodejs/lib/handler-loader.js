'use strict';

// Loads the function named by _HANDLER the way AWS's Node.js runtime does
// (interface client 3.x, src/UserFunction.js). A handler string has the form
// `[dir/]file.export[.nested...]`: the directory is everything up to the last
// "/", the module is the rest up to its first ".", and the remaining dotted
// path is walked as properties of the loaded module.

const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');
const {
  MalformedHandlerName,
  HandlerNotFound,
  ImportModuleError,
  UserCodeSyntaxError,
} = require('./errors.js');

const STREAMING_SYMBOL = Symbol.for('aws.lambda.runtime.handler.streaming');
const HIGH_WATER_MARK_SYMBOL = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const STREAM_RESPONSE = 'response';

/**
 * Loads the module and returns the handler function. Throws
 * Runtime.MalformedHandlerName, Runtime.ImportModuleError,
 * Runtime.UserCodeSyntaxError or Runtime.HandlerNotFound with AWS's messages;
 * any other error thrown while the module loads (including a rejected
 * top-level await) propagates unchanged.
 */
async function loadHandler(appRoot, handlerString) {
  if (handlerString.includes('..')) {
    throw new MalformedHandlerName(
      `'${handlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }

  const { moduleRoot, moduleName, propertyPath } = parseHandlerString(handlerString);
  const userModule = await loadUserModule(appRoot, moduleRoot, moduleName);
  const handler = propertyPath.split('.').reduce((value, key) => value && value[key], userModule);

  if (!handler) {
    throw new HandlerNotFound(`${handlerString} is undefined or not exported`);
  }
  if (typeof handler !== 'function') {
    throw new HandlerNotFound(`${handlerString} is not a function`);
  }
  return handler;
}

function parseHandlerString(handlerString) {
  const baseName = path.basename(handlerString);
  const moduleRoot = handlerString.slice(0, handlerString.length - baseName.length);
  const match = /^([^.]*)\.(.*)$/.exec(baseName);
  if (!match) {
    throw new MalformedHandlerName('Bad handler');
  }
  return { moduleRoot, moduleName: match[1], propertyPath: match[2] };
}

async function loadUserModule(appRoot, moduleRoot, moduleName) {
  try {
    return await findAndLoadModule(appRoot, moduleRoot, moduleName);
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new UserCodeSyntaxError(error);
    }
    if (error?.code === 'MODULE_NOT_FOUND') {
      throw new ImportModuleError(error);
    }
    throw error;
  }
}

/**
 * Tries these in order and returns the first module found:
 * 1. the extensionless file, with require;
 * 2. `.js` with require, unless the nearest package.json sets "type": "module";
 * 3. `.js` with import(), when it does;
 * 4. `.mjs` with import(), then `.cjs` with require;
 * 5. require.resolve with paths [appRoot, moduleRoot], which searches
 *    node_modules folders and NODE_PATH.
 */
async function findAndLoadModule(appRoot, moduleRoot, moduleName) {
  const basePath = path.resolve(appRoot, moduleRoot, moduleName);
  const extensionless = requireIfExists(basePath);
  if (extensionless) {
    return extensionless;
  }

  const isModulePackage = isInModulePackage(path.dirname(basePath));
  const loaded =
    (!isModulePackage && requireIfExists(basePath + '.js')) ||
    (isModulePackage && (await importIfExists(basePath + '.js'))) ||
    (await importIfExists(basePath + '.mjs')) ||
    requireIfExists(basePath + '.cjs');
  if (loaded) {
    return loaded;
  }

  const resolved = require.resolve(moduleName, {
    paths: [appRoot, path.resolve(appRoot, moduleRoot)],
  });
  return require(resolved);
}

// fs.existsSync is also true for a directory, which require() then loads
// through its package.json "main" or index.js, as on AWS.
function requireIfExists(filePath) {
  return fs.existsSync(filePath) ? require(filePath) : undefined;
}

async function importIfExists(filePath) {
  return fs.existsSync(filePath) ? import(pathToFileURL(filePath).href) : undefined;
}

/**
 * Tells whether `.js` files in `folder` are ES modules: walks up to the
 * nearest package.json and reads its "type". The walk stops with false at a
 * folder named node_modules or at the file system root.
 */
function isInModulePackage(folder) {
  for (let current = folder; ; current = path.dirname(current)) {
    if (current.endsWith('/node_modules')) {
      return false;
    }
    const packageJsonPath = path.join(current, 'package.json');
    if (fs.existsSync(packageJsonPath)) {
      return readPackageType(packageJsonPath) === 'module';
    }
    if (current === path.dirname(current)) {
      return false;
    }
  }
}

function readPackageType(packageJsonPath) {
  try {
    return JSON.parse(fs.readFileSync(packageJsonPath, 'utf8'))?.type;
  } catch (error) {
    console.warn(
      `${packageJsonPath} cannot be read, it will be ignored for ES module detection purposes.`,
      error,
    );
    return undefined;
  }
}

/**
 * Describes how the handler must be called. `isAsync` is true only for an
 * `async function`; a plain function that returns a Promise counts as sync,
 * which matters when its Promise never settles.
 */
function getHandlerMetadata(handler) {
  return {
    isAsync: handler.constructor?.name === 'AsyncFunction',
    argumentCount: handler.length,
    isStreaming: handler[STREAMING_SYMBOL] === STREAM_RESPONSE,
  };
}

/**
 * Installs `globalThis.awslambda.streamifyResponse`, which AWS's runtime
 * provides unless AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA is "1" or "true", so
 * that modules calling it at load time still load. It only marks the handler.
 */
function installAwsLambdaGlobal() {
  const disabled = process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA;
  if (disabled === '1' || disabled === 'true') {
    return;
  }
  globalThis.awslambda = {
    streamifyResponse(handler, options) {
      handler[STREAMING_SYMBOL] = STREAM_RESPONSE;
      if (typeof options?.highWaterMark === 'number') {
        handler[HIGH_WATER_MARK_SYMBOL] = parseInt(options.highWaterMark, 10);
      }
      return handler;
    },
  };
}

module.exports = { loadHandler, getHandlerMetadata, installAwsLambdaGlobal };
