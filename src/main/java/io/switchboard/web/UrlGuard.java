package io.switchboard.web;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;

/**
 * Which webhook targets may be called: http(s) URLs without credentials whose host resolves only
 * to public addresses (loopback, private, link-local, unique-local, multicast and unspecified ones
 * refused unless allowed, and so are the IPv6 forms that carry an internal IPv4 address). Checked
 * when an endpoint is registered and again before each delivery, which then connects to the very
 * address that was checked (the name is resolved once per attempt: DNS rebinding between the check
 * and the connection cannot reach inside). A refusal never says what an internal name resolved to.
 */
public final class UrlGuard {

    /** The URL cannot be used; the message says why. */
    public static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private UrlGuard() {
    }

    public static URI parse(String url) throws Refused {
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

    /**
     * Resolves the host (blocking: call off the event loop), refuses internal addresses unless
     * allowed, and answers the address to connect to: the first one resolved, every one checked.
     */
    public static InetAddress check(URI uri, boolean allowPrivate) throws Refused {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(uri.getHost());
        } catch (UnknownHostException e) {
            throw new Refused("the host " + uri.getHost() + " does not resolve");
        }
        if (addresses.length == 0) {
            throw new Refused("the host " + uri.getHost() + " does not resolve");
        }
        if (!allowPrivate) {
            for (InetAddress address : addresses) {
                if (internal(address)) {
                    throw new Refused("the host " + uri.getHost() + " resolves to an internal address;"
                            + " switchboard.webhooks.allow-private-targets allows those");
                }
            }
        }
        return addresses[0];
    }

    public static boolean internal(InetAddress address) {
        if (address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress()) {
            return true;
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            return internalIpv4(bytes, 0);
        }
        if (address instanceof Inet6Address) {
            int first = ((bytes[0] & 0xff) << 8) | (bytes[1] & 0xff);
            int second = ((bytes[2] & 0xff) << 8) | (bytes[3] & 0xff);
            if ((bytes[0] & 0xfe) == 0xfc) {
                return true; // fc00::/7 unique local
            }
            if ((first & 0xffc0) == 0xfec0) {
                return true; // fec0::/10 site local (deprecated)
            }
            if (first == 0x2001 && second == 0) {
                return true; // 2001::/32 Teredo: the tunnelled IPv4 address is obfuscated, refuse them all
            }
            if (first == 0x2002) {
                return internalIpv4(bytes, 2); // 2002::/16 6to4 carries an IPv4 address in bytes 2-5
            }
            if (first == 0x64 && second == 0xff9b) {
                // 64:ff9b::/96 well-known NAT64 prefix (the last 32 bits); 64:ff9b:1::/48 local-use NAT64: refuse
                return !allZero(bytes, 4, 12) || internalIpv4(bytes, 12);
            }
            if (allZero(bytes, 0, 12)) {
                return true; // ::a.b.c.d IPv4-compatible (deprecated), :: and ::1 included
            }
            if (allZero(bytes, 0, 10) && (bytes[10] & 0xff) == 0xff && (bytes[11] & 0xff) == 0xff) {
                return internalIpv4(bytes, 12); // ::ffff:a.b.c.d, should Java hand one over unconverted
            }
            return false;
        }
        return true;
    }

    /** The IPv4 address at {@code offset}: loopback, private, link-local, shared, reserved or special-purpose. */
    private static boolean internalIpv4(byte[] bytes, int offset) {
        int first = bytes[offset] & 0xff;
        int second = bytes[offset + 1] & 0xff;
        int third = bytes[offset + 2] & 0xff;
        return first == 0 || first == 10 || first == 127 || first >= 224 // this network, private, loopback, multicast, reserved
                || (first == 100 && second >= 64 && second < 128) // 100.64/10 carrier-grade NAT
                || (first == 169 && second == 254) // link local
                || (first == 172 && second >= 16 && second < 32) || (first == 192 && second == 168) // private
                || (first == 192 && second == 0 && (third == 0 || third == 2)) // 192.0.0/24 IETF protocol, 192.0.2/24 documentation
                || (first == 198 && (second == 18 || second == 19)) // benchmarking
                || (first == 198 && second == 51 && third == 100) || (first == 203 && second == 0 && third == 113); // documentation
    }

    private static boolean allZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
