/** Account and region the platform presents itself as; both are configurable. */
export interface AccountContext {
  accountId: string;
  region: string;
}

export function functionArn(account: AccountContext, functionName: string, qualifier?: string) {
  const base = `arn:aws:lambda:${account.region}:${account.accountId}:function:${functionName}`;
  return qualifier === undefined ? base : `${base}:${qualifier}`;
}

export interface FunctionReference {
  functionName: string;
  qualifier: string | undefined;
  /** Set when the caller gave an ARN naming a region or account. */
  region: string | undefined;
  accountId: string | undefined;
}

const NAME = '[a-zA-Z0-9-_]+';
const QUALIFIER = '(\\$LATEST|[a-zA-Z0-9-_]+)';
const FULL_ARN = new RegExp(
  `^arn:(aws[a-zA-Z-]*):lambda:([a-z]{2}(?:-gov)?-[a-z]+-\\d{1}):(\\d{12}):function:(${NAME})(?::${QUALIFIER})?$`,
);
const PARTIAL_ARN = new RegExp(`^(\\d{12}):function:(${NAME})(?::${QUALIFIER})?$`);
const NAME_WITH_QUALIFIER = new RegExp(`^(${NAME})(?::${QUALIFIER})?$`);

/**
 * Parses the FunctionName forms Lambda accepts: a name, `name:qualifier`, a partial ARN
 * (`123456789012:function:name`) or a full ARN; returns undefined for anything else.
 */
export function parseFunctionReference(value: string): FunctionReference | undefined {
  const full = FULL_ARN.exec(value);
  if (full) {
    return { region: full[2], accountId: full[3], functionName: full[4] ?? '', qualifier: full[5] };
  }
  const partial = PARTIAL_ARN.exec(value);
  if (partial) {
    return {
      region: undefined,
      accountId: partial[1],
      functionName: partial[2] ?? '',
      qualifier: partial[3],
    };
  }
  const short = NAME_WITH_QUALIFIER.exec(value);
  if (short && (short[1] ?? '').length <= 64) {
    return {
      region: undefined,
      accountId: undefined,
      functionName: short[1] ?? '',
      qualifier: short[2],
    };
  }
  return undefined;
}

/** The regular expression Lambda's API model gives for FunctionName, quoted in its errors. */
export const FUNCTION_NAME_MODEL_PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?';
