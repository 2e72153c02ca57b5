import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Extra IPv6 addresses on the loopback interface, for tests that need clients
 * at several addresses of one /64: Linux keeps only ::1 there, and a socket
 * cannot bind an address the host does not have. Adding them takes root and
 * iproute2's `ip` (our CI has both); `nodad` makes them usable at once. Use
 * documentation addresses (2001:db8::/32) so nothing real is shadowed.
 */
export class LoopbackIPv6 {
  private constructor(private readonly added: readonly string[]) {}

  /** Adds every address as a /128 on `lo`, or removes those it added and throws with the reason. */
  static async add(addresses: readonly string[]): Promise<LoopbackIPv6> {
    const added: string[] = [];
    try {
      for (const address of addresses) {
        await run('ip', ['-6', 'addr', 'add', `${address}/128`, 'dev', 'lo', 'nodad']);
        added.push(address);
      }
    } catch (error) {
      await new LoopbackIPv6(added).remove();
      const why = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
      throw new Error(`cannot add IPv6 addresses to lo (needs root and iproute2): ${why}`);
    }
    return new LoopbackIPv6(added);
  }

  async remove(): Promise<void> {
    for (const address of this.added) await run('ip', ['-6', 'addr', 'del', `${address}/128`, 'dev', 'lo']).catch(() => undefined);
  }
}
