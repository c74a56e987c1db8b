-- AlterTable
ALTER TABLE "PlatformAvailabilityState" ADD COLUMN     "confirmedNote" TEXT,
ADD COLUMN     "confirmedOptionHolder" TEXT,
ADD COLUMN     "confirmedOptionRank" INTEGER;
