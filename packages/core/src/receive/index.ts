/** @skcomm/core/receive: the receive pipeline, the only producer of VerifiedMessages. */
export { COMMAND_TYPE, COMMAND_VERB_PATTERN, type CommandHandler, commandVerb } from './command.js';
export {
  createReceivePipeline,
  MAX_CLOCK_SKEW_MS,
  type ReceiveOutcome,
  type ReceivePipeline,
  type ReceivePipelineOptions,
} from './pipeline.js';
export { type ReceiveAllResult, type ReceiveRejection, receiveAll } from './receive-all.js';
