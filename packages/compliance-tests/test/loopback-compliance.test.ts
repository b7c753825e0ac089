/** The vitest binding, run against a correct transport: every case passes. */
import { describeTransportCompliance } from '../src/vitest.js';
import { loopbackFixture } from './support/loopback-fixture.js';

describeTransportCompliance('loopback', () => loopbackFixture());
