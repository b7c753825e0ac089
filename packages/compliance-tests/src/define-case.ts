/**
 * Wraps a case body with the fixture life cycle: setup, start both endpoints, run, then
 * always stop both and tear down. The body's failure wins over a cleanup failure.
 */
import { AssertionError } from 'node:assert';
import { Exchange } from './exchange.js';
import type { ComplianceCase, ComplianceEndpoints, ComplianceFixture } from './fixture.js';
import { ComplianceNotApplicableError } from './not-applicable.js';

export interface DownControl {
  takeDown(): Promise<void>;
  bringUp(): Promise<void>;
}

export interface CaseContext {
  exchange: Exchange;
  endpoints: ComplianceEndpoints;
  /**
   * For cases that take the counterpart down: the fixture's takeDown/bringUp. Throws
   * "not applicable" when the fixture declared why it cannot, and fails when it did not.
   */
  requireDownControl(): DownControl;
}

export interface CaseDefinition {
  name: string;
  body(context: CaseContext): Promise<void>;
}

export function defineCase(definition: CaseDefinition): ComplianceCase {
  return {
    name: definition.name,
    async run(fixture) {
      const endpoints = await fixture.setup();
      let failure: { error: unknown } | undefined;
      try {
        await endpoints.a.start();
        await endpoints.b.start();
        await definition.body({
          exchange: new Exchange(endpoints, fixture),
          endpoints,
          requireDownControl: () => downControl(fixture, endpoints),
        });
      } catch (error) {
        failure = { error };
      }
      const cleanupErrors: unknown[] = [];
      for (const step of [() => endpoints.a.stop(), () => endpoints.b.stop(), () => fixture.teardown()]) {
        try {
          await step();
        } catch (error) {
          cleanupErrors.push(error);
        }
      }
      if (failure !== undefined) throw failure.error;
      if (cleanupErrors.length > 0) throw cleanupErrors[0];
    },
  };
}

function downControl(fixture: ComplianceFixture, endpoints: ComplianceEndpoints): DownControl {
  const { takeDown, bringUp } = endpoints;
  if (takeDown !== undefined && bringUp !== undefined) {
    return { takeDown: () => takeDown.call(endpoints), bringUp: () => bringUp.call(endpoints) };
  }
  const reason = fixture.limitations?.takeDown?.trim();
  if (reason) throw new ComplianceNotApplicableError(reason);
  throw new AssertionError({
    message:
      'this case takes the counterpart down, but the fixture provides no takeDown()/bringUp() and declares no reason in limitations.takeDown',
  });
}

