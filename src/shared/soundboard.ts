/**
 * The broadcast console's soundboard library (issue 4): the Studio IPC for clips and pad sets.
 * Merged into ipc.ts by spreading.
 */
export const soundboardIpcCalls = {} as const;
export const soundboardIpcEvents = {} as const;
