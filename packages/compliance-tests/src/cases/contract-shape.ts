import assert from 'node:assert/strict';
import { DEFAULT_MAX_ENVELOPE_BYTES, TRANSPORT_NAME_PATTERN, TRANSPORT_SPECIFICATION_VERSION, type Transport } from '@skcomm/core';
import { defineCase } from '../define-case.js';
import { failIfAny } from '../exchange.js';

const DELIVERY = ['realtime', 'store-and-forward', 'offline'];
const STEALTH = ['low', 'medium', 'high'];
const METHODS = ['start', 'stop', 'isAvailable', 'send', 'receive', 'healthCheck'] as const;

export const wellFormedDeclaration = defineCase({
  name: 'declares specificationVersion skcomm-transport/1, a valid name and priority, and well-formed traits',
  async body({ endpoints }) {
    failIfAny([...declarationProblems('a', endpoints.a), ...declarationProblems('b', endpoints.b)]);
  },
});

function declarationProblems(label: string, transport: Transport): string[] {
  const problems: string[] = [];
  const problem = (ok: boolean, message: string) => {
    if (!ok) problems.push(`${label}: ${message}`);
  };
  problem(
    transport.specificationVersion === TRANSPORT_SPECIFICATION_VERSION,
    `specificationVersion is ${JSON.stringify(transport.specificationVersion)}, not "${TRANSPORT_SPECIFICATION_VERSION}"`,
  );
  problem(typeof transport.name === 'string' && TRANSPORT_NAME_PATTERN.test(transport.name), `name ${JSON.stringify(transport.name)} is not a transport name`);
  problem(Number.isFinite(transport.priority), `priority ${String(transport.priority)} is not a finite number`);
  for (const method of METHODS) problem(typeof transport[method] === 'function', `${method}() is missing`);
  problem(transport.subscribe === undefined || typeof transport.subscribe === 'function', 'subscribe is neither absent nor a function');

  const traits = transport.traits;
  assert.ok(typeof traits === 'object' && traits !== null, `${label}: traits is not an object`);
  problem(DELIVERY.includes(traits.delivery), `traits.delivery ${JSON.stringify(traits.delivery)} is not one of ${DELIVERY.join(', ')}`);
  problem(Number.isFinite(traits.expectedLatencyMs) && traits.expectedLatencyMs >= 0, 'traits.expectedLatencyMs is not a number >= 0');
  problem(
    Number.isInteger(traits.maxEnvelopeBytes) && traits.maxEnvelopeBytes > 0 && traits.maxEnvelopeBytes <= DEFAULT_MAX_ENVELOPE_BYTES,
    `traits.maxEnvelopeBytes ${String(traits.maxEnvelopeBytes)} is not an integer in 1..${DEFAULT_MAX_ENVELOPE_BYTES}`,
  );
  problem(STEALTH.includes(traits.stealth), `traits.stealth ${JSON.stringify(traits.stealth)} is not one of ${STEALTH.join(', ')}`);
  problem(typeof traits.metadataExposure === 'string' && traits.metadataExposure.trim() !== '', 'traits.metadataExposure is empty');
  problem(typeof traits.duplex === 'boolean', 'traits.duplex is not a boolean');
  problem(typeof traits.hopAck === 'boolean', 'traits.hopAck is not a boolean');
  return problems;
}
