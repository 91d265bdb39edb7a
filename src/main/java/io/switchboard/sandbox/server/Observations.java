package io.switchboard.sandbox.server;

import java.util.ArrayList;
import java.util.List;

/** What the sandbox saw, for tests and operators: the last transcripts per phone, and counters of what went wrong. */
public final class Observations {

    /** The connections open now: their transcripts so far count too. */
    private final java.util.Set<SandboxConnection> open;

    Observations(java.util.Set<SandboxConnection> open) {
        this.open = open;
    }

    final java.util.Deque<Transcript.View> transcripts = new java.util.ArrayDeque<>();
    final java.util.concurrent.atomic.AtomicLong rejections = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong unexpected = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong companionRefreshes = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong offlineBatchMissing = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong mediaRetriesRefused = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong deviceQueries = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong missingDevices = new java.util.concurrent.atomic.AtomicLong();

    /** Connections closed because a peer's bytes broke the protocol, with a typed error. */
    public long protocolRejections() {
        return rejections.get();
    }

    /** Connections closed because a peer's bytes provoked anything else (must stay 0: each is a bug). */
    public long unexpectedFailures() {
        return unexpected.get();
    }

    /** What clients sent on their last closed connections (oldest first), those of {@code phone} only if given. */
    public List<Transcript.View> transcripts(String phone) {
        List<Transcript.View> all;
        synchronized (transcripts) {
            all = new ArrayList<>(transcripts);
        }
        open.forEach(connection -> all.add(connection.transcript.view()));
        return all.stream().filter(view -> phone == null || phone.equals(view.phone())).toList();
    }

    void keepTranscript(Transcript.View view) {
        synchronized (transcripts) {
            transcripts.addLast(view);
            while (transcripts.size() > 100) {
                transcripts.removeFirst();
            }
        }
    }

    /** companion_reg_refresh notifications sent to unpaired devices. */
    public long companionRefreshes() {
        return companionRefreshes.get();
    }

    /** Logins where the device did not answer the offline preview with a batch request. */
    public long offlineBatchesMissing() {
        return offlineBatchMissing.get();
    }

    /** Media retry requests that were wrongly addressed or did not check out (key, id, rmr): must stay 0 for a correct client. */
    public long mediaRetriesRefused() {
        return mediaRetriesRefused.get();
    }

    /** usync queries that asked for device lists (any context), from every client. */
    public long deviceQueries() {
        return deviceQueries.get();
    }

    /**
     * 1:1 messages that left out a device the recipient had linked before the message came (a stale device
     * list: the device never sees the message); must stay 0 for a client that follows device notifications.
     */
    public long messagesMissingDevices() {
        return missingDevices.get();
    }

    void mediaRetryRefused() {
        mediaRetriesRefused.incrementAndGet();
    }

    void offlineBatchMissing() {
        offlineBatchMissing.incrementAndGet();
    }

    void companionRefreshSent() {
        companionRefreshes.incrementAndGet();
    }

    void rejected(boolean typed) {
        (typed ? rejections : unexpected).incrementAndGet();
    }

    private final java.util.Map<String, java.util.concurrent.atomic.AtomicLong> groupQueries = new java.util.concurrent.ConcurrentHashMap<>();

    /** How many times devices asked for {@code groupJid}'s metadata (WhatsApp rate-limits this query). */
    public long groupQueries(String groupJid) {
        java.util.concurrent.atomic.AtomicLong count = groupQueries.get(groupJid);
        return count == null ? 0 : count.get();
    }

    void groupQueried(String groupJid) {
        groupQueries.computeIfAbsent(groupJid, jid -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
    }
}
