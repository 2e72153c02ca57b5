import assert from 'node:assert/strict';
import { Graph, sampleVertices } from '../../../../node/simulation/graph.js';
import { seeded } from '../../../support/fakes.js';

function path(n: number): Graph {
  const g = new Graph(n);
  for (let i = 0; i + 1 < n; i++) g.addEdge(i, i + 1);
  return g;
}

function cycle(n: number): Graph {
  const g = path(n);
  g.addEdge(n - 1, 0);
  return g;
}

function complete(n: number): Graph {
  const g = new Graph(n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) g.addEdge(i, j);
  return g;
}

const all = (g: Graph) => Array.from({ length: g.size }, (_, i) => i);

/** The diameter by brute force: the largest eccentricity over every vertex. */
const trueDiameter = (g: Graph) => Math.max(...all(g).map((v) => g.eccentricity(v)));


describe('simulation graph analysis', () => {
  it('counts each undirected edge once, whichever end adds it, and ignores self-loops', () => {
    const g = new Graph(3);
    g.addEdge(0, 1);
    g.addEdge(1, 0);
    g.addEdge(2, 2);
    assert.equal(g.edgeCount, 1);
    assert.deepEqual([...g.neighbours(1)], [0]);
    assert.equal(g.degree(2), 0);
  });

  it('finds hop distances by BFS, −1 for unreachable vertices', () => {
    const g = path(4);
    g.addEdge(0, 3); // now a 4-cycle
    const h = new Graph(6);
    for (const [a, b] of [[0, 1], [1, 2], [3, 4]]) h.addEdge(a!, b!);
    assert.deepEqual([...g.distancesFrom(0)], [0, 1, 2, 1]);
    assert.deepEqual([...h.distancesFrom(0)], [0, 1, 2, -1, -1, -1]);
  });

  it('tells connected from disconnected graphs and lists components largest first', () => {
    assert.equal(path(10).isConnected(), true);
    assert.equal(new Graph(0).isConnected(), true);
    assert.equal(new Graph(1).isConnected(), true);
    assert.equal(new Graph(2).isConnected(), false);
    const g = new Graph(7);
    for (const [a, b] of [[0, 1], [2, 3], [3, 4], [4, 2]]) g.addEdge(a!, b!);
    assert.equal(g.isConnected(), false);
    assert.deepEqual(g.components().map((c) => c.sort()), [[2, 3, 4], [0, 1], [5], [6]]);
    g.addEdge(1, 2);
    g.addEdge(5, 6);
    g.addEdge(6, 0);
    assert.equal(g.isConnected(), true);
    assert.equal(g.components().length, 1);
  });

  it('gets the exact diameter of known graphs from every source, and a lower bound from fewer', () => {
    const cases: Array<[string, Graph, number]> = [
      ['path of 9', path(9), 8],
      ['cycle of 10', cycle(10), 5],
      ['cycle of 11', cycle(11), 5],
      ['complete graph of 6', complete(6), 1],
      ['single vertex', new Graph(1), 0],
    ];
    const star = new Graph(8);
    for (let i = 1; i < 8; i++) star.addEdge(0, i);
    cases.push(['star of 8', star, 2]);
    for (const [name, g, diameter] of cases) {
      assert.equal(trueDiameter(g), diameter, name);
      assert.equal(g.diameterEstimate(all(g)), diameter, `${name}: every source`);
      assert.ok(g.diameterEstimate([0]) <= diameter, `${name}: one source is a lower bound`);
    }
    // The double sweep finds a path's diameter from its middle, where one BFS sees only half of it.
    assert.equal(path(9).eccentricity(4), 4);
    assert.equal(path(9).diameterEstimate([4]), 8);
  });

  it('estimates random sparse graphs close to their true diameter, never above it', () => {
    const random = seeded(7);
    for (let trial = 0; trial < 5; trial++) {
      const g = new Graph(300);
      for (let v = 0; v < 300; v++) for (let k = 0; k < 3; k++) g.addEdge(v, Math.floor(random() * 300));
      const exact = trueDiameter(g);
      const estimate = g.diameterEstimate(sampleVertices(300, 8, random));
      assert.ok(estimate <= exact && estimate >= exact - 1, `trial ${trial}: estimate ${estimate}, exact ${exact}`);
    }
  });

  it('rejects vertices outside the graph with a clear error', () => {
    const g = new Graph(3);
    assert.throws(() => g.addEdge(0, 3), { name: 'InvalidArgumentError', message: /vertex 3 is not in this graph of 3 vertices/ });
    assert.throws(() => g.distancesFrom(-1), { name: 'InvalidArgumentError' });
    assert.throws(() => new Graph(-2), { name: 'InvalidArgumentError' });
  });

  it('samples distinct vertices, all of them when asked for more', () => {
    const random = seeded(3);
    const picked = sampleVertices(50, 10, random);
    assert.equal(picked.length, 10);
    assert.equal(new Set(picked).size, 10);
    assert.ok(picked.every((v) => v >= 0 && v < 50));
    assert.deepEqual(sampleVertices(4, 9, random), [0, 1, 2, 3]);
  });
});
