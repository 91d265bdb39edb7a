package io.switchboard.web;

/** The {@code limit} query parameter of the list endpoints: 1–200, 50 when absent; anything else is a 400. */
public final class PageLimit {

    public static final int DEFAULT = 50;
    public static final int MAX = 200;

    private PageLimit() {
    }

    public static int of(String limit) {
        if (limit == null) {
            return DEFAULT;
        }
        try {
            int size = Integer.parseInt(limit);
            if (size >= 1 && size <= MAX) {
                return size;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.badRequest("invalid-query", "limit must be 1 to " + MAX + ".");
    }
}
