import type { Subscription } from 'rxjs';
import type { Node } from '../node.js';
import { PexReactor } from '../../reactors/pex/pex-reactor.js';
import type { SimulatedMember, SimulatedNetwork } from './simulated-network.js';

/** PEX and router counters summed over every node, including nodes that have since stopped. */
export class RunCounters {
  readonly pex = { requestsSent: 0, responsesReceived: 0, addressesLearned: 0, errors: 0 };
  peerErrors = 0;
  loopErrors = 0;
  private readonly subscriptions: Subscription[] = [];
  private finished = false;

  constructor(network: SimulatedNetwork) {
    this.subscriptions.push(
      network.started$.subscribe((member) => this.watch(member)),
      network.stopping$.subscribe(({ node }) => this.fold(node)),
    );
  }

  /** Counters of the nodes still running, added at the end. */
  finish(network: SimulatedNetwork): void {
    if (this.finished) return;
    this.finished = true;
    for (const member of network.running()) this.fold(member.node!);
    for (const s of this.subscriptions) s.unsubscribe();
  }

  private watch(member: SimulatedMember): void {
    this.subscriptions.push(
      member.node!.events$.subscribe((event) => {
        if (event.type === 'peer-error') this.peerErrors++;
        else if (event.type === 'loop-error') this.loopErrors++;
      }),
    );
  }

  private fold(node: Node): void {
    const stats = node.reactor(PexReactor).stats;
    this.pex.requestsSent += stats.requestsSent;
    this.pex.responsesReceived += stats.responsesReceived;
    this.pex.addressesLearned += stats.addressesLearned;
    this.pex.errors += stats.errors;
  }
}
