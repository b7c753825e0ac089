import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import {
  retry
} from "./chunk-BCW3L2NJ.js";
import "./chunk-34WUPVIN.js";
import "./chunk-N43RZNLB.js";
export {
  retry as default
};
