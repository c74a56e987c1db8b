-- CreateTable
CREATE TABLE "OAuthAuthorizationRequest" (
    "state" TEXT NOT NULL,
    "userId" UUID NOT NULL,
    "platformId" TEXT NOT NULL,
    "codeVerifierCiphertext" BYTEA NOT NULL,
    "codeVerifierKeyId" TEXT NOT NULL,
    "redirectUri" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OAuthAuthorizationRequest_pkey" PRIMARY KEY ("state")
);

-- CreateIndex
CREATE INDEX "OAuthAuthorizationRequest_userId_idx" ON "OAuthAuthorizationRequest"("userId");

-- AddForeignKey
ALTER TABLE "OAuthAuthorizationRequest" ADD CONSTRAINT "OAuthAuthorizationRequest_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
