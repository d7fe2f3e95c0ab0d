/**
 * Scheduled Spaces (issue 6): the server protocol and the Studio IPC for scheduling, reminders
 * and tickets. Merged into the central contracts (signaling.ts, ipc.ts) by spreading.
 */
export const scheduleRequests = {} as const;
export const scheduleEvents = [] as const;
export const scheduleIpcCalls = {} as const;
export const scheduleIpcEvents = {} as const;
