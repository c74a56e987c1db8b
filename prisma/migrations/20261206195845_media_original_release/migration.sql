-- AlterTable
ALTER TABLE "Media" ADD COLUMN     "originalReleasedAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Media_contentHash_idx" ON "Media"("contentHash");

-- CreateIndex
CREATE INDEX "Media_originalReleasedAt_idx" ON "Media"("originalReleasedAt");
