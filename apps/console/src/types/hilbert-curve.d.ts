declare module 'hilbert-curve' {
  /** The point of the index-th cell on a Hilbert curve of 2^order × 2^order cells. */
  export function indexToPoint(index: number, order: number): { x: number; y: number };
  export function pointToIndex(point: { x: number; y: number }, order: number): number;
}
