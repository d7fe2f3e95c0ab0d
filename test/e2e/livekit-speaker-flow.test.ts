import { speakerFlow } from '../support/speakerFlow.js';
import { livekitConfig } from '../support/stack.js';

/** The same role and lifecycle steps as speaker-flow.test.ts, on the LiveKit engine (issue 20). */
speakerFlow('livekit', livekitConfig(7890));
