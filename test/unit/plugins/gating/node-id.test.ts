import assert from 'node:assert/strict';
import { NodeIdRules } from '../../../../plugins/gating/node-id.js';
import { InvalidNodeIDError } from '../../../../framework/identity/errors.js';
import type { NodeID } from '../../../../framework/identity/node-id.js';

const id = (n: number) => n.toString(16).padStart(40, '0') as NodeID;

describe('gating: node ID rules', () => {
  it('allows every ID with empty lists', () => {
    assert.equal(new NodeIdRules({ allow: [], deny: [] }).check(id(1)), undefined);
  });

  it('denies listed IDs ("node-id-denied")', () => {
    const rules = new NodeIdRules({ allow: [], deny: [id(1)] });
    assert.equal(rules.check(id(1))?.reason, 'node-id-denied');
    assert.equal(rules.check(id(2)), undefined);
  });

  it('admits only allowed IDs when the allow list is set ("node-id-not-allowed"); deny wins', () => {
    const rules = new NodeIdRules({ allow: [id(1), id(2)], deny: [id(2)] });
    assert.equal(rules.check(id(1)), undefined);
    assert.equal(rules.check(id(2))?.reason, 'node-id-denied');
    assert.equal(rules.check(id(3))?.reason, 'node-id-not-allowed');
  });

  it('refuses malformed IDs, naming them', () => {
    for (const bad of ['ABCDEF'.padEnd(40, '0'), 'abc', 'z'.repeat(40)]) {
      assert.throws(() => new NodeIdRules({ allow: [bad], deny: [] }), (e: Error) => e instanceof InvalidNodeIDError && e.message.includes(JSON.stringify(bad)));
    }
  });
});
