import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import {
  Agent,
  decideRound,
  runDaemon
} from "./chunk-4LHG5XEC.js";
import "./chunk-JURT7EM5.js";
import "./chunk-RGUND62D.js";
import "./chunk-OVD7XGGP.js";
import "./chunk-GFALYBZX.js";
import "./chunk-N43RZNLB.js";
export {
  Agent,
  decideRound,
  runDaemon
};
