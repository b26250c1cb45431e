export type { ApiContext, GatewayRequest, RouteMatch } from './request.js';
export { buildHttpApiV1Event, buildRestEvent } from './rest-event.js';
export {
  buildFunctionUrlEvent,
  buildHttpApiEvent,
  type FunctionUrlContext,
  type IamCaller,
} from './http-api-event.js';
