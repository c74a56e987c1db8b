-- CreateTable
CREATE TABLE "QuotaUse" (
    "id" BIGSERIAL NOT NULL,
    "budget" TEXT NOT NULL,
    "connectionId" UUID,
    "requests" INTEGER NOT NULL,
    "usedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "QuotaUse_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "QuotaUse_budget_usedAt_idx" ON "QuotaUse"("budget", "usedAt");

-- CreateIndex
CREATE INDEX "QuotaUse_connectionId_idx" ON "QuotaUse"("connectionId");

-- AddForeignKey
ALTER TABLE "QuotaUse" ADD CONSTRAINT "QuotaUse_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "PlatformConnection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Takes p_requests from a budget of p_limit requests in any p_window_ms (a sliding window: no window of that
-- length, wherever it starts, holds more, so a platform counting in fixed windows of any alignment never sees more
-- either). Returns 0 when taken, else the milliseconds until p_requests fit. The advisory lock serializes the takers
-- of one budget across every worker; it is released when the calling statement's transaction ends.
CREATE FUNCTION castsync_take_quota(p_budget TEXT, p_connection UUID, p_requests INTEGER, p_limit INTEGER, p_window_ms INTEGER)
RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
  now_at TIMESTAMPTZ := clock_timestamp();
  window_start TIMESTAMPTZ := clock_timestamp() - make_interval(secs => p_window_ms / 1000.0);
  used BIGINT;
  freed BIGINT := 0;
  spent RECORD;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('castsync-quota:' || p_budget, 0));
  DELETE FROM "QuotaUse" WHERE "budget" = p_budget AND "usedAt" <= window_start;
  SELECT coalesce(sum("requests"), 0) INTO used FROM "QuotaUse" WHERE "budget" = p_budget;
  IF used + p_requests <= p_limit THEN
    INSERT INTO "QuotaUse" ("budget", "connectionId", "requests", "usedAt") VALUES (p_budget, p_connection, p_requests, now_at);
    RETURN 0;
  END IF;
  -- The oldest uses leave the window first: wait until enough of them have.
  FOR spent IN SELECT "requests", "usedAt" FROM "QuotaUse" WHERE "budget" = p_budget ORDER BY "usedAt" LOOP
    freed := freed + spent."requests";
    IF used - freed + p_requests <= p_limit THEN
      RETURN greatest(1, ceil(extract(epoch FROM (spent."usedAt" - window_start)) * 1000))::INTEGER;
    END IF;
  END LOOP;
  RETURN p_window_ms;
END
$$;
