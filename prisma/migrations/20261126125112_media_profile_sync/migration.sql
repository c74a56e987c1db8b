-- AlterTable
ALTER TABLE "PlatformMediaState" ADD COLUMN     "excluded" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "variantHash" TEXT;

-- CreateTable
CREATE TABLE "PlatformProfileState" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "platformId" TEXT NOT NULL,
    "syncedVersion" INTEGER,
    "syncedAt" TIMESTAMP(3),
    "unrepresentable" JSONB NOT NULL DEFAULT '[]',
    "lastError" TEXT,

    CONSTRAINT "PlatformProfileState_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PlatformProfileState_userId_platformId_key" ON "PlatformProfileState"("userId", "platformId");

-- AddForeignKey
ALTER TABLE "PlatformProfileState" ADD CONSTRAINT "PlatformProfileState_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
