export {
  functionErrorResponse,
  functionUrlForbiddenResponse,
  invalidPathResponse,
  throttledResponse,
  timeoutResponse,
  type GatewayKind,
  type GatewayResponse,
} from './gateway-response.js';
export { mapFunctionUrlResponse, mapHttpApiResponse } from './http-api-response.js';
export { mapHttpApiV1Response, mapRestResponse, type RestBinarySettings } from './rest-response.js';
