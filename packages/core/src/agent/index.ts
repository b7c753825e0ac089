/** @skcomm/core/agent: one agent home, composed. */
export { Agent, type AgentOpenOptions } from './agent.js';
export { type DaemonOptions, type DaemonSummary, runDaemon } from './daemon.js';
export { decideRound, type RoundDecision } from './delivery.js';
export { outgoingTransfersDir, receivedFilesDir } from './file-paths.js';
export {
  type DroppedFileTransfer,
  type FileResumeSummary,
  type FileRetryReport,
  type FileTransferProgress,
  type ResumeFileTransfersOptions,
} from './file-resume.js';
export { FILE_RETRIES_WITHOUT_PROGRESS } from './file-round.js';
export { type FileSendReport } from './file-send.js';
export { type PendingFileTransfer } from './file-transfers.js';
export { type FileSendPhase, type SendFileOptions } from './file-types.js';
export {
  buildInlineFileBody,
  INLINE_FILE_CONTENT_TYPE,
  INLINE_FILE_PAYLOAD_TYPE,
  type InlineFile,
  MAX_INLINE_FILE_BYTES,
  parseInlineFileBody,
} from './inline-file.js';
export { type ReceivedFileBody, receivedFileOf, STREAMED_FILE_PAYLOAD_TYPE } from './received-files.js';
export type { CommandHandler } from '../receive/command.js';
export type * from './types.js';
