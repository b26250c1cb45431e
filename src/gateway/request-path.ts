/**
 * Request paths as each front door passes them to the function. The facts come from live
 * captures against AWS published by hotsock/voker (`vokerhttp/testdata/ingress-paths.json`
 * and the `*-request.json` events beside it, Jul 2026, us-west-2):
 * - REST APIs keep the path percent-encoded as received: `/capture/space%20value` in
 *   `path`, and in `pathParameters.proxy` too.
 * - Function URLs keep `rawPath` encoded but decode `requestContext.http.path` once:
 *   `/capture/space%20value` and `/capture/space value` in the same event.
 * - HTTP APIs decode the path in `rawPath` and `requestContext.http.path`. A fix to the AWS
 *   Lambda adapter of middleapi/standard-server (Sep 2026), checked against these captures,
 *   states the same for the payload 1.0 `path`. See `decodeHttpApiPath` for the steps.
 */

/**
 * Decodes a path as HTTP APIs do, or returns undefined for a path they reject with 400.
 * The captures show two decoding passes with a cut between them: `%3F` becomes `?` and
 * ends the path (`/question%3Fvalue` gives `/question`), while `%253F` gives `?` and stays.
 * `%252F` gives `/`, `%2525` gives `%`, and `%25done` is rejected, because its second pass
 * meets `%do`. `%23` gives `#` and stays. A `+` is not an escape in a path and stays `+`.
 */
export function decodeHttpApiPath(rawPath: string): string | undefined {
  const once = strictDecode(rawPath);
  if (once === undefined) return undefined;

  const queryStart = once.indexOf('?');
  const cut = queryStart === -1 ? once : once.slice(0, queryStart);
  return strictDecode(cut);
}

/**
 * Decodes the percent escapes of a path once, as function URLs do for
 * `requestContext.http.path`. An escape that is malformed or not UTF-8 is kept as received.
 * NOTE: the captures show only a decoded `%20` in this field. Other escapes, and what AWS
 * does with malformed ones, are not confirmed against AWS.
 */
export function decodePathLeniently(rawPath: string): string {
  return rawPath.replace(/(?:%[0-9A-Fa-f]{2})+/g, (escapes) => {
    try {
      return decodeURIComponent(escapes);
    } catch {
      return escapes;
    }
  });
}

function strictDecode(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}
