package io.switchboard.protocol.client;

/**
 * A WhatsApp Web version, {@code primary.secondary.tertiary} (e.g. 2.3000.1029496320). Each part
 * is a protobuf uint32 on the wire, so it is read as a long and must fit in 32 unsigned bits.
 */
public record WebVersion(long primary, long secondary, long tertiary) implements Comparable<WebVersion> {

    static final long MAX_PART = 0xFFFF_FFFFL;

    public WebVersion {
        for (long part : new long[] {primary, secondary, tertiary}) {
            if (part < 0 || part > MAX_PART) {
                throw new IllegalArgumentException("version part " + part + " is not from 0 to " + MAX_PART);
            }
        }
    }

    /** Parses {@code 2.3000.1029496320}; anything else is refused with a message saying why. */
    public static WebVersion parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("version is missing");
        }
        String[] parts = text.trim().split("\\.", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("'" + text + "' is not primary.secondary.tertiary, e.g. 2.3000.1029496320");
        }
        long[] values = new long[3];
        for (int i = 0; i < 3; i++) {
            if (parts[i].isEmpty() || parts[i].length() > 10 || !parts[i].chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("part '" + parts[i] + "' of '" + text + "' is not a number from 0 to " + MAX_PART);
            }
            values[i] = Long.parseLong(parts[i]);
            if (values[i] > MAX_PART) {
                throw new IllegalArgumentException("part '" + parts[i] + "' of '" + text + "' is not a number from 0 to " + MAX_PART);
            }
        }
        return new WebVersion(values[0], values[1], values[2]);
    }

    /** The same version with another tertiary part (what WhatsApp's sw.js publishes as client_revision). */
    public WebVersion withTertiary(long revision) {
        return new WebVersion(primary, secondary, revision);
    }

    public boolean isNewerThan(WebVersion other) {
        return compareTo(other) > 0;
    }

    @Override
    public int compareTo(WebVersion other) {
        int byPrimary = Long.compare(primary, other.primary);
        if (byPrimary != 0) {
            return byPrimary;
        }
        int bySecondary = Long.compare(secondary, other.secondary);
        return bySecondary != 0 ? bySecondary : Long.compare(tertiary, other.tertiary);
    }

    @Override
    public String toString() {
        return primary + "." + secondary + "." + tertiary;
    }
}
