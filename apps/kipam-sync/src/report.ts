/** The drift report as Kipam answers it (POST /v1/clusters/{id}/observations), and its table. */
export interface ReportItem {
  kind: string;
  namespace: string | null;
  name: string;
  status: string;
  kipam: Record<string, unknown> | null;
  observed: Record<string, unknown> | null;
  differences: string[];
  action: string | null;
  note: string | null;
}

export interface Report {
  clusterId: string;
  observation: string;
  applied: string | null;
  counts: { inSync: number; unmanaged: number; leaked: number; mismatched: number; conflicting: number };
  adopted: number;
  released: number;
  items: ReportItem[];
  ignored: { kind: string | null }[];
}

/** The addresses of one side: pod CIDRs, ClusterIPs, CIDRs or subnets, whichever it has. */
function side(value: Record<string, unknown> | null): string {
  if (!value) return '-';
  const list = value.podCIDRs ?? value.clusterIPs ?? value.cidrs ?? value.podSubnet;
  return Array.isArray(list) ? list.join(',') || '-' : '-';
}

/** Columns padded to their widest cell, like kubectl's tables. */
export function renderTable(report: Report): string {
  const rows = [
    ['KIND', 'NAME', 'STATUS', 'KIPAM', 'OBSERVED', 'ACTION', 'NOTE'],
    ...report.items.map((i) => [
      i.kind,
      i.namespace ? `${i.namespace}/${i.name}` : i.name,
      i.status,
      side(i.kipam),
      side(i.observed),
      i.action ?? '',
      i.note ?? (i.differences.length ? `differs: ${i.differences.join(', ')}` : ''),
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const lines = rows.map((r) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c])))
      .join('   ')
      .trimEnd(),
  );
  const c = report.counts;
  lines.push(
    '',
    `${c.inSync} in-sync, ${c.unmanaged} unmanaged, ${c.leaked} leaked, ${c.mismatched} mismatched, ${c.conflicting} conflicting` +
      (report.applied ? `; ${report.adopted} adopted, ${report.released} released` : '; dry run, nothing changed') +
      ` (observation ${report.observation}${report.ignored.length ? `, ${report.ignored.length} objects of other kinds ignored` : ''})`,
  );
  return `${lines.join('\n')}\n`;
}
