package io.switchboard.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.protocol.client.WebVersion;
import org.junit.jupiter.api.Test;

/** A bad web version stops the service at start-up, naming the key (it used to fail each connection later). */
class ClientOptionsFactoryTest {

    @Test
    void webVersionsAreReadOrRefusedByName() {
        assertEquals(new WebVersion(2, 3000, 1029496320), ClientOptionsFactory.webVersion("2.3000.1029496320"));
        // Parts are uint32 on the wire: a revision past Integer.MAX_VALUE is valid and must not be refused.
        assertEquals(4_294_967_295L, ClientOptionsFactory.webVersion("2.3000.4294967295").tertiary());
        assertTrue(WebVersion.parse("2.3000.3000000000").isNewerThan(WebVersion.parse("2.3000.2147483647")));
        String[] refused = {"2.3000", "2.3000.x", "2.3000.4294967296", "", "2..1", "2.3000.-1", "2.3000.1.4", "2.3000.+5", " "};
        for (String bad : refused) {
            IllegalStateException error = assertThrows(IllegalStateException.class, () -> ClientOptionsFactory.webVersion(bad));
            assertTrue(error.getMessage().contains("switchboard.whatsapp.web-version"), error.getMessage());
        }
    }
}
