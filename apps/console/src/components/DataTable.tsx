import { useState, type ReactNode } from 'react';
import {
  createColumnHelper,
  createExpandedRowModel,
  createSortedRowModel,
  rowExpandingFeature,
  rowSortingFeature,
  sortFns,
  tableFeatures,
  useTable,
  type ColumnDef,
  type Row,
  type RowData,
  type SortingState,
} from '@tanstack/react-table';

/** Sorting and nested rows (the ranges tree); the markup, keyboard use and labels are ours. */
export const tableFeatureSet = tableFeatures({
  rowExpandingFeature,
  rowSortingFeature,
  expandedRowModel: createExpandedRowModel(),
  sortedRowModel: createSortedRowModel(),
  sortFns,
});
type Features = typeof tableFeatureSet;

// any: a table holds columns of different value types
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Column<T extends RowData> = ColumnDef<Features, T, any>;
export type TableRow<T extends RowData> = Row<Features, T>;
export const columnsFor = <T extends RowData>() => createColumnHelper<Features, T>();

interface Props<T extends RowData> {
  caption: ReactNode;
  columns: Column<T>[];
  data: T[];
  getRowId?: (row: T) => string;
  getSubRows?: (row: T) => T[] | undefined;
  rowClassName?: (row: T) => string | undefined;
  empty?: ReactNode;
  testId?: string;
}

export function DataTable<T extends RowData>({ caption, columns, data, getRowId, getSubRows, rowClassName, empty, testId }: Props<T>) {
  const [sorting, setSorting] = useState<SortingState>([]);
  const table = useTable({
    features: tableFeatureSet,
    columns,
    data,
    getRowId: getRowId ? (row: T) => getRowId(row) : undefined,
    getSubRows,
    state: { sorting },
    onSortingChange: setSorting,
    initialState: { expanded: true },
  });
  const rows = table.getRowModel().rows;
  return (
    <div className="table-wrap">
      <table data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const sorted = header.column.getIsSorted();
                const label = header.isPlaceholder ? null : <table.FlexRender header={header} />;
                return (
                  <th key={header.id} scope="col" aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}>
                    {header.column.getCanSort() && header.column.columnDef.enableSorting !== false ? (
                      <button type="button" className="sort" onClick={header.column.getToggleSortingHandler()}>
                        {label}
                        <span aria-hidden="true">{sorted === 'asc' ? ' ▲' : sorted === 'desc' ? ' ▼' : ''}</span>
                      </button>
                    ) : (
                      label
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="muted">
                {empty ?? 'Nothing here yet.'}
              </td>
            </tr>
          ) : (
            rows.map((row) => (
              <tr key={row.id} className={rowClassName?.(row.original)}>
                {row.getAllCells().map((cell) => (
                  <td key={cell.id}>
                    <table.FlexRender cell={cell} />
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
