import type { ComplianceCase } from '../fixture.js';
import { attachmentNotDeliveredTwice, attachmentOverLimitRefused, attachmentRedeliveredAfterCommit, attachmentResumes, attachmentRoundTrip } from './attachment.js';
import { abortedSendRejected, healthIsTruthful, sendToDownFailsRetryable } from './failure.js';
import { committedNotRedelivered, uncommittedRedelivered } from './commit.js';
import { wellFormedDeclaration } from './contract-shape.js';
import { nothingAfterStop, startStopIdempotent, subscribePushes } from './life-cycle.js';
import { byteValuesSurvive, maxSizeRoundTrip, nothingWhenEmpty, oversizeRefused, tinyRoundTrip, unicodeSurvives } from './round-trip.js';
import { concurrentSends, receiveLimit, thousandArrive } from './volume.js';

/** Every conformance case, in the order they are reported. */
export const complianceCases: readonly ComplianceCase[] = [
  wellFormedDeclaration,
  startStopIdempotent,
  nothingWhenEmpty,
  tinyRoundTrip,
  maxSizeRoundTrip,
  oversizeRefused,
  byteValuesSurvive,
  unicodeSurvives,
  thousandArrive,
  concurrentSends,
  receiveLimit,
  uncommittedRedelivered,
  committedNotRedelivered,
  sendToDownFailsRetryable,
  healthIsTruthful,
  abortedSendRejected,
  nothingAfterStop,
  subscribePushes,
];

/**
 * The cases of the optional `sendWithAttachment` capability: "not applicable" for a
 * transport without it. Kept apart so `complianceCases` stays what every transport passes.
 */
export const attachmentComplianceCases: readonly ComplianceCase[] = [
  attachmentRoundTrip,
  attachmentOverLimitRefused,
  attachmentNotDeliveredTwice,
  attachmentRedeliveredAfterCommit,
  attachmentResumes,
];
