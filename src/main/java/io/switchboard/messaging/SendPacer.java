package io.switchboard.messaging;

/**
 * A token bucket for one organization's sends: {@code burst} back to back, then {@code rate} per
 * second. Used by the single sender of that organization (its outbox drain), which also sizes its
 * batches by it.
 */
final class SendPacer {

    private final double rate;
    private final int burst;
    private double tokens;
    private long last = System.nanoTime();

    SendPacer(double rate, int burst) {
        this.rate = Math.max(rate, 0.001);
        this.burst = Math.max(burst, 1);
        this.tokens = this.burst;
    }

    /** How many sends the pacing allows within {@code millis} from now (at least 1), without taking any. */
    synchronized int allowedWithin(long millis) {
        long now = System.nanoTime();
        double available = Math.min(burst, tokens + (now - last) / 1e9 * rate) + millis / 1000.0 * rate;
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.floor(available)));
    }

    /** Takes a token; answers how long to wait before sending (0: now). */
    synchronized long reserveMillis() {
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - last) / 1e9 * rate);
        last = now;
        tokens -= 1;
        return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / rate * 1000);
    }
}
