/**
 * Local audio-device routing (issue 5): the Studio IPC for the device inventory, virtual devices
 * and per-device profiles. Merged into ipc.ts by spreading.
 */
export const deviceIpcCalls = {} as const;
export const deviceIpcEvents = {} as const;
