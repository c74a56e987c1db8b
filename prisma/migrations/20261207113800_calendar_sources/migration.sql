-- CreateEnum
CREATE TYPE "CalendarSourceKind" AS ENUM ('ics', 'caldav');

-- AlterTable
ALTER TABLE "Availability" ADD COLUMN     "calendarEventKey" TEXT,
ADD COLUMN     "calendarSourceId" UUID;

-- CreateTable
CREATE TABLE "CalendarSource" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "kind" "CalendarSourceKind" NOT NULL DEFAULT 'ics',
    "name" TEXT NOT NULL,
    "credentialsCiphertext" BYTEA NOT NULL,
    "credentialsKeyId" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "rules" JSONB NOT NULL,
    "shareDetails" BOOLEAN NOT NULL DEFAULT false,
    "etag" TEXT,
    "lastModified" TEXT,
    "syncToken" TEXT,
    "ctag" TEXT,
    "status" "ConnectionStatus" NOT NULL DEFAULT 'ok',
    "lastError" TEXT,
    "lastFetchedAt" TIMESTAMP(3),
    "lastChangedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CalendarSource_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CalendarSource_userId_idx" ON "CalendarSource"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Availability_calendarSourceId_calendarEventKey_key" ON "Availability"("calendarSourceId", "calendarEventKey");

-- AddForeignKey
ALTER TABLE "Availability" ADD CONSTRAINT "Availability_calendarSourceId_fkey" FOREIGN KEY ("calendarSourceId") REFERENCES "CalendarSource"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CalendarSource" ADD CONSTRAINT "CalendarSource_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
