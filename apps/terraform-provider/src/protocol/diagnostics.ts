/** A step of an attribute path: an attribute name, a list index, or a map key. */
export type PathStep = string | number | { key: string };
export type Path = PathStep[];

export interface Diagnostic {
  severity: 'ERROR' | 'WARNING';
  summary: string;
  detail?: string;
  path?: Path;
}

export const error = (summary: string, detail?: string, path?: Path): Diagnostic => ({ severity: 'ERROR', summary, detail, path });
export const warning = (summary: string, detail?: string, path?: Path): Diagnostic => ({ severity: 'WARNING', summary, detail, path });

export function protoPath(path: Path) {
  return {
    steps: path.map((s) =>
      typeof s === 'string' ? { attribute_name: s } : typeof s === 'number' ? { element_key_int: s } : { element_key_string: s.key },
    ),
  };
}

export function protoDiagnostics(diagnostics: Diagnostic[]) {
  return diagnostics.map((d) => ({
    severity: d.severity,
    summary: d.summary,
    detail: d.detail ?? '',
    ...(d.path?.length ? { attribute: protoPath(d.path) } : {}),
  }));
}

/** Thrown by resource code: the diagnostics end up in the response, never as a gRPC error. */
export class DiagnosticsError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => `${d.summary}${d.detail ? `: ${d.detail}` : ''}`).join('; '));
  }
}
