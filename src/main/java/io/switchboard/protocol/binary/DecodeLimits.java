package io.switchboard.protocol.binary;

/**
 * Explicit bounds for decoding untrusted frames.
 *
 * @param maxDepth          deepest nesting of nodes (the root is depth 1)
 * @param maxInflatedBytes  largest size a zlib-compressed frame may inflate to
 * @param maxNodes          most nodes in one frame, counting the root
 */
public record DecodeLimits(int maxDepth, int maxInflatedBytes, int maxNodes) {

    /** Generous for real traffic (history sync blobs travel as media, not as nodes). */
    public static final DecodeLimits DEFAULT = new DecodeLimits(64, 16 * 1024 * 1024, 100_000);

    public DecodeLimits {
        if (maxDepth < 1 || maxInflatedBytes < 1 || maxNodes < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }
}
