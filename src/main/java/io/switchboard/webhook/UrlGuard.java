package io.switchboard.webhook;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;

/**
 * Which webhook targets may be called: http(s) URLs without credentials whose host resolves only
 * to public addresses (loopback, private, link-local, unique-local, multicast and unspecified ones
 * refused unless allowed). Checked when an endpoint is registered and again before each delivery,
 * so a name that later resolves inside is refused too.
 */
final class UrlGuard {

    /** The URL cannot be used; the message says why. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private UrlGuard() {
    }

    static URI parse(String url) throws Refused {
        if (url == null || url.length() > 2048) {
            throw new Refused("url must be an http or https URL of at most 2048 characters");
        }
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!("http".equals(scheme) || "https".equals(scheme)) || uri.getHost() == null || uri.getRawUserInfo() != null
                    || uri.getRawFragment() != null) {
                throw new Refused("url must be an absolute http or https URL with a host, no user info and no fragment");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new Refused("url is not a valid URL");
        }
    }

    /** Resolves the host (blocking: call off the event loop) and refuses internal addresses unless allowed. */
    static void check(URI uri, boolean allowPrivate) throws Refused {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(uri.getHost());
        } catch (UnknownHostException e) {
            throw new Refused("the host " + uri.getHost() + " does not resolve");
        }
        if (allowPrivate) {
            return;
        }
        for (InetAddress address : addresses) {
            if (internal(address)) {
                throw new Refused("the host " + uri.getHost() + " resolves to an internal address (" + address.getHostAddress()
                        + "); switchboard.webhooks.allow-private-targets allows those");
            }
        }
    }

    static boolean internal(InetAddress address) {
        if (address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress()) {
            return true;
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = bytes[0] & 0xff;
            int second = bytes[1] & 0xff;
            // 100.64/10 carrier-grade NAT, 0/8, 198.18/15 benchmarking, 240/4 reserved
            return first == 0 || (first == 100 && second >= 64 && second < 128) || (first == 198 && (second == 18 || second == 19))
                    || first >= 240;
        }
        if (address instanceof Inet6Address) {
            // fc00::/7 unique local
            return (bytes[0] & 0xfe) == 0xfc;
        }
        return false;
    }
}
