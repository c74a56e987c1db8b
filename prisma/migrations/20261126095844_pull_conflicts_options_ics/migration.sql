-- AlterTable
ALTER TABLE "Availability" ADD COLUMN     "releasedReason" TEXT;

-- AlterTable
ALTER TABLE "Conflict" ADD COLUMN     "externalId" TEXT,
ADD COLUMN     "message" TEXT;

-- AlterTable
ALTER TABLE "User" ADD COLUMN     "icsTokenHash" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "User_icsTokenHash_key" ON "User"("icsTokenHash");
