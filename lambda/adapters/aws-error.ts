/** Reading an AWS SDK error defensively: SDK errors are objects with a name, `$fault` and `$metadata`. */

export interface AwsErrorShape {
  readonly name: string;
  readonly message: string;
  /** Who AWS blamed: the request (`client`) or itself (`server`); undefined when no response came back. */
  readonly fault: 'client' | 'server' | undefined;
  readonly status: number | undefined;
  /** Node's error code (`ECONNREFUSED`, ...) for errors that never reached AWS. */
  readonly code: string | undefined;
}

export function awsErrorShape(error: unknown): AwsErrorShape {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const status = e.$metadata?.httpStatusCode;
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    message: typeof e.message === 'string' ? e.message : String(error),
    fault: e.$fault === 'client' || e.$fault === 'server' ? e.$fault : undefined,
    status: typeof status === 'number' ? status : undefined,
    code: typeof e.code === 'string' ? e.code : undefined,
  };
}

/** Flattens AWS's text to one short line: messages can carry newlines, and logs and stderr get one line. */
export function oneLine(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed.
  const flat = text.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
