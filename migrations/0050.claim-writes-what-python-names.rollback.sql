-- Back to 0040's claim_crawls (the stream prefix and the actor written in SQL).
DROP FUNCTION claim_crawls(text, float8, uuid[], integer, text[], text, text, text);
DROP FUNCTION event_time(timestamptz);

-- Claim up to p_limit available, unleased crawls: lock each queue row with SKIP LOCKED (many
-- workers claim at once without waiting on each other), append CrawlStarted to its stream at the
-- next version of the log (the unique (stream_id, version) key turns a lost race into an error,
-- never an overwrite), project it, and notify, all in the caller's statement. now() is the
-- transaction's start, after the NOTIFY-ing commit that woke the worker. p_running are crawls the
-- worker is still stopping (its lease was lost): never run one crawl twice at once.
CREATE FUNCTION claim_crawls(
    p_worker_id text, p_lease_seconds float8, p_running uuid[], p_limit integer,
    p_notify text[], p_events_channel text
) RETURNS TABLE (
    crawl_id uuid, attempt integer, available_at timestamptz, settings jsonb,
    lease_expires_at timestamptz, recorded_at timestamptz, event_position bigint, event_version integer
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    picked record;
    v_stream text;
BEGIN
    FOR picked IN
        SELECT q.crawl_id, q.attempts, q.available_at, c.settings,
               now() + make_interval(secs => p_lease_seconds) AS lease_expires_at
        FROM parsequeue q JOIN crawls c ON c.id = q.crawl_id
        WHERE q.lease_owner IS NULL AND q.available_at <= now() AND NOT (q.crawl_id = ANY(p_running))
        ORDER BY q.available_at, q.enqueued_at
        LIMIT p_limit
        FOR UPDATE OF q SKIP LOCKED
    LOOP
        v_stream := 'crawl-' || picked.crawl_id;
        INSERT INTO events (stream_id, version, type, data, metadata)
        SELECT v_stream, coalesce(max(e.version), 0) + 1, 'CrawlStarted',
               jsonb_build_object('crawl_id', picked.crawl_id, 'worker_id', p_worker_id,
                                  'attempt', picked.attempts + 1, 'lease_expires_at', picked.lease_expires_at),
               jsonb_build_object('correlation_id', picked.crawl_id::text, 'actor', 'worker:' || p_worker_id)
        FROM events e WHERE e.stream_id = v_stream
        RETURNING events.position, events.version, events.recorded_at
        INTO event_position, event_version, recorded_at;
        PERFORM project_crawl_started(picked.crawl_id, p_worker_id, picked.attempts + 1,
                                      picked.lease_expires_at, event_version, recorded_at);
        PERFORM pg_notify(ch, picked.crawl_id::text) FROM unnest(p_notify) AS ch;
        PERFORM pg_notify(p_events_channel, v_stream || ':' || event_position);
        crawl_id := picked.crawl_id;
        attempt := picked.attempts + 1;
        available_at := picked.available_at;
        settings := picked.settings;
        lease_expires_at := picked.lease_expires_at;
        RETURN NEXT;
    END LOOP;
END $$;
