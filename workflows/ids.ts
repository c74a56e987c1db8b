// Workflow ids derive from the user and the kind of data, so every change of one user's availability (or media,
// or profile) meets the same running workflow (signalWithStart) and changes coalesce there.
export type SyncedData = 'availability' | 'media' | 'profile';

export const syncWorkflowId = (data: SyncedData, userId: string) => `${data}-sync-${userId}`;
export const availabilitySyncWorkflowId = (userId: string) => syncWorkflowId('availability', userId);

/** One run per connect-time credential check (workflows/connection-check.ts); the id is the check row's. */
export const connectionCheckWorkflowId = (checkId: string) => `connection-check-${checkId}`;
