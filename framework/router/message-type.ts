import { InvalidArgumentError, P2PError } from '../errors/base.js';

/**
 * What the router needs of a channel's Protobuf type. protobufjs static
 * classes (`proto/gen`) satisfy it as they are. When `encode` returns a
 * protobufjs writer, the router passes its own reused writer as a second
 * argument afterwards (see MessageEncoder); a type that ignores it and
 * returns another object is encoded with that object's `finish()`.
 */
export interface MessageType<M> {
  encode(message: M): { finish(): Uint8Array };
  decode(bytes: Uint8Array): M;
}

/** A constructor; used to dispatch inner messages by class. */
export type MessageClass<T = unknown> = abstract new (...args: never[]) => T;

/**
 * A channel type that wraps several inner messages (typically a Protobuf
 * `oneof`). The router wraps outgoing inner messages and unwraps incoming
 * ones, so reactors only see the inner types.
 */
export interface Wrapper<Outer, Inner> {
  wrap(inner: Inner): Outer;
  /** Throws UnwrapError when the outer message holds nothing the channel knows. */
  unwrap(outer: Outer): Inner;
  /** The inner classes, for handler dispatch and boot-time checks. */
  readonly innerTypes: readonly MessageClass<Inner>[];
}

/** A received message could not be decoded into the channel's type. */
export class MessageDecodeError extends P2PError {
  override name = 'MessageDecodeError';
}

/** A decoded outer message holds no inner message this channel knows (empty or unknown oneof). */
export class UnwrapError extends P2PError {
  override name = 'UnwrapError';
}

type InstanceOf<C> = C extends abstract new (...args: never[]) => infer T ? T : never;

/**
 * Builds a Wrapper over a protobufjs `oneof`: `fields` maps each oneof field
 * name to the class of its message, e.g. `{ ping: Ping, pong: Pong }`.
 */
export function oneofWrapper<Outer extends object, F extends Record<string, MessageClass>>(
  outer: { create(properties?: object): Outer },
  fields: F,
  oneofName = 'sum',
): Wrapper<Outer, InstanceOf<F[keyof F]>> {
  type Inner = InstanceOf<F[keyof F]>;
  const fieldByClass = new Map<unknown, string>();
  for (const [field, cls] of Object.entries(fields)) fieldByClass.set(cls, field);
  if (fieldByClass.size === 0) throw new InvalidArgumentError('oneofWrapper needs at least one field');
  return {
    innerTypes: Object.values(fields) as unknown as MessageClass<Inner>[],
    wrap(inner: Inner): Outer {
      const field = fieldByClass.get((inner as object).constructor);
      if (field === undefined) {
        throw new InvalidArgumentError(
          `cannot wrap ${(inner as object).constructor?.name ?? typeof inner}: not one of ${[...fieldByClass.values()].join(', ')}`,
        );
      }
      // Set on an empty message rather than create({ [field]: inner }): the same own property, without a
      // temporary object whose keys create() would walk (once per message sent on the channel).
      const message = outer.create();
      (message as Record<string, unknown>)[field] = inner;
      return message;
    },
    unwrap(message: Outer): Inner {
      const field = (message as Record<string, unknown>)[oneofName];
      if (typeof field !== 'string' || !Object.hasOwn(fields, field)) {
        throw new UnwrapError(`message has no known '${oneofName}' field set (got ${String(field)})`);
      }
      const inner = (message as Record<string, unknown>)[field];
      if (inner === null || inner === undefined) throw new UnwrapError(`oneof field '${field}' is empty`);
      return inner as Inner;
    },
  };
}
