import assert from 'node:assert/strict';
import { InvalidNodeIDError, InvalidNodeKeyError } from '../../../../framework/identity/errors.js';
import { isNodeID, nodeIdFromPublicKey, normalizeNodeID, parseNodeID } from '../../../../framework/identity/node-id.js';
import { NodeKey } from '../../../../framework/identity/node-key.js';

const VALID = '00112233445566778899aabbccddeeff00112233';

describe('NodeID', () => {
  describe('parseNodeID (strict, tm35 NodeID.Validate)', () => {
    it('accepts 40 lowercase hex characters', () => {
      assert.equal(parseNodeID(VALID), VALID);
    });

    const invalid: Array<[string, string, RegExp]> = [
      ['empty', '', /empty/],
      ['too short ("00")', '00', /2 characters/],
      ['39 characters', VALID.slice(0, 39), /39 characters/],
      ['41 characters', `${VALID}4`, /41 characters/],
      ['upper case', '00112233445566778899AABBCCDDEEFF00112233', /upper-case/],
      ['non-hex "g"', '00112233445566778899aabbccddeeffgg001122', /other than 0-9 and a-f/],
      ['non-hex last char', '00112233445566778899aabbccddeeff0011223g', /other than 0-9 and a-f/],
      ['surrounding space', ` ${VALID.slice(1)}`, /other than 0-9/],
    ];
    for (const [label, value, why] of invalid) {
      it(`rejects ${label}`, () => {
        assert.throws(
          () => parseNodeID(value),
          (err: unknown) => {
            assert.ok(err instanceof InvalidNodeIDError);
            assert.equal(err.name, 'InvalidNodeIDError');
            assert.equal(err.value, value);
            assert.match(err.message, why);
            assert.ok(err.message.includes(JSON.stringify(value)), 'message names the value');
            assert.match(err.message, /40 lowercase hex/);
            return true;
          },
        );
      });
    }
  });

  describe('normalizeNodeID (tm35 NewNodeID)', () => {
    const cases: Array<[string, string | undefined]> = [
      ['', undefined],
      ['foo', undefined],
      [VALID, VALID],
      ['00112233445566778899AABBCCDDEEFF00112233', VALID],
      ['00112233445566778899aabbccddeeff0011223', undefined],
      ['00112233445566778899aabbccddeeff0011223g', undefined],
    ];
    for (const [input, expected] of cases) {
      it(`${JSON.stringify(input)} → ${expected === undefined ? 'error' : expected}`, () => {
        if (expected === undefined) assert.throws(() => normalizeNodeID(input), InvalidNodeIDError);
        else assert.equal(normalizeNodeID(input), expected);
      });
    }
  });

  it('isNodeID is a strict type guard', () => {
    assert.equal(isNodeID(VALID), true);
    assert.equal(isNodeID(VALID.toUpperCase()), false);
    assert.equal(isNodeID(VALID.slice(1)), false);
    assert.equal(isNodeID(42), false);
    assert.equal(isNodeID(undefined), false);
  });

  describe('nodeIdFromPublicKey', () => {
    it('derives 045f5600… for GenPrivKeyFromSecret("foo") (tm35 TestNewNodeIDFromPubKey)', () => {
      const pub = Buffer.from('34d26579dbb456693e540672cf922f52dde0d6532e35bf06be013a7c532f20e0', 'hex');
      assert.equal(nodeIdFromPublicKey(pub), '045f5600654182cfeaccfe6cb19f0642e8a59898');
      assert.equal(NodeKey.fromSecret('foo').nodeId, '045f5600654182cfeaccfe6cb19f0642e8a59898');
    });

    for (const len of [0, 31, 33, 64]) {
      it(`rejects a ${len}-byte key`, () => {
        assert.throws(() => nodeIdFromPublicKey(new Uint8Array(len)), (err: unknown) => err instanceof InvalidNodeKeyError && err.message.includes(`${len} bytes`));
      });
    }
  });
});
