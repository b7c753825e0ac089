/** @skcomm/core/agent: one agent home, composed. */
export { Agent, type AgentOpenOptions } from './agent.js';
export { type DaemonOptions, type DaemonSummary, runDaemon } from './daemon.js';
export { decideRound, type RoundDecision } from './delivery.js';
export {
  type DroppedFileTransfer,
  FILE_RETRIES_WITHOUT_PROGRESS,
  type FileResumeSummary,
  type FileRetryReport,
  type FileSendPhase,
  type FileTransferProgress,
  type FileSendReport,
  type PendingFileTransfer,
  outgoingTransfersDir,
  receivedFilesDir,
  type ResumeFileTransfersOptions,
  type SendFileOptions,
} from './files.js';
export {
  buildInlineFileBody,
  INLINE_FILE_CONTENT_TYPE,
  INLINE_FILE_PAYLOAD_TYPE,
  type InlineFile,
  MAX_INLINE_FILE_BYTES,
  parseInlineFileBody,
} from './inline-file.js';
export { type ReceivedFileBody, receivedFileOf, STREAMED_FILE_PAYLOAD_TYPE } from './received-files.js';
export type * from './types.js';
