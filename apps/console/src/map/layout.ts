import { indexToPoint, pointToIndex } from 'hilbert-curve';

/**
 * Where cell i of 2^depth cells sits on the map. Consecutive addresses stay
 * close on a Hilbert curve, so a block of any aligned size is one compact
 * patch. An even depth is one square; an odd depth is two squares side by
 * side (the lower half of the prefix on the left).
 */
export interface MapLayout {
  columns: number;
  rows: number;
  point(index: number): { x: number; y: number };
  index(x: number, y: number): number;
}

export function mapLayout(depth: number): MapLayout {
  const order = Math.floor(depth / 2);
  const side = 2 ** order;
  const halves = depth % 2 === 1 ? 2 : 1;
  const perSquare = side * side;
  return {
    columns: side * halves,
    rows: side,
    point(index) {
      const square = Math.floor(index / perSquare);
      const p = indexToPoint(index % perSquare, order);
      return { x: p.x + square * side, y: p.y };
    },
    index(x, y) {
      const square = Math.floor(x / side);
      return square * perSquare + pointToIndex({ x: x % side, y }, order);
    },
  };
}
