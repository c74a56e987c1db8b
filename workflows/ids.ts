// Workflow ids derive from the user and the kind of data, so every change of one user's availability meets
// the same running workflow (signalWithStart) and changes coalesce there.
export const availabilitySyncWorkflowId = (userId: string) => `availability-sync-${userId}`;
