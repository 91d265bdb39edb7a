package io.switchboard.sandbox.server;

import java.util.Arrays;

/**
 * Which WhatsApp Web versions the sandbox accepts, and which one it publishes in its
 * {@code sw.js} the way web.whatsapp.com does ({@code "client_revision":N}, the third part of
 * {@code 2.3000.N}). Changed at runtime by the admin API to play a version bump.
 */
public final class WebVersionPolicy {

    /** The policy as the admin API shows it. */
    public record View(@org.eclipse.microprofile.openapi.annotations.media.Schema(nullable = true) String minimum,
            @org.eclipse.microprofile.openapi.annotations.media.Schema(nullable = true) String latest, boolean published) {
    }

    private long[] minimum;
    private long[] latest;
    private boolean published = true;

    WebVersionPolicy(long[] minimum) {
        this.minimum = minimum.clone();
        this.latest = minimum.clone();
    }

    public synchronized View view() {
        return new View(text(minimum), text(latest), published);
    }

    synchronized long[] minimum() {
        return minimum.clone();
    }

    /**
     * Raises or lowers the minimum; the published version is never older than the minimum.
     * Null arguments leave that part unchanged.
     */
    synchronized View update(String newMinimum, String newLatest, Boolean publish) throws SandboxException {
        long[] min = newMinimum == null ? minimum : parse(newMinimum, "minimum");
        long[] last = newLatest == null ? latest : parse(newLatest, "latest");
        if (newLatest != null && compare(last, min) < 0) {
            throw new SandboxException(SandboxException.Kind.BAD_REQUEST, "latest " + newLatest + " is older than the minimum");
        }
        minimum = min;
        latest = compare(last, min) < 0 ? min.clone() : last;
        if (publish != null) {
            published = publish;
        }
        return view();
    }

    /** The service worker script WhatsApp Web serves, reduced to what version checks read; null when unpublished. */
    synchronized String serviceWorker() {
        if (!published) {
            return null;
        }
        return "/*sandbox*/self.__swData=JSON.parse(/*BTDS*/\"{\\\"dynamic_data\\\":{\\\"SiteData\\\":{\\\"server_revision\\\":"
                + latest[2] + ",\\\"client_revision\\\":" + latest[2] + "}}}\");\n";
    }

    boolean accepts(long[] announced) {
        return compare(announced, minimum()) >= 0;
    }

    public static long[] parse(String text, String what) throws SandboxException {
        String[] parts = text.trim().split("\\.", -1);
        if (parts.length != 3) {
            throw new SandboxException(SandboxException.Kind.BAD_REQUEST, what + " must look like 2.3000.1029496320");
        }
        long[] version = new long[3];
        for (int i = 0; i < 3; i++) {
            if (!parts[i].matches("[0-9]{1,10}") || Long.parseLong(parts[i]) > 0xFFFF_FFFFL) {
                throw new SandboxException(SandboxException.Kind.BAD_REQUEST, what + " part '" + parts[i]
                        + "' is not a number from 0 to 4294967295");
            }
            version[i] = Long.parseLong(parts[i]);
        }
        return version;
    }

    static int compare(long[] a, long[] b) {
        return Arrays.compare(a, b);
    }

    static String text(long[] version) {
        return version[0] + "." + version[1] + "." + version[2];
    }
}
