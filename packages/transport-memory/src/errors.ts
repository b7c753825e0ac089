import { TransportError } from '@skcomm/core';

/** Every failure of the memory transport. `retryable` is false only for input that can never be sent. */
export class MemoryTransportError extends TransportError {}
