import { TransportError } from '@skcomm/core';

/** A failure talking to Syncthing (its REST API, the folder or the peer device). File-system failures stay FileTransportErrors. */
export class SyncthingTransportError extends TransportError {}
