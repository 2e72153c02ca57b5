import { InvalidArgumentError } from '../../framework/errors/base.js';

/**
 * An undirected graph over vertices 0..n−1 as adjacency lists: who is
 * connected to whom at one instant. Edges are symmetric by construction
 * (`addEdge` adds both directions once), so a connection seen from both of
 * its ends is one edge.
 */
export class Graph {
  private readonly adjacency: Set<number>[];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 0) throw new InvalidArgumentError(`graph size must be an integer ≥ 0, got ${size}`);
    this.adjacency = Array.from({ length: size }, () => new Set<number>());
  }

  addEdge(a: number, b: number): void {
    this.check(a);
    this.check(b);
    if (a === b) return;
    this.adjacency[a]!.add(b);
    this.adjacency[b]!.add(a);
  }

  neighbours(vertex: number): ReadonlySet<number> {
    this.check(vertex);
    return this.adjacency[vertex]!;
  }

  degree(vertex: number): number {
    return this.neighbours(vertex).size;
  }

  get edgeCount(): number {
    let twice = 0;
    for (const set of this.adjacency) twice += set.size;
    return twice / 2;
  }

  /** Hop distance from `source` to every vertex; −1 where unreachable. Breadth-first, O(V + E). */
  distancesFrom(source: number): Int32Array {
    this.check(source);
    const distance = new Int32Array(this.size).fill(-1);
    const queue = new Int32Array(this.size);
    let head = 0;
    let tail = 0;
    distance[source] = 0;
    queue[tail++] = source;
    while (head < tail) {
      const vertex = queue[head++]!;
      const next = distance[vertex]! + 1;
      for (const neighbour of this.adjacency[vertex]!) {
        if (distance[neighbour] !== -1) continue;
        distance[neighbour] = next;
        queue[tail++] = neighbour;
      }
    }
    return distance;
  }

  /** Connected components as vertex lists, largest first. */
  components(): number[][] {
    const seen = new Uint8Array(this.size);
    const result: number[][] = [];
    for (let start = 0; start < this.size; start++) {
      if (seen[start]) continue;
      const component: number[] = [];
      const distance = this.distancesFrom(start);
      for (let v = 0; v < this.size; v++) {
        if (distance[v] === -1) continue;
        seen[v] = 1;
        component.push(v);
      }
      result.push(component);
    }
    return result.sort((a, b) => b.length - a.length);
  }

  /** Whether every vertex reaches every other (true for 0 or 1 vertices). */
  isConnected(): boolean {
    if (this.size <= 1) return true;
    return !this.distancesFrom(0).includes(-1);
  }

  /** The longest shortest path from `source` to a vertex it reaches. */
  eccentricity(source: number): number {
    let max = 0;
    for (const d of this.distancesFrom(source)) if (d > max) max = d;
    return max;
  }

  /**
   * A lower bound on the diameter (exact when `sources` covers every
   * vertex): the largest eccentricity among `sources`, each followed by one
   * more BFS from the farthest vertex it found (the double sweep, which
   * usually lands on the true diameter of sparse random graphs). Distances
   * are within components; an unconnected graph has no finite diameter, so
   * check `isConnected()` alongside.
   */
  diameterEstimate(sources: Iterable<number>): number {
    let best = 0;
    for (const source of sources) {
      const distance = this.distancesFrom(source);
      let far = source;
      for (let v = 0; v < this.size; v++) if (distance[v]! > distance[far]!) far = v;
      best = Math.max(best, distance[far]!, this.eccentricity(far));
    }
    return best;
  }

  private check(vertex: number): void {
    if (!Number.isInteger(vertex) || vertex < 0 || vertex >= this.size) {
      throw new InvalidArgumentError(`vertex ${vertex} is not in this graph of ${this.size} vertices`);
    }
  }
}

/** `count` distinct vertices of 0..size−1 picked at random (all of them when count ≥ size). */
export function sampleVertices(size: number, count: number, random: () => number = Math.random): number[] {
  const all = Array.from({ length: size }, (_, i) => i);
  if (count >= size) return all;
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (size - i));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, count);
}
