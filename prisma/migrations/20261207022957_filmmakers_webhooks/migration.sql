-- AlterTable
ALTER TABLE "PlatformConnection" ADD COLUMN     "connectionRef" UUID NOT NULL DEFAULT gen_random_uuid();

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" BIGSERIAL NOT NULL,
    "connectionId" UUID NOT NULL,
    "eventHash" TEXT NOT NULL,
    "eventType" TEXT NOT NULL,
    "signedAt" TIMESTAMP(3) NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "WebhookDelivery_receivedAt_idx" ON "WebhookDelivery"("receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookDelivery_connectionId_eventHash_key" ON "WebhookDelivery"("connectionId", "eventHash");

-- CreateIndex
CREATE UNIQUE INDEX "PlatformConnection_connectionRef_key" ON "PlatformConnection"("connectionRef");

-- AddForeignKey
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "PlatformConnection"("id") ON DELETE CASCADE ON UPDATE CASCADE;
