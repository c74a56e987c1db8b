// @ts-check
// The shapes of the API's answers the dashboard reads, for the type check only (JSDoc: no build step). The API's
// own JSON schemas (GET /docs/json) are the reference; these name what the page uses.
export {};

/**
 * @typedef {'rest' | 'oauth' | 'browser' | 'email'} PlatformKind
 *
 * @typedef {object} Connection
 * @property {boolean} connected
 * @property {'ok' | 'needs_reauth' | 'failing'} status
 * @property {string | null} statusMessage
 * @property {boolean} autoSync
 * @property {boolean} syncAvailability
 * @property {boolean} syncMedia
 * @property {boolean} syncProfile
 * @property {number | null} pullIntervalMinutes
 * @property {string | null} lastSyncedAt
 * @property {string | null} webhookUrl
 *
 * @typedef {object} Capabilities
 * @property {boolean} pushAvailability
 * @property {boolean} pullAvailability
 * @property {boolean} media
 * @property {boolean} profile
 *
 * @typedef {object} PlatformSync
 * @property {'pending' | 'syncing' | 'synced' | 'failed'} state
 * @property {boolean} queued
 * @property {string | null} lastError
 * @property {string | null} lastErrorType
 * @property {{ failedProbes: number, intervalMs: number, nextAttemptAt: string } | null} [redrive]
 *
 * @typedef {object} QuotaState
 * @property {number} requests
 * @property {number} perSeconds
 * @property {string | null} waitingUntil
 *
 * @typedef {object} SyncLogEntry
 * @property {string} id
 * @property {string} platformId
 * @property {string} operation
 * @property {string} status
 * @property {number} itemsProcessed
 * @property {string | null} errorMessage
 * @property {string | null} errorType
 * @property {number} attempt
 * @property {string | null} temporalUrl
 * @property {string | null} artifactUrl
 * @property {string} startedAt
 * @property {string | null} finishedAt
 *
 * @typedef {object} PlatformSyncStatus
 * @property {number} pendingEntries
 * @property {PlatformSync | null} sync
 * @property {SyncLogEntry | null} lastAttempt
 * @property {QuotaState | null} quota
 * @property {PushActivity | null} [push]
 *
 * @typedef {object} PushActivity  the push Temporal holds now: see GET /api/sync/status
 * @property {'waiting' | 'running' | 'retry_wait'} state
 * @property {number} attempt
 * @property {string} since
 * @property {number} forMs
 * @property {string | null} nextAttemptAt
 *
 * @typedef {object} Platform  GET /api/platforms, and each platform of GET /api/sync/status
 * @property {string} id
 * @property {string} name
 * @property {PlatformKind} kind
 * @property {boolean} available
 * @property {string | null} unavailableReason
 * @property {Capabilities} capabilities
 * @property {boolean} partnerApi
 * @property {Connection | null} connection
 * @property {PlatformSyncStatus | null} [status]
 *
 * @typedef {object} PlatformsStatus  GET /api/sync/status
 * @property {'workflow' | 'database'} source
 * @property {{ waiting: number, oldestWaitingSince: string | null }} outbox
 * @property {Platform[]} platforms
 *
 * @typedef {object} ProfileFieldColumn
 * @property {string} key
 * @property {string} label
 * @property {boolean} required
 * @property {string[] | null} values
 *
 * @typedef {object} FieldSchema  The JSON schema of a profile field (or of a part of one)
 * @property {string} [type]
 * @property {string[]} [enum]
 * @property {number} [minimum]
 * @property {number} [maximum]
 * @property {string} [description]
 * @property {string[]} [required]
 * @property {Record<string, FieldSchema>} [properties]
 * @property {FieldSchema} [items]
 *
 * @typedef {object} ProfileField  Each of GET /api/profile/fields
 * @property {string} key
 * @property {string} label
 * @property {string} group
 * @property {'number' | 'choice' | 'text' | 'range' | 'set' | 'lines' | 'table'} kind
 * @property {string | null} description
 * @property {string[] | null} values
 * @property {number | null} minimum
 * @property {number | null} maximum
 * @property {number | null} maxItems
 * @property {ProfileFieldColumn[] | null} columns
 * @property {FieldSchema} schema
 *
 * @typedef {object} Profile  GET /api/profile
 * @property {Record<string, any>} fields
 * @property {Record<string, 'public' | 'private'>} visibility
 * @property {number} version
 * @property {string | null} updatedAt
 * @property {object | null} [syncRequested]
 *
 * @typedef {object} View  What a view gives the shell: refresh it; is it waiting for a sync (the shell then polls it);
 *   does it keep itself live (the shell then leaves it be); and what to stop when it is left.
 * @property {() => Promise<void>} refresh
 * @property {() => boolean} [busy]
 * @property {boolean} [live]
 * @property {() => void} [close]
 *
 * @typedef {object} ViewContext
 * @property {(message: string, kind?: string) => void} notify
 * @property {() => void} changed
 * @property {(error: unknown) => void} fail
 */
