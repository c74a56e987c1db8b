-- CreateTable
CREATE TABLE "OutboxMessage" (
    "id" BIGSERIAL NOT NULL,
    "userId" UUID NOT NULL,
    "topic" TEXT NOT NULL,
    "data" TEXT,
    "subjectId" TEXT,
    "platformIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "manual" BOOLEAN NOT NULL DEFAULT false,
    "requestId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "availableAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimedUntil" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "OutboxMessage_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "OutboxMessage_deliveredAt_availableAt_idx" ON "OutboxMessage"("deliveredAt", "availableAt");

-- CreateIndex
CREATE INDEX "OutboxMessage_userId_deliveredAt_idx" ON "OutboxMessage"("userId", "deliveredAt");

-- AddForeignKey
ALTER TABLE "OutboxMessage" ADD CONSTRAINT "OutboxMessage_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
