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

  it('help shows every default as the flag takes it: durations as durations, no empty ones', () => {
    for (const command of buildProgram().commands) {
      const help = command.helpInformation();
      assert.doesNotMatch(help, /\(default: \{\}\)/, `${command.name()}: an empty default shown`);
      for (const option of command.options.filter((o) => o.flags.includes('<duration>') && o.defaultValue !== undefined)) {
        const shown = option.defaultValueDescription ?? (typeof option.defaultValue === 'string' ? option.defaultValue : `${option.defaultValue} (milliseconds)`);
        assert.match(shown, /^(0|\d+(ms|s))$/, `${command.name()} ${option.long}: default shown as "${shown}"`);
      }
    }
    const simulate = buildProgram().commands.find((c) => c.name() === 'simulate')!.helpInformation();
    assert.match(simulate, /--churn-downtime <duration>\s+how long a churned node stays away \(default: 5s\)/);
  });

  it('every --home says where the home is without it', () => {
    for (const command of buildProgram().commands) {
      const home = command.options.find((o) => o.long === '--home');
      if (home) assert.match(home.description, /\$TMP2P_HOME, else ~\/\.tmp2p/, command.name());
    }
  });
});
