-- AlterTable
ALTER TABLE "CalendarSource" ADD COLUMN     "objectsCiphertext" BYTEA,
ADD COLUMN     "objectsKeyId" TEXT;
