package io.switchboard.web;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Webhook targets: internal addresses refused unless allowed; only plain http(s) URLs. */
class UrlGuardTest {

    @Test
    void internalAddressesAreRecognised() throws Exception {
        List<String> internals = List.of("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
                "100.64.0.1", "::1", "fe80::1", "fd00::1", "224.0.0.1", "198.18.0.1", "240.0.0.1");
        for (String internal : internals) {
            assertTrue(UrlGuard.internal(InetAddress.getByName(internal)), internal);
        }
        for (String external : new String[] {"8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "100.128.0.1"}) {
            assertFalse(UrlGuard.internal(InetAddress.getByName(external)), external);
        }
    }

    /** The IPv6 forms that carry an IPv4 address reach it: internal when it is (NAT64, 6to4, IPv4-compatible, Teredo). */
    @Test
    void ipv6TransitionFormsOfInternalAddressesAreRecognised() throws Exception {
        List<String> internals = List.of("64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::808:808",
                "2002:7f00:1::", "2002:c0a8:101::1", "::7f00:1", "::a00:1", "::808:808", "2001:0:4136:e378:8000:63bf:3fff:fdd2",
                "192.0.0.8", "192.0.0.170", "192.0.2.1", "198.51.100.7", "203.0.113.9", "fec0::1", "::");
        for (String internal : internals) {
            assertTrue(UrlGuard.internal(InetAddress.getByName(internal)), internal);
        }
        for (String external : new String[] {"64:ff9b::808:808", "2002:808:808::1", "2a00:1450:4001::200e", "192.0.1.1",
            "198.51.101.1"}) {
            assertFalse(UrlGuard.internal(InetAddress.getByName(external)), external);
        }
    }

    /** A refusal does not tell what an internal name resolved to; an accepted check answers the address to connect to. */
    @Test
    void refusalsDoNotRevealAddressesAndChecksPinTheAddress() throws Exception {
        UrlGuard.Refused refused = assertThrows(UrlGuard.Refused.class, () -> UrlGuard.check(UrlGuard.parse("http://localhost/"),
                false));
        assertFalse(refused.getMessage().contains("127.0.0.1") || refused.getMessage().contains("::1"), refused.getMessage());
        assertEquals(InetAddress.getByName("127.0.0.1"), UrlGuard.check(UrlGuard.parse("http://127.0.0.1:9/x"), true));
    }

    @Test
    void loopbackIsRefusedUnlessAllowed() throws Exception {
        URI loopback = UrlGuard.parse("http://127.0.0.1:9/hook");
        assertThrows(UrlGuard.Refused.class, () -> UrlGuard.check(loopback, false));
        assertDoesNotThrow(() -> UrlGuard.check(loopback, true));
        URI localhost = UrlGuard.parse("https://localhost/hook");
        assertThrows(UrlGuard.Refused.class, () -> UrlGuard.check(localhost, false));
    }

    @Test
    void onlyPlainHttpUrls() {
        List<String> bad = List.of("ftp://example.com/x", "http://user:pw@example.com/", "http:///nohost", "example.com/x",
                "http://example.com/#frag", "javascript:alert(1)", "http://exa mple.com/");
        for (String url : bad) {
            assertThrows(UrlGuard.Refused.class, () -> UrlGuard.parse(url), url);
        }
        assertDoesNotThrow(() -> UrlGuard.parse("https://hooks.example.com:8443/path?x=1"));
    }
}
