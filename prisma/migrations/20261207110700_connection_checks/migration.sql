-- CreateTable
CREATE TABLE "ConnectionCheck" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "platformId" TEXT NOT NULL,
    "credentialsCiphertext" BYTEA NOT NULL,
    "credentialsKeyId" TEXT NOT NULL,
    "accountRef" TEXT,
    "startedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ConnectionCheck_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ConnectionCheck_userId_idx" ON "ConnectionCheck"("userId");

-- CreateIndex
CREATE INDEX "ConnectionCheck_expiresAt_idx" ON "ConnectionCheck"("expiresAt");

-- AddForeignKey
ALTER TABLE "ConnectionCheck" ADD CONSTRAINT "ConnectionCheck_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
