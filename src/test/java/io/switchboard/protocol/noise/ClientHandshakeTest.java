package io.switchboard.protocol.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.protocol.crypto.AesGcm;
import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.crypto.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Our client against an independently written responder, with fixed keys. */
class ClientHandshakeTest {

    private static final Instant NOW = Instant.parse("2026-11-01T12:00:00Z");
    private static final IntroHeader HEADER = new IntroHeader(3);
    private static final byte[] PAYLOAD = "client payload bytes".getBytes();

    private static KeyPair key(int seed) {
        byte[] privateKey = new byte[32];
        java.util.Arrays.fill(privateKey, (byte) seed);
        return Curve25519.keyPairOf(privateKey);
    }

    private final KeyPair root = key(1);
    private final KeyPair intermediate = key(2);
    private final KeyPair serverStatic = key(3);
    private final KeyPair serverEphemeral = key(4);
    private final KeyPair clientNoise = key(5);

    private CertificateVerifier verifier(KeyPair trust) {
        return new CertificateVerifier(trust.publicKey(), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private ClientHandshake client(CertificateVerifier verifier) {
        return new ClientHandshake(HEADER, key(6), clientNoise, verifier);
    }

    private TestResponder responder(byte[] certificates) {
        return new TestResponder(HEADER, serverStatic, serverEphemeral, certificates);
    }

    @Test
    void completesAndAgreesOnTransportKeys() throws Exception {
        TestResponder server = responder(TestCertificates.chain(root, intermediate, serverStatic.publicKey(), NOW));
        ClientHandshake client = client(verifier(root));
        byte[] hello = client.clientHello();
        ClientHandshake.Finished finished = client.finish(server.serverHello(hello), PAYLOAD);
        server.clientFinish(finished.clientFinish());

        assertArrayEquals(clientNoise.publicKey(), server.clientStatic);
        assertArrayEquals(PAYLOAD, server.clientPayload);
        assertArrayEquals(serverStatic.publicKey(), finished.serverStaticKey());

        TransportCipher transport = finished.transport();
        for (int i = 0; i < 3; i++) {
            byte[] fromClient = transport.encrypt(("up " + i).getBytes());
            assertArrayEquals(("up " + i).getBytes(), AesGcm.decrypt(server.readKey, TestResponder.iv(i), null, fromClient));
            byte[] fromServer = AesGcm.encrypt(server.writeKey, TestResponder.iv(i), null, ("down " + i).getBytes());
            assertArrayEquals(("down " + i).getBytes(), transport.decrypt(fromServer));
        }
    }

    @Test
    void isDeterministicForFixedKeys() throws Exception {
        // Certificate signatures are randomized: build the chain once for both runs.
        byte[] certificates = TestCertificates.chain(root, intermediate, serverStatic.publicKey(), NOW);
        byte[] first = run(certificates);
        byte[] second = run(certificates);
        assertArrayEquals(first, second);
        // ClientHello is the protobuf {2: {1: ephemeral}}: fixed bytes for a fixed key.
        assertEquals("12220a20" + HexFormat.of().formatHex(key(6).publicKey()),
                HexFormat.of().formatHex(client(verifier(root)).clientHello()));
    }

    private byte[] run(byte[] certificates) throws Exception {
        TestResponder server = responder(certificates);
        ClientHandshake client = client(verifier(root));
        return client.finish(server.serverHello(client.clientHello()), PAYLOAD).clientFinish();
    }

    @Test
    void rejectsAnotherTrustRoot() throws Exception {
        assertFailure(HandshakeException.Failure.CERTIFICATE_REJECTED, "trust root",
                TestCertificates.chain(root, intermediate, serverStatic.publicKey(), NOW), verifier(key(9)));
    }

    @Test
    void rejectsALeafForAnotherKey() throws Exception {
        assertFailure(HandshakeException.Failure.CERTIFICATE_REJECTED, "static key",
                TestCertificates.chain(root, intermediate, key(8).publicKey(), NOW), verifier(root));
    }

    @Test
    void rejectsExpiredAndFutureCertificates() throws Exception {
        assertFailure(HandshakeException.Failure.CERTIFICATE_REJECTED, "expired",
                TestCertificates.chain(root, intermediate, serverStatic.publicKey(), NOW.minusSeconds(7200),
                        NOW.minusSeconds(60), TestCertificates.INTERMEDIATE_SERIAL), verifier(root));
        assertFailure(HandshakeException.Failure.CERTIFICATE_REJECTED, "not valid yet",
                TestCertificates.chain(root, intermediate, serverStatic.publicKey(), NOW.plusSeconds(60),
                        NOW.plusSeconds(7200), TestCertificates.INTERMEDIATE_SERIAL), verifier(root));
    }

    @Test
    void rejectsUnlinkedSerials() throws Exception {
        assertFailure(HandshakeException.Failure.CERTIFICATE_REJECTED, "issuer serial",
                TestCertificates.chain(root, intermediate, serverStatic.publicKey(), NOW.minusSeconds(60),
                        NOW.plusSeconds(60), 99), verifier(root));
    }

    @Test
    void rejectsAnEmptyChainAsBaileys6WouldAccept() throws Exception {
        assertFailure(HandshakeException.Failure.CERTIFICATE_REJECTED, "missing", new byte[0], verifier(root));
    }

    @Test
    void rejectsTamperedAndMalformedServerHellos() throws Exception {
        TestResponder server = responder(TestCertificates.chain(root, intermediate, serverStatic.publicKey(), NOW));
        ClientHandshake client = client(verifier(root));
        byte[] hello = server.serverHello(client.clientHello());
        hello[hello.length - 5] ^= 1;
        HandshakeException e = assertThrows(HandshakeException.class, () -> client.finish(hello, PAYLOAD));
        assertEquals(HandshakeException.Failure.DECRYPTION_FAILED, e.failure());
        assertThrows(IllegalStateException.class, () -> client.finish(hello, PAYLOAD), "a failed handshake is over");

        ClientHandshake other = client(verifier(root));
        other.clientHello();
        HandshakeException malformed = assertThrows(HandshakeException.class,
                () -> other.finish(new byte[] {0x1a, 0x02, 0x0a, 0x00}, PAYLOAD));
        assertEquals(HandshakeException.Failure.MALFORMED_SERVER_HELLO, malformed.failure());
    }

    private void assertFailure(HandshakeException.Failure expected, String fragment, byte[] certificates,
            CertificateVerifier verifier) throws Exception {
        TestResponder server = responder(certificates);
        ClientHandshake client = client(verifier);
        byte[] hello = server.serverHello(client.clientHello());
        HandshakeException e = assertThrows(HandshakeException.class, () -> client.finish(hello, PAYLOAD));
        assertEquals(expected, e.failure());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
