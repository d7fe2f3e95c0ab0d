import { speakerFlow } from '../support/speakerFlow.js';

/** The rules of a Space with real Janus (the same steps run on LiveKit in livekit-speaker-flow.test.ts). */
speakerFlow('janus', { janusWsPort: 8194 });
