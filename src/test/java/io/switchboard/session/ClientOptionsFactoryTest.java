package io.switchboard.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A bad web version stops the service at start-up, naming the key (it used to fail each connection later). */
class ClientOptionsFactoryTest {

    @Test
    void webVersionsAreReadOrRefusedByName() {
        assertArrayEquals(new int[] {2, 3000, 1029496320}, ClientOptionsFactory.webVersion("2.3000.1029496320"));
        for (String bad : new String[] {"2.3000", "2.3000.x", "2.3000.99999999999", "", "2..1"}) {
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> ClientOptionsFactory.webVersion(bad));
            assertTrue(refused.getMessage().contains("switchboard.whatsapp.web-version"), refused.getMessage());
        }
    }
}
