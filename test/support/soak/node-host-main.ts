import 'reflect-metadata';
import { SoakNodeHost } from './node-host.js';
import type { HostReply, HostRequest } from './host-protocol.js';

/*
 * The entry of a soak node's child process (forked by HostHandle): answers
 * the conductor's requests over IPC, one reply per request id. It exits when
 * the conductor says stop or goes away, so an interrupted soak leaves no
 * node behind.
 */
const host = new SoakNodeHost();

async function handle(request: HostRequest): Promise<unknown> {
  switch (request.op) {
    case 'start':
      return host.start(request.spec);
    case 'restart':
      return host.restart();
    case 'peer-restarting':
      return host.peerRestarting(request.nodeId);
    case 'peer-back':
      return host.peerBack(request.nodeId);
    case 'traffic':
      return host.traffic(request.on);
    case 'sample':
      return host.sample();
    case 'peers':
      return host.peers();
    case 'report':
      return host.report();
    case 'stop':
      return host.stop();
  }
}

function reply(message: HostReply): void {
  if (process.connected) process.send!(message);
}

process.on('message', (message: { id: number; request: HostRequest }) => {
  handle(message.request).then(
    (value) => {
      reply({ id: message.id, ok: true, value: value ?? null });
      if (message.request.op === 'stop') process.disconnect();
    },
    (error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      reply({ id: message.id, ok: false, error: { name: e.name, message: e.message } });
    },
  );
});

// Ctrl-C reaches the whole process group: the conductor winds the run down and stops this node itself.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});

// The conductor is gone (finished, or killed): stop the node and leave.
process.on('disconnect', () => {
  host.stop().finally(() => process.exit(0));
});
