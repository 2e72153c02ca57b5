import assert from 'node:assert/strict';
import { buildProgram } from '../../../../node/cli/program.js';
import { LOG_FORMATS, LOG_LEVELS } from '../../../../node/cli/log-flags.js';

describe('tmp2p commands', () => {
  it('every command takes --log-level and --log-format, limited to the known values', () => {
    const commands = buildProgram().commands;
    assert.deepEqual(commands.map((c) => c.name()).sort(), ['crawl', 'demo', 'follow', 'init', 'peers', 'send-tx', 'show-node-id', 'simulate', 'start']);
    for (const command of commands) {
      const level = command.options.find((o) => o.long === '--log-level');
      const format = command.options.find((o) => o.long === '--log-format');
      assert.deepEqual(level?.argChoices, [...LOG_LEVELS], command.name());
      assert.deepEqual(format?.argChoices, [...LOG_FORMATS], command.name());
    }
  });

  it('start and peers take the same repeatable --set', () => {
    const commands = buildProgram().commands;
    const set = (name: string) => commands.find((c) => c.name() === name)!.options.find((o) => o.long === '--set');
    assert.ok(set('start') && set('peers'));
    assert.equal(set('peers')!.description, set('start')!.description);
    assert.equal(set('peers')!.parseArg, set('start')!.parseArg);
  });
});
