-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "ConnectionStatus" AS ENUM ('ok', 'needs_reauth', 'failing');

-- CreateEnum
CREATE TYPE "AvailabilityStatus" AS ENUM ('available', 'unavailable', 'tentative');

-- CreateEnum
CREATE TYPE "AvailabilityType" AS ENUM ('booking', 'block', 'travel');

-- CreateEnum
CREATE TYPE "SyncStatus" AS ENUM ('pending', 'success', 'failed', 'partial', 'skipped');

-- CreateEnum
CREATE TYPE "SyncOperation" AS ENUM ('push_availability', 'pull_availability', 'upload_media', 'delete_media', 'sync_media', 'update_profile');

-- CreateEnum
CREATE TYPE "MediaType" AS ENUM ('photo', 'headshot', 'setcard', 'video', 'document');

-- CreateEnum
CREATE TYPE "ConflictStatus" AS ENUM ('open', 'resolved', 'dismissed');

-- CreateTable
CREATE TABLE "User" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "timeZone" TEXT NOT NULL DEFAULT 'Europe/Berlin',
    "apiTokenHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PlatformConnection" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "platformId" TEXT NOT NULL,
    "connected" BOOLEAN NOT NULL DEFAULT true,
    "autoSync" BOOLEAN NOT NULL DEFAULT true,
    "syncAvailability" BOOLEAN NOT NULL DEFAULT true,
    "syncMedia" BOOLEAN NOT NULL DEFAULT true,
    "syncProfile" BOOLEAN NOT NULL DEFAULT true,
    "credentialsCiphertext" BYTEA,
    "credentialsKeyId" TEXT,
    "accountRef" TEXT,
    "status" "ConnectionStatus" NOT NULL DEFAULT 'ok',
    "statusMessage" TEXT,
    "pullIntervalMinutes" INTEGER,
    "lastSyncedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PlatformConnection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Availability" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "startDate" DATE NOT NULL,
    "endDate" DATE NOT NULL,
    "status" "AvailabilityStatus" NOT NULL,
    "type" "AvailabilityType" NOT NULL,
    "optionRank" INTEGER,
    "optionHolder" TEXT,
    "optionExpiresAt" TIMESTAMP(3),
    "note" TEXT,
    "source" TEXT NOT NULL DEFAULT 'castsync',
    "version" INTEGER NOT NULL DEFAULT 1,
    "deletedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Availability_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PlatformAvailabilityState" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "availabilityId" UUID NOT NULL,
    "platformId" TEXT NOT NULL,
    "externalId" TEXT,
    "confirmedVersion" INTEGER,
    "confirmedStart" DATE,
    "confirmedEnd" DATE,
    "confirmedStatus" "AvailabilityStatus",
    "confirmedType" "AvailabilityType",
    "confirmedDeleted" BOOLEAN NOT NULL DEFAULT false,
    "syncedAt" TIMESTAMP(3),
    "lastError" TEXT,

    CONSTRAINT "PlatformAvailabilityState_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Media" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "type" "MediaType" NOT NULL,
    "contentHash" TEXT NOT NULL,
    "storageKey" TEXT NOT NULL,
    "originalName" TEXT NOT NULL,
    "mimeType" TEXT NOT NULL,
    "bytes" BIGINT NOT NULL,
    "width" INTEGER,
    "height" INTEGER,
    "durationSeconds" DOUBLE PRECISION,
    "caption" TEXT,
    "photographerCredit" TEXT,
    "isMain" BOOLEAN NOT NULL DEFAULT false,
    "sortOrder" INTEGER NOT NULL DEFAULT 0,
    "crop" JSONB,
    "version" INTEGER NOT NULL DEFAULT 1,
    "deletedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Media_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PlatformMediaState" (
    "id" UUID NOT NULL,
    "mediaId" UUID NOT NULL,
    "platformId" TEXT NOT NULL,
    "externalId" TEXT,
    "syncedVersion" INTEGER,
    "syncedAt" TIMESTAMP(3),
    "status" "SyncStatus" NOT NULL DEFAULT 'pending',
    "lastError" TEXT,

    CONSTRAINT "PlatformMediaState_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Profile" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "fields" JSONB NOT NULL DEFAULT '{}',
    "visibility" JSONB NOT NULL DEFAULT '{}',
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Profile_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SyncLog" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "platformId" TEXT NOT NULL,
    "operation" "SyncOperation" NOT NULL,
    "status" "SyncStatus" NOT NULL DEFAULT 'pending',
    "itemsProcessed" INTEGER NOT NULL DEFAULT 0,
    "durationMs" INTEGER,
    "errorMessage" TEXT,
    "errorType" TEXT,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "workflowId" TEXT,
    "runId" TEXT,
    "activityId" TEXT,
    "artifactPath" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "SyncLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Conflict" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "platformId" TEXT NOT NULL,
    "availabilityId" UUID,
    "kind" TEXT NOT NULL,
    "status" "ConflictStatus" NOT NULL DEFAULT 'open',
    "ours" JSONB,
    "theirs" JSONB,
    "resolution" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "Conflict_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "User_apiTokenHash_key" ON "User"("apiTokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "PlatformConnection_userId_platformId_key" ON "PlatformConnection"("userId", "platformId");

-- CreateIndex
CREATE INDEX "Availability_userId_startDate_idx" ON "Availability"("userId", "startDate");

-- CreateIndex
CREATE INDEX "PlatformAvailabilityState_userId_platformId_idx" ON "PlatformAvailabilityState"("userId", "platformId");

-- CreateIndex
CREATE UNIQUE INDEX "PlatformAvailabilityState_availabilityId_platformId_key" ON "PlatformAvailabilityState"("availabilityId", "platformId");

-- CreateIndex
CREATE INDEX "Media_userId_sortOrder_idx" ON "Media"("userId", "sortOrder");

-- CreateIndex
CREATE UNIQUE INDEX "PlatformMediaState_mediaId_platformId_key" ON "PlatformMediaState"("mediaId", "platformId");

-- CreateIndex
CREATE UNIQUE INDEX "Profile_userId_key" ON "Profile"("userId");

-- CreateIndex
CREATE INDEX "SyncLog_userId_startedAt_idx" ON "SyncLog"("userId", "startedAt");

-- CreateIndex
CREATE INDEX "SyncLog_userId_platformId_status_idx" ON "SyncLog"("userId", "platformId", "status");

-- CreateIndex
CREATE INDEX "Conflict_userId_status_idx" ON "Conflict"("userId", "status");

-- AddForeignKey
ALTER TABLE "PlatformConnection" ADD CONSTRAINT "PlatformConnection_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Availability" ADD CONSTRAINT "Availability_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlatformAvailabilityState" ADD CONSTRAINT "PlatformAvailabilityState_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlatformAvailabilityState" ADD CONSTRAINT "PlatformAvailabilityState_availabilityId_fkey" FOREIGN KEY ("availabilityId") REFERENCES "Availability"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Media" ADD CONSTRAINT "Media_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlatformMediaState" ADD CONSTRAINT "PlatformMediaState_mediaId_fkey" FOREIGN KEY ("mediaId") REFERENCES "Media"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Profile" ADD CONSTRAINT "Profile_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SyncLog" ADD CONSTRAINT "SyncLog_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Conflict" ADD CONSTRAINT "Conflict_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Conflict" ADD CONSTRAINT "Conflict_availabilityId_fkey" FOREIGN KEY ("availabilityId") REFERENCES "Availability"("id") ON DELETE SET NULL ON UPDATE CASCADE;
