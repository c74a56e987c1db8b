-- AlterTable
ALTER TABLE "CalendarSource" ADD COLUMN     "destination" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "PlatformAvailabilityState" ADD COLUMN     "externalVersion" TEXT;
