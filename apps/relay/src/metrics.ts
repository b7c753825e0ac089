/** Counters the relay exposes at /metrics, in the Prometheus text format. */
export class RelayMetrics {
  connectionsOpened = 0;
  connectionsCurrent = 0;
  readonly handshakesRefused = new Map<number, number>();
  envelopesAccepted = 0;
  envelopesDelivered = 0;
  envelopesAcknowledged = 0;
  envelopesExpired = 0;
  readonly envelopesRefused = new Map<string, number>();
  malformedFrames = 0;
  signalsForwarded = 0;
  signalsNotForwarded = 0;

  refuseHandshake(status: number): void {
    this.handshakesRefused.set(status, (this.handshakesRefused.get(status) ?? 0) + 1);
  }

  refuseEnvelope(reason: string): void {
    this.envelopesRefused.set(reason, (this.envelopesRefused.get(reason) ?? 0) + 1);
  }

  render(gauges: { mailboxMessages: number; mailboxBytes: number; mailboxRecipients: number; mailboxSegments: number }): string {
    const lines: string[] = [];
    const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: Array<[string, number]>) => {
      lines.push(`# HELP skcomm_relay_${name} ${help}`, `# TYPE skcomm_relay_${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`skcomm_relay_${name}${labels} ${value}`);
    };
    metric('connections_opened_total', 'counter', 'Authenticated connections accepted.', [['', this.connectionsOpened]]);
    metric('connections', 'gauge', 'Authenticated connections open now.', [['', this.connectionsCurrent]]);
    metric('handshakes_refused_total', 'counter', 'Upgrades refused, by HTTP status.', [...this.handshakesRefused].map(([status, count]) => [`{status="${status}"}`, count]));
    metric('envelopes_accepted_total', 'counter', 'Envelopes stored and hop-acked.', [['', this.envelopesAccepted]]);
    metric('envelopes_delivered_total', 'counter', 'Envelopes pushed to recipients (redeliveries included).', [['', this.envelopesDelivered]]);
    metric('envelopes_acknowledged_total', 'counter', 'Envelopes recipients acknowledged (removed from the mailbox).', [['', this.envelopesAcknowledged]]);
    metric('envelopes_expired_total', 'counter', 'Envelopes removed after their TTL.', [['', this.envelopesExpired]]);
    metric('envelopes_refused_total', 'counter', 'Envelopes refused, by reason.', [...this.envelopesRefused].map(([reason, count]) => [`{reason="${reason}"}`, count]));
    metric('malformed_frames_total', 'counter', 'Frames that did not decode (the connection was closed).', [['', this.malformedFrames]]);
    metric('signals_forwarded_total', 'counter', 'WebRTC signals forwarded to a signaling connection.', [['', this.signalsForwarded]]);
    metric('signals_not_forwarded_total', 'counter', 'WebRTC signals not forwarded (recipient not connected, rate limited).', [['', this.signalsNotForwarded]]);
    metric('mailbox_envelopes', 'gauge', 'Envelopes waiting in mailboxes.', [['', gauges.mailboxMessages]]);
    metric('mailbox_bytes', 'gauge', 'Bytes waiting in mailboxes.', [['', gauges.mailboxBytes]]);
    metric('mailbox_recipients', 'gauge', 'Recipients with waiting envelopes.', [['', gauges.mailboxRecipients]]);
    metric('mailbox_segments', 'gauge', 'Segment files of the mailbox log.', [['', gauges.mailboxSegments]]);
    metric('resident_memory_bytes', 'gauge', 'Resident set size of the relay process.', [['', process.memoryUsage.rss()]]);
    return `${lines.join('\n')}\n`;
  }
}
